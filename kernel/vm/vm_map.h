/* A task's address map: the regions of user space it has allocated, sorted
 * by address and never overlapping, each with a protection, a maximum
 * protection and an inheritance attribute.
 *
 * A page of a region is either absent (reserved: vm_map_reserve, and pages
 * taken out by vm_map_extract's callers never come back) or mapped in the
 * task's pmap; an absent page is backed, zero-filled, on its first touch
 * (vm/vm_fault.h). vm_map_allocate backs every page at once (the kernel's
 * own loads: ELF segments, stacks, a child's copy). The pmap owns the frames: removing a range frees them, and
 * pmap_destroy frees whatever a dying task still maps, so vm_map_destroy only
 * frees the region records. A frame shared by several tasks (vm_map_share,
 * or copy-on-write after an out-of-line send, vm/vm_fault.h) is owned by
 * each of their pmaps (and by each message holding it) and freed when the last one lets go. A frame the kernel keeps
 * (pmm_keep_page: a kernel memory object's, vm_map_enter_kept) is never freed. A page lent to a device
 * (pmap_lend_to_device) holds a second reference, the device's, dropped with the mapping. A page outside every region is never mapped,
 * so a task touching one takes an ordinary page fault and is killed.
 *
 * Protection is kept in the page tables: VM_PROT_WRITE makes pages
 * writable, VM_PROT_NONE keeps them mapped for the kernel but without user
 * access (the task faults, copyin/copyout refuse them).
 *
 * Accounting: pmap.user_pages is what a task holds; nothing may take it past
 * task->page_limit (KERN_RESOURCE_SHORTAGE and a kwarn line). */
#ifndef VM_VM_MAP_H
#define VM_VM_MAP_H
#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include <mach/kern_return.h>
#include <mach/vm_prot.h>
#include <mach/vm_inherit.h>

struct task;

struct vm_region {
	struct vm_region *next;
	uintptr_t start, end;        /* page aligned, start < end */
	int prot, max_prot;          /* VM_PROT_* */
	int inherit;                 /* VM_INHERIT_* */
};

struct vm_map {
	struct vm_region *regions;   /* sorted by address */
	uint32_t nregions;
};

#define VM_MAP_MAX_REGIONS 4096
/* "Anywhere" allocations are first fit from here up, then below it. */
#define VM_ANYWHERE_MIN 0x00400000u

/* Free the region records (not the pages: pmap_destroy frees those). */
void vm_map_destroy(struct vm_map *map);
/* The region containing addr, or the first one above it; NULL if none. */
struct vm_region *vm_map_lookup(const struct vm_map *map, uintptr_t addr);
struct vm_region *vm_map_next(const struct vm_map *map, uintptr_t addr);
/* True if regions cover every byte of [start, end). */
bool vm_map_covered(const struct vm_map *map, uintptr_t start, uintptr_t end);

/* New zero-filled pages. size is a nonzero multiple of the page size; with
 * anywhere false, *addr is the page-aligned start that must be free.
 * KERN_INVALID_ADDRESS (outside user space), KERN_NO_SPACE (taken, or no
 * room), KERN_RESOURCE_SHORTAGE (task limit or physical memory). */
kern_return_t vm_map_allocate(struct task *t, uintptr_t *addr, size_t size, bool anywhere, int prot);
/* The same, reserving only: no frame is taken until a page is touched
 * (vm_allocate). The task's page limit applies to touches, not here. */
kern_return_t vm_map_reserve(struct task *t, uintptr_t *addr, size_t size, bool anywhere, int prot);
/* Map npages frames the caller owns anywhere in t (a 0 frame leaves its page
 * absent, to be zero-filled on touch), read/write (copy-on-write for a
 * frame some other holder still has); on success t
 * owns them. Fails like vm_map_allocate, leaving the frames with the caller. */
kern_return_t vm_map_enter_frames(struct task *t, uintptr_t *addr, const uintptr_t *frames, size_t npages);
/* The same for a caller that knows how many of the frames are not 0
 * (`held`, what the task is charged): no pass to count them. */
kern_return_t vm_map_enter_frames_held(struct task *t, uintptr_t *addr, const uintptr_t *frames, size_t npages,
				       size_t held);
/* npages = size rounded up to pages: physically contiguous frames in
 * [pmin, pmax) (pmax 0: no bound) aligned to palign (0: a page), zeroed if
 * `zero`, mapped anywhere in t read/write (vm_allocate_contiguous and
 * virtio_fill_alloc). Refusals are logged under the routine name `who`. */
kern_return_t vm_contiguous_enter(struct task *t, size_t size, uint64_t pmin, uint64_t pmax, uint64_t palign,
				  bool zero, const char *who, uintptr_t *vaddr, uint64_t *paddr);
/* Map npages frames the kernel keeps for good (pmm_keep_page: a kernel
 * memory object's) at *addr (or anywhere), read-only whatever prot says
 * (VM_PROT_WRITE is dropped: the kernel writes them); the caller sets the
 * maximum protection (without write) and the inheritance. Unmapping or the
 * task's death never frees them. Fails like vm_map_allocate. */
kern_return_t vm_map_enter_kept(struct task *t, uintptr_t *addr, const uintptr_t *frames, size_t npages,
			    bool anywhere, int prot);
/* Map the frames behind [start, end) of `from` at the same addresses in
 * `to` (free there), with protection prot: both tasks then see the same
 * memory, and each frame is freed when the last task unmaps it
 * (pmm_share_page). For VM_INHERIT_SHARE regions in task_create. A
 * copy-on-write page of `from` is made its own first (vm_fault_unshare). */
kern_return_t vm_map_share(struct task *from, struct task *to, uintptr_t start, uintptr_t end, int prot);
/* Whether any page of [start, start + len) is shared with another task (its
 * frames must then not be moved out of t: vm_map_extract would hand memory
 * another task still uses to a third). A copy-on-write page is not shared
 * in this sense: whoever maps it next maps it copy-on-write too. */
bool vm_map_shares(const struct task *t, uintptr_t start, size_t len);
/* Take the pages of [start, start + npages pages) out of t (they must all be
 * allocated and readable): their frames go to frames[] (0 for a page never
 * touched), the range becomes free. KERN_INVALID_ADDRESS if any page is missing or inaccessible. */
kern_return_t vm_map_extract(struct task *t, uintptr_t start, size_t npages, uintptr_t *frames);
/* Deallocate [start, end) (page aligned); holes in it are fine. */
kern_return_t vm_map_remove(struct task *t, uintptr_t start, uintptr_t end);
/* Every page of [start, end) must be allocated (else KERN_INVALID_ADDRESS);
 * a protection beyond a region's maximum is KERN_PROTECTION_FAILURE. */
kern_return_t vm_map_protect(struct task *t, uintptr_t start, uintptr_t end, bool set_max, int prot);
kern_return_t vm_map_inherit(struct task *t, uintptr_t start, uintptr_t end, int inherit);
#endif
