/* Page tables. A pmap is one address space: a page directory whose kernel half
 * (KERNBASE and up) is shared with every other pmap, and whose user half maps
 * 4 KiB pages the task owns. */
#ifndef VM_PMAP_H
#define VM_PMAP_H
#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include "i386/layout.h"
#include "i386/cpu.h"
#include "kern/assert.h"

#define PTE_P   0x001
#define PTE_W   0x002
#define PTE_U   0x004
#define PTE_PCD 0x010
#define PTE_PS  0x080
#define PTE_G   0x100
/* Software bit (one the MMU ignores): the page's frame is shared
 * copy-on-write, so the entry stays read-only, whatever the region allows,
 * until a write fault gives the task a frame of its own (vm/vm_fault.c). */
#define PTE_COW 0x200
/* Software bit: the page is lent to a device for reading (pmap_lend_to_device):
 * the entry holds a second reference to its frame, the device's, and stays
 * copy-on-write. Whatever removes the entry (deallocation, a move out of
 * the task, the task's death) drops both references; nothing replaces its
 * frame meanwhile (vm_fault_unshare refuses). */
#define PTE_DEVICE_READS 0x400

struct pmap {
	uint32_t *pd;           /* kernel virtual address of the page directory */
	uintptr_t pd_phys;
	size_t user_pages;      /* pages mapped in the user half, for accounting */
	/* Of those, pages the kernel mapped outside every region of the task
	 * (device/virtio's DMA window, counted there): vm_map's search for
	 * free space looks for such pages only while there are any. */
	size_t foreign_pages;
};

/* Build the kernel's own directory (direct map of RAM) and switch to it. */
void pmap_bootstrap(uintptr_t ram_top);
struct pmap *pmap_kernel(void);
int pmap_create(struct pmap *pm);                 /* 0, or -1 without memory */
/* Unmap and free every user page and page table, then the directory. */
void pmap_destroy(struct pmap *pm);
/* Map one user page; -1 without memory for a page table, -2 if va is taken. */
int pmap_enter(struct pmap *pm, uintptr_t va, uintptr_t pa, bool writable);
/* Map a page the kernel shares with every task (the time page), read-only
 * for the task, at va between USER_TOP and KERNBASE: out of reach of the
 * task's own VM calls, not counted as the task's, never freed with the
 * pmap. -1 without memory for the page table. */
int pmap_enter_shared_readonly(struct pmap *pm, uintptr_t va, uintptr_t pa);
/* Map frames[0..n) read/write at n pages from va, walking each page
 * table once (a 0 frame leaves its page absent; a frame another holder
 * still has, pmm_page_shared, is mapped copy-on-write); -1 (with nothing left mapped) without memory for a page
 * table or if a page is taken. */
int pmap_enter_frames(struct pmap *pm, uintptr_t va, const uintptr_t *frames, size_t n);
/* Unmap n pages from va; frames[i] (if frames) gets page i's frame, 0
 * where none was mapped. */
void pmap_remove_range(struct pmap *pm, uintptr_t va, size_t n, uintptr_t *frames);
/* Unmap n pages from va and let go of each frame (pmm_free_page: freed
 * unless another holder has it), walking each page table once. */
void pmap_remove_range_free(struct pmap *pm, uintptr_t va, size_t n);
/* Unmap one user page and return its frame (0 if none was mapped). */
uintptr_t pmap_remove(struct pmap *pm, uintptr_t va);
/* The frame behind va and whether it is user-writable; false if unmapped. */
bool pmap_lookup(const struct pmap *pm, uintptr_t va, uintptr_t *pa, bool *writable);
/* Where the page-table entry of user address va lies, or NULL if its page
 * table is absent or va is not in user space. Inline, for copyin/copyout's
 * per-page loop. The kernel half is refused here and not only by the
 * callers: its directory entries map 4 MiB pages (PTE_PS), and reading such
 * an entry's frame as a page table would take PTEs from whatever that
 * physical memory holds, which a task may own. */
static inline uint32_t *pmap_pte(const struct pmap *pm, uintptr_t va)
{
	if (va >= USER_TOP)
		return NULL;
	uint32_t pde = pm->pd[va >> 22];
	if ((pde & (PTE_P | PTE_PS)) != PTE_P)
		return NULL;
	return (uint32_t *)P2V(pde & ~0xFFFu) + ((va >> 12) & 0x3FF);
}
/* Change a mapped user page's access: user (readable by the task) and
 * writable. A page kept without user access stays mapped (and is freed by
 * pmap_destroy) but every access by the task faults. A copy-on-write page
 * stays read-only (its write fault makes it writable). False if unmapped. */
bool pmap_protect(struct pmap *pm, uintptr_t va, bool user, bool writable);
/* The frame behind a present user page whatever its access bits (for the
 * kernel's own copies, e.g. of a VM_PROT_NONE page); false if unmapped. */
bool pmap_frame(const struct pmap *pm, uintptr_t va, uintptr_t *pa);
/* Range checks that walk the page tables once (a directory entry per
 * 4 MiB) instead of looking up each page; [start, end) page aligned.
 * pmap_all_present: every page is present for the user as pmap_lookup
 * sees it (false for any range reaching outside user space).
 * pmap_first_present: the first such page of the range, or 0 if none. */
bool pmap_all_present(const struct pmap *pm, uintptr_t start, uintptr_t end);
uintptr_t pmap_first_present(const struct pmap *pm, uintptr_t start, uintptr_t end);
/* Copy-on-write (ipc/ool.c's virtual copies, vm/vm_fault.c):
 * pmap_share_cow takes, for each of n pages from va present for the user
 * whose frame pmm_share_copy_on_write lets it share, one more reference to
 * the frame into frames[i] and makes the page read-only and copy-on-write;
 * frames[i] is 0 for every other page (absent, or to be copied). It walks
 * each page table once and returns how many it shared.
 * pmap_is_cow says whether the page at va is so marked; pmap_replace_cow
 * maps frame pa (the task's own now) there in place of the shared one,
 * writable if asked (and the page is accessible to the user at all). */
size_t pmap_share_cow(struct pmap *pm, uintptr_t va, size_t n, uintptr_t *frames);
bool pmap_is_cow(const struct pmap *pm, uintptr_t va);
void pmap_replace_cow(struct pmap *pm, uintptr_t va, uintptr_t pa, bool writable);
/* Lend the present user page at va to a device for reading: *pa gets its
 * frame. The entry takes one more reference to the frame (pmm_share_page)
 * and becomes read-only and copy-on-write (PTE_DEVICE_READS), so the frame
 * is neither freed nor written in place until the entry goes: every other
 * holder's write makes that holder a copy, since the frame stays shared,
 * and the task's own write is refused. A page lent already just gives its
 * frame. A frame the kernel keeps, or one a device may write anyway (the
 * driver's own DMA memory, pmm_page_device_visible), is given as it is,
 * not lent: the former is never freed, the latter is not the client's.
 * False if the page is absent or the frame is at its holder limit. */
bool pmap_lend_to_device(struct pmap *pm, uintptr_t va, uintptr_t *pa);
bool pmap_lent_to_device(const struct pmap *pm, uintptr_t va);
/* Load pm's directory into CR3 unless it is loaded (a load flushes the
 * TLB); true if it loaded it. Inline: every switch between tasks makes it. */
static inline bool pmap_activate(const struct pmap *pm)
{
	assert(pm->pd != NULL);                      /* not a destroyed map */
	if (read_cr3() == pm->pd_phys)
		return false;
	write_cr3(pm->pd_phys);
	return true;
}
#endif
