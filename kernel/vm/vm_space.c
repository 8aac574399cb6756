/* Where new pages may go in a task's address map (vm_map.c's allocations
 * and entries): a first fit in user space that no region holds and the
 * kernel has not mapped itself, or a caller's fixed address checked the
 * same way; and the task's page limit. */
#include "vm/vm_map.h"
#include "vm/vm_space.h"
#include "vm/pmap.h"
#include "kern/task.h"
#include "kern/printf.h"
#include "i386/layout.h"

static bool range_free(const struct vm_map *map, uintptr_t start, uintptr_t end)
{
	struct vm_region *r = vm_map_next(map, start);
	return !r || r->start >= end;
}

/* First fit of size bytes in [lo, hi); *before is then the last region
 * below it (NULL: none), whose next is the first above it. */
static bool fit_between(const struct vm_map *map, uintptr_t lo, uintptr_t hi, size_t size, uintptr_t *addr,
			struct vm_region **before)
{
	uintptr_t at = lo;
	struct vm_region *prev = NULL;
	for (struct vm_region *r = map->regions; r; prev = r, r = r->next) {
		if (r->end <= at)
			continue;
		if (r->start >= at && r->start - at >= size)
			break;
		at = r->end;
		if (at >= hi)
			return false;
	}
	if (at >= hi || hi - at < size)
		return false;
	*addr = at;
	*before = prev;
	return true;
}

/* A page of [start, end) that is mapped although no region covers it (the
 * kernel maps some pages itself, e.g. device/virtio's DMA window), or 0. */
static uintptr_t foreign_page(const struct task *t, uintptr_t start, uintptr_t end)
{
	if (!t->pmap.foreign_pages)
		return 0;                       /* none anywhere: no page-table walk */
	return pmap_first_present(&t->pmap, start, end);
}

static bool fit_unmapped(struct task *t, uintptr_t lo, uintptr_t hi, size_t size, uintptr_t *addr,
			 struct vm_region **before)
{
	while (fit_between(&t->map, lo, hi, size, addr, before)) {
		uintptr_t busy = foreign_page(t, *addr, *addr + size);
		if (!busy)
			return true;
		lo = busy + PAGE_SIZE;
	}
	return false;
}

kern_return_t vm_space_find(struct task *t, size_t size, uintptr_t *addr, struct vm_region **before)
{
	if (fit_unmapped(t, VM_ANYWHERE_MIN, USER_TOP, size, addr, before) ||
	    fit_unmapped(t, USER_BASE, VM_ANYWHERE_MIN, size, addr, before))
		return KERN_SUCCESS;
	return KERN_NO_SPACE;
}

kern_return_t vm_space_check(struct task *t, uintptr_t *addr, size_t npages, bool anywhere, bool charged)
{
	size_t size = npages * PAGE_SIZE;
	if (npages == 0 || npages > (USER_TOP - USER_BASE) / PAGE_SIZE)
		return KERN_INVALID_ARGUMENT;
	if (charged && t->pmap.user_pages + npages > t->page_limit) {
		kwarn("task %u (%s): %u more pages would exceed its limit of %u pages\n", t->id, t->name,
		      (unsigned)npages, (unsigned)t->page_limit);
		return KERN_RESOURCE_SHORTAGE;
	}
	if (anywhere) {
		struct vm_region *before;
		return vm_space_find(t, size, addr, &before);
	}
	if (*addr % PAGE_SIZE)
		return KERN_INVALID_ARGUMENT;
	if (!user_range(*addr, *addr + size) || *addr + size < *addr)
		return KERN_INVALID_ADDRESS;
	return range_free(&t->map, *addr, *addr + size) && !foreign_page(t, *addr, *addr + size)
		? KERN_SUCCESS : KERN_NO_SPACE;
}
