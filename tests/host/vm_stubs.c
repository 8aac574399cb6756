/*
 * vm_stubs.c - the minimal kernel environment for host tests of the task
 * address map (kernel/vm/vm_map.c); see vm_stubs.h for what each stub does
 * and records.  Compiled with the kernel's include paths, so every
 * prototype is checked against the kernel headers.
 */
#include "vm_stubs.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i386/layout.h"
#include "kern/printf.h"
#include "vm/kalloc.h"
#include "vm/pmm.h"

/* Counts down a failure injection: true once, when it reaches zero. */
static bool fire(long *counter)
{
	if (*counter < 0)
		return false;
	if ((*counter)-- == 0) {
		*counter = -1;
		return true;
	}
	return false;
}

/* ----- frames ----- */

size_t stub_pmm_total, stub_pmm_outstanding, stub_pmm_mapped;
long stub_pmm_fail_after = -1;
unsigned stub_pmm_errors;
char stub_pmm_error_msg[160];

enum { FREE, ALLOCATED, MAPPED };
static uint8_t *frame_state;		/* per frame index */
static uint32_t *free_stack;		/* frame indexes, top = last freed */
static size_t nfree;

#define FRAME_PA(i) (((uintptr_t)(i) + 1) * PAGE_SIZE)

static long frame_index(uintptr_t pa)
{
	if (pa % PAGE_SIZE || pa < PAGE_SIZE || pa / PAGE_SIZE > stub_pmm_total)
		return -1;
	return (long)(pa / PAGE_SIZE - 1);
}

__attribute__((format(printf, 1, 2)))
static void frame_error(const char *fmt, ...)
{
	if (stub_pmm_errors++ == 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(stub_pmm_error_msg, sizeof stub_pmm_error_msg, fmt, ap);
		va_end(ap);
	}
}

void stub_pmm_reset(size_t total)
{
	if (total > STUB_PMM_MAX)
		panic("stub_pmm_reset: %zu frames is too many", total);
	free(frame_state);
	free(free_stack);
	frame_state = calloc(total ? total : 1, 1);
	free_stack = malloc((total ? total : 1) * sizeof *free_stack);
	if (!frame_state || !free_stack)
		abort();
	stub_pmm_total = nfree = total;
	stub_pmm_outstanding = stub_pmm_mapped = 0;	/* leaks were the test's to report */
	for (size_t i = 0; i < total; i++)	/* lowest frame on top */
		free_stack[i] = (uint32_t)(total - 1 - i);
	stub_pmm_errors = 0;
	stub_pmm_error_msg[0] = 0;
	stub_pmm_fail_after = -1;
}

int stub_frame_state(uintptr_t pa)
{
	long i = frame_index(pa);
	return i < 0 ? -1 : frame_state[i];
}

uintptr_t pmm_alloc_page(void)
{
	if (nfree == 0 || fire(&stub_pmm_fail_after))
		return 0;
	uint32_t i = free_stack[--nfree];
	if (frame_state[i] != FREE)
		panic("vm_stubs: frame %u on the free stack is in use", i);
	frame_state[i] = ALLOCATED;
	stub_pmm_outstanding++;
	return FRAME_PA(i);
}

void pmm_free_page(uintptr_t pa)
{
	long i = frame_index(pa);
	if (i < 0)
		return frame_error("pmm_free_page(%#lx): not a frame", (unsigned long)pa);
	if (frame_state[i] == FREE)
		return frame_error("pmm_free_page(%#lx): double free", (unsigned long)pa);
	if (frame_state[i] == MAPPED)
		return frame_error("pmm_free_page(%#lx): frame still mapped", (unsigned long)pa);
	frame_state[i] = FREE;
	free_stack[nfree++] = (uint32_t)i;
	stub_pmm_outstanding--;
}

size_t pmm_free_pages(void) { return nfree; }

/* ----- pmap: pm->pd holds 1024 host pointers to tables of 1024 entries ----- */

long stub_pmap_enter_fail_after = -1;
static uintptr_t next_pd_phys = 0x7F000000;

#define PDX(va) ((va) >> 22)
#define PTX(va) (((va) >> 12) & 1023)
#define FRAME(e) ((e) & ~(uint32_t)0xFFF)

static uint32_t *entry(const struct pmap *pm, uintptr_t va, bool create)
{
	uint32_t **pd = (uint32_t **)pm->pd;
	if (!pd)
		panic("vm_stubs: pmap %p used after pmap_destroy", (const void *)pm);
	if (!pd[PDX(va)]) {
		if (!create)
			return NULL;
		if (!(pd[PDX(va)] = calloc(1024, sizeof(uint32_t))))
			abort();
	}
	return &pd[PDX(va)][PTX(va)];
}

