/*
 * vm_stubs.h - the kernel environment kernel/vm/vm_map.c needs to run
 * unchanged as a host program (tests/host/vm_stubs.c), and what it lets a
 * test observe:
 *
 *   pmap_*       a fake pmap with the real one's contract (vm/pmap.h): a
 *                two-level table per pmap holding i386-style entries
 *                (frame | PTE_P | PTE_U | PTE_W), user_pages kept the same
 *                way, pmap_lookup blind to pages without PTE_U.  Page
 *                tables come from the host heap, not from the frame pool.
 *                stub_pte reads an entry whatever its bits;
 *                stub_pmap_enter_fail_after makes a later pmap_enter
 *                return -1 (no memory for a page table).
 *   pmm_*        a pool of stub_pmm_total fake frames (no memory behind
 *                them), handed out last-freed-first.  Every frame is free,
 *                allocated, or allocated and mapped (by exactly one pmap
 *                entry); entering a frame that is not allocated or already
 *                mapped, and freeing one that is free (double free),
 *                mapped, or not a frame at all, counts in stub_pmm_errors
 *                (first message in stub_pmm_error_msg).
 *                stub_pmm_fail_after makes a later pmm_alloc_page return 0.
 *   kalloc, panic, kprintf: tests/host/kernel_stubs.h (shared with ipc_stubs).
 *   tasks        stub_task_new makes the struct task vm_map.c uses (id,
 *                name, pmap, map, page_limit); stub_task_free destroys its
 *                map and pmap as task_finish does.
 *
 * A *_fail_after counter n >= 0 lets n more calls succeed, fails the next
 * one, then resets itself to -1 (so a test can tell whether it fired).
 */
#ifndef TESTS_HOST_VM_STUBS_H
#define TESTS_HOST_VM_STUBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel_stubs.h"

#include "kern/task.h"
#include "vm/pmap.h"
#include "vm/pmm.h"
#include "vm/vm_map.h"

/* frames */
#define STUB_PMM_MAX 0xFFFF0u			/* frames 0x1000 .. below 4 GiB */
extern size_t stub_pmm_total;			/* pool size (stub_pmm_reset) */
extern size_t stub_pmm_outstanding;		/* allocated, mapped or not */
extern size_t stub_pmm_mapped;			/* of those, mapped by a pmap */
extern long stub_pmm_fail_after;
extern unsigned stub_pmm_errors;
extern char stub_pmm_error_msg[160];
/* A fresh pool of total frames (frames still out are forgotten: check
 * stub_pmm_outstanding first). */
void stub_pmm_reset(size_t total);
/* 0 free, 1 allocated, 2 allocated and mapped, -1 not a frame. */
int stub_frame_state(uintptr_t pa);

/* pmap */
extern long stub_pmap_enter_fail_after;
/* The entry for va whatever its bits: false if none is present. */
bool stub_pte(const struct pmap *pm, uintptr_t va, uintptr_t *pa, bool *user, bool *writable);
/* Entries present in pm (counted in the table, not from user_pages). */
size_t stub_pmap_count(const struct pmap *pm);


/* tasks */
struct task *stub_task_new(size_t page_limit);
void stub_task_free(struct task *t);
/* A page mapped in t outside every region, as device/virtio/vmem.c does:
 * a fresh frame entered user-writable. Returns the frame, 0 if va was taken. */
uintptr_t stub_map_foreign(struct task *t, uintptr_t va);

/* NULL if the region list is well formed: page aligned, start < end,
 * inside user space, sorted, not overlapping, no two touching regions with
 * equal attributes, and nregions right; else what is wrong (static text). */
const char *stub_map_invalid(const struct vm_map *map);

#endif
