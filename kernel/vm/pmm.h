/* Physical memory for the kernel: frames from the multiboot memory map, minus
 * the kernel image, the modules GRUB loaded and the first megabyte. */
#ifndef VM_PMM_H
#define VM_PMM_H
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include "kern/multiboot.h"
#include "i386/layout.h"

void pmm_init(const struct multiboot_info *mbi);
/* A zeroed page's physical address, or 0 when memory is exhausted. */
uintptr_t pmm_alloc_page(void);
uintptr_t pmm_alloc_contig(size_t pages, size_t align_pages);
/* The same, zeroed only if `zero`: for frames a device fills for a driver
 * (virtio_fill_alloc), who can read any frame through its device anyway. */
uintptr_t pmm_alloc_contig_filled(size_t pages, size_t align_pages, bool zero);
/* Frees one reference: a frame shared with pmm_share_page is freed when
 * its last holder frees it; a kept one (pmm_keep_page) never is. */
void pmm_free_page(uintptr_t pa);
/* One more holder of an allocated frame (a second task mapping it); false
 * if the frame is not allocated or has too many holders already. */
bool pmm_share_page(uintptr_t pa);
/* The kernel keeps an allocated frame for good (a page it maps into tasks,
 * e.g. the mapped time): freeing it becomes a no-op, so no task unmapping or
 * dying can hand it back to the allocator while the kernel still writes it. */
void pmm_keep_page(uintptr_t pa);
bool pmm_page_kept(uintptr_t pa);
/* Whether more than one task maps the frame (a kept frame counts as shared:
 * it is never moved out of a task, vm_map_shares). */
bool pmm_page_shared(uintptr_t pa);
/* Frames a device may write behind the CPU's back (every contiguous run,
 * which only drivers get, and any frame whose address a driver was told,
 * virtio_phys_pages): out-of-line sends copy them instead of sharing them
 * copy-on-write, since a DMA write takes no write fault. The mark goes when
 * the frame is freed. */
void pmm_mark_device_visible(uintptr_t pa);
bool pmm_page_device_visible(uintptr_t pa);
/* One more holder of a frame a task maps, for a copy-on-write share; false
 * (and nothing changes) if the frame must be copied instead: kept, device
 * visible, at its holder limit, or shared otherwise than copy-on-write
 * (`cow`: the task's mapping is already copy-on-write, so its other holders
 * are copies too). */
bool pmm_share_copy_on_write(uintptr_t pa, bool cow);
void pmm_free_contig(uintptr_t pa, size_t pages);
size_t pmm_free_pages(void);
/* Frames no task-driven allocation may take (zero-fill, out-of-line copies,
 * DMA memory, vm_allocate_contiguous): kept for the kernel's own needs, so a
 * task exhausting memory fails while the kernel and the other tasks go on. */
#define KERNEL_RESERVE_PAGES 256
/* Idle work: zero one free frame ahead of allocation (a bounded pool).
 * False when the pool is full or no free frame is left to zero. */
bool pmm_prezero_one(void);
size_t pmm_total_pages(void);

/* Inline forms of the holder counts, for pmap.c's per-page loops (an
 * out-of-line transfer shares, maps and unmaps every page it carries, and
 * a call per page cost more than the work). The functions above are
 * defined by these; the records are pmm.c's, read and counted only here. */
#define PMM_MAX_FRAMES ((DIRECT_END - KERNBASE) / PAGE_SIZE)
extern uint8_t pmm_extra_refs[PMM_MAX_FRAMES];                  /* holders beyond the first */
/* A byte per frame rather than two bitmaps: one load and test per page. */
extern uint8_t pmm_frame_flags[PMM_MAX_FRAMES];
#define PMM_KEPT 1                      /* pmm_keep_page */
#define PMM_DEVICE_VISIBLE 2            /* pmm_mark_device_visible */

static inline bool pmm_page_kept_inline(uintptr_t pa)
{
	uint32_t f = pa / PAGE_SIZE;
	return f < PMM_MAX_FRAMES && (pmm_frame_flags[f] & PMM_KEPT);
}

static inline bool pmm_page_shared_inline(uintptr_t pa)
{
	uint32_t f = pa / PAGE_SIZE;
	return f < PMM_MAX_FRAMES && (pmm_extra_refs[f] || (pmm_frame_flags[f] & PMM_KEPT));
}

static inline bool pmm_share_copy_on_write_inline(uintptr_t pa, bool cow)
{
	uint32_t f = pa / PAGE_SIZE;
	if (pa % PAGE_SIZE || f >= PMM_MAX_FRAMES || pmm_frame_flags[f])
		return false;                   /* kept or device visible */
	uint8_t refs = pmm_extra_refs[f];
	if ((refs && !cow) || refs == UINT8_MAX)
		return false;
	pmm_extra_refs[f] = refs + 1;
	return true;
}

/* pmm_free_page's first half: true when that is all it takes (the frame
 * is kept, or one of its other holders' references is dropped); false
 * when the caller holds the last reference and pmm_free_page must free
 * the frame itself. */
static inline bool pmm_drop_held_inline(uintptr_t pa)
{
	uint32_t f = pa / PAGE_SIZE;
	if (pa % PAGE_SIZE || f >= PMM_MAX_FRAMES)
		return false;
	if (pmm_frame_flags[f] & PMM_KEPT)
		return true;
	if (!pmm_extra_refs[f])
		return false;
	pmm_extra_refs[f]--;
	return true;
}
/* Highest physical address below which RAM is mapped by the kernel. */
uintptr_t pmm_ram_top(void);
#endif