static void check_user_va(const char *who, uintptr_t va)
{
	if (va < USER_BASE || va >= USER_TOP || va % PAGE_SIZE)
		panic("%s: bad user address %#lx", who, (unsigned long)va);
}

int pmap_create(struct pmap *pm)
{
	pm->pd = calloc(1024, sizeof(uint32_t *));
	if (!pm->pd)
		abort();
	pm->pd_phys = next_pd_phys += PAGE_SIZE;
	pm->user_pages = 0;
	pm->foreign_pages = 0;
	return 0;
}

void pmap_destroy(struct pmap *pm)
{
	uint32_t **pd = (uint32_t **)pm->pd;
	for (unsigned i = 0; i < 1024; i++) {
		if (!pd[i])
			continue;
		for (unsigned j = 0; j < 1024; j++)
			if (pd[i][j] & PTE_P) {
				uintptr_t pa = FRAME(pd[i][j]);
				pd[i][j] = 0;
				if (stub_frame_state(pa) == MAPPED) {
					frame_state[frame_index(pa)] = ALLOCATED;
					stub_pmm_mapped--;
				}
				pmm_free_page(pa);
			}
		free(pd[i]);
	}
	free(pd);
	pm->pd = NULL;
	pm->user_pages = 0;
}

int pmap_enter(struct pmap *pm, uintptr_t va, uintptr_t pa, bool writable)
{
	check_user_va("pmap_enter", va);
	if (fire(&stub_pmap_enter_fail_after))
		return -1;
	uint32_t *e = entry(pm, va, true);
	if (*e & PTE_P)
		return -2;
	int state = stub_frame_state(pa);
	if (state != ALLOCATED) {
		frame_error("pmap_enter(%#lx, %#lx): frame %s", (unsigned long)va, (unsigned long)pa,
			    state < 0 ? "is not a frame" : state == FREE ? "is free" : "is already mapped");
		return -1;
	}
	frame_state[frame_index(pa)] = MAPPED;
	stub_pmm_mapped++;
	*e = (uint32_t)pa | PTE_P | PTE_U | (writable ? PTE_W : 0);
	pm->user_pages++;
	return 0;
}

uintptr_t pmap_remove(struct pmap *pm, uintptr_t va)
{
	check_user_va("pmap_remove", va);
	uint32_t *e = entry(pm, va, false);
	if (!e || !(*e & PTE_P))
		return 0;
	uintptr_t pa = FRAME(*e);
	*e = 0;
	pm->user_pages--;
	if (stub_frame_state(pa) == MAPPED) {
		frame_state[frame_index(pa)] = ALLOCATED;
		stub_pmm_mapped--;
	} else {
		frame_error("pmap_remove(%#lx): frame %#lx was not mapped", (unsigned long)va, (unsigned long)pa);
	}
	return pa;
}

bool pmap_lookup(const struct pmap *pm, uintptr_t va, uintptr_t *pa, bool *writable)
{
	if (va < USER_BASE || va >= USER_TOP)
		return false;
	uint32_t *e = entry(pm, va, false);
	if (!e || (*e & (PTE_P | PTE_U)) != (PTE_P | PTE_U))
		return false;
	*pa = FRAME(*e) | (va & 0xFFF);
	if (writable)
		*writable = *e & PTE_W;
	return true;
}

/* Any present page, whatever its access bits. */
bool pmap_frame(const struct pmap *pm, uintptr_t va, uintptr_t *pa)
{
	if (va < USER_BASE || va >= USER_TOP)
		return false;
	uint32_t *e = entry(pm, va, false);
	if (!e || !(*e & PTE_P))
		return false;
	*pa = FRAME(*e);
	return true;
}

/* Sharing frames between tasks (vm_map_share) is tested in the guest
 * (test-gsync); these host tests never share, so a call is an error. */
bool pmm_page_shared(uintptr_t pa)
{
	(void)pa;
	return false;
}

/* No frame is kept for good in host tests (vm_map_enter_kept refuses all). */
bool pmm_page_kept(uintptr_t pa)
{
	(void)pa;
	return false;
}

bool pmm_share_page(uintptr_t pa)
{
	frame_error("pmm_share_page(%#lx): not expected in host tests", (unsigned long)pa);
	return false;
}

/* Nothing is shared copy-on-write in host tests (that is ipc/ool.c's, tested
 * in the guest by test-cow): no page is so marked, and none needs a copy. */
bool pmap_is_cow(const struct pmap *pm, uintptr_t va)
{
	(void)pm;
	(void)va;
	return false;
}

kern_return_t vm_fault_unshare(struct task *t, uintptr_t va)
{
	(void)t;
	(void)va;
	return KERN_SUCCESS;
}

/* The range forms by their definitions in vm/pmap.h, a page at a time. */
int pmap_enter_frames(struct pmap *pm, uintptr_t va, const uintptr_t *frames, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (frames[i] && pmap_enter(pm, va + i * PAGE_SIZE, frames[i], true) < 0) {
			while (i--)
				pmap_remove(pm, va + i * PAGE_SIZE);
			return -1;
		}
	return 0;
}

void pmap_remove_range(struct pmap *pm, uintptr_t va, size_t n, uintptr_t *frames)
{
	for (size_t i = 0; i < n; i++) {
		uintptr_t pa = pmap_remove(pm, va + i * PAGE_SIZE);
		if (frames)
			frames[i] = pa;
	}
}

void pmap_remove_range_free(struct pmap *pm, uintptr_t va, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uintptr_t pa = pmap_remove(pm, va + i * PAGE_SIZE);
		if (pa)
			pmm_free_page(pa);
	}
}

/* The range checks by the definition in vm/pmap.h, a lookup per page. */
bool pmap_all_present(const struct pmap *pm, uintptr_t start, uintptr_t end)
{
	uintptr_t pa;
	if (start < USER_BASE || end > USER_TOP || start > end)
		return false;
	for (uintptr_t va = start; va < end; va += PAGE_SIZE)
		if (!pmap_lookup(pm, va, &pa, NULL))
			return false;
	return true;
}

uintptr_t pmap_first_present(const struct pmap *pm, uintptr_t start, uintptr_t end)
{
	uintptr_t pa;
	for (uintptr_t va = start < USER_BASE ? USER_BASE : start; va < end && va < USER_TOP; va += PAGE_SIZE)
		if (pmap_lookup(pm, va, &pa, NULL))
			return va;
	return 0;
}

bool pmap_protect(struct pmap *pm, uintptr_t va, bool user, bool writable)
{
	if (va < USER_BASE || va >= USER_TOP)
		return false;
	uint32_t *e = entry(pm, va, false);
	if (!e || !(*e & PTE_P))
		return false;
	*e = (*e & ~(uint32_t)(PTE_U | PTE_W)) | (user ? PTE_U : 0) | (user && writable ? PTE_W : 0);
	return true;
}

bool stub_pte(const struct pmap *pm, uintptr_t va, uintptr_t *pa, bool *user, bool *writable)
{
	uint32_t *e = va >= USER_BASE && va < USER_TOP ? entry(pm, va, false) : NULL;
	if (!e || !(*e & PTE_P))
		return false;
	if (pa)
		*pa = FRAME(*e);
	if (user)
		*user = *e & PTE_U;
	if (writable)
		*writable = *e & PTE_W;
	return true;
}

size_t stub_pmap_count(const struct pmap *pm)
{
	uint32_t **pd = (uint32_t **)pm->pd;
	size_t n = 0;
	for (unsigned i = 0; i < 1024; i++)
		for (unsigned j = 0; pd[i] && j < 1024; j++)
			n += pd[i][j] & PTE_P;
	return n;
}

/* ----- tasks ----- */

static uint32_t next_task_id = 1;

struct task *stub_task_new(size_t page_limit)
{
	struct task *t = calloc(1, sizeof *t);
	if (!t)
		abort();
	t->id = next_task_id++;
	snprintf(t->name, sizeof t->name, "vmtest%u", (unsigned)t->id);
	pmap_create(&t->pmap);
	t->page_limit = page_limit;
	return t;
}

void stub_task_free(struct task *t)
{
	vm_map_destroy(&t->map);
	pmap_destroy(&t->pmap);
	free(t);
}

uintptr_t stub_map_foreign(struct task *t, uintptr_t va)
{
	uintptr_t pa = pmm_alloc_page();
	if (pa && pmap_enter(&t->pmap, va, pa, true) != 0) {
		pmm_free_page(pa);
		pa = 0;
	}
	if (pa)
		t->pmap.foreign_pages++;        /* as device/virtio/vmem.c counts its pages */
	return pa;
}

const char *stub_map_invalid(const struct vm_map *map)
{
	uint32_t n = 0;
	const struct vm_region *prev = NULL;
	for (const struct vm_region *r = map->regions; r; prev = r, r = r->next) {
		if (++n > VM_MAP_MAX_REGIONS + 1)
			return "more regions than the cap (or a cycle)";
		if (r->start % PAGE_SIZE || r->end % PAGE_SIZE)
			return "region not page aligned";
		if (r->start >= r->end)
			return "empty or inverted region";
		if (r->start < USER_BASE || r->end > USER_TOP)
			return "region outside user space";
		if (prev && prev->end > r->start)
			return "regions unsorted or overlapping";
		if (prev && prev->end == r->start && prev->prot == r->prot &&
		    prev->max_prot == r->max_prot && prev->inherit == r->inherit)
			return "touching regions with equal attributes not coalesced";
	}
	return n == map->nregions ? NULL : "nregions differs from the list";
}
