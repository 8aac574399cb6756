#include "vm/vm_map.h"
#include "vm/vm_space.h"
#include "vm/pmap.h"
#include "vm/pmm.h"
#include "vm/kalloc.h"
#include "vm/vm_fault.h"
#include "kern/task.h"
#include "kern/printf.h"
#include "i386/layout.h"

/* Physical pages kept back from user allocations for the kernel itself. */

void vm_map_destroy(struct vm_map *map)
{
	while (map->regions) {
		struct vm_region *r = map->regions;
		map->regions = r->next;
		kfree(r);
	}
	map->nregions = 0;
}

struct vm_region *vm_map_next(const struct vm_map *map, uintptr_t addr)
{
	struct vm_region *r = map->regions;
	while (r && r->end <= addr)
		r = r->next;
	return r;
}

struct vm_region *vm_map_lookup(const struct vm_map *map, uintptr_t addr)
{
	struct vm_region *r = vm_map_next(map, addr);
	return r && r->start <= addr ? r : NULL;
}

bool vm_map_covered(const struct vm_map *map, uintptr_t start, uintptr_t end)
{
	uintptr_t at = start;
	for (struct vm_region *r = vm_map_lookup(map, start); r && at < end; r = r->next) {
		if (r->start > at)
			return false;
		at = r->end;
	}
	return at >= end;
}

static bool same_attributes(const struct vm_region *a, const struct vm_region *b)
{
	return a->prot == b->prot && a->max_prot == b->max_prot && a->inherit == b->inherit;
}

/* Merge neighbours that touch and agree, so the list stays short. */
static void coalesce(struct vm_map *map)
{
	for (struct vm_region *r = map->regions; r; r = r->next)
		while (r->next && r->end == r->next->start && same_attributes(r, r->next)) {
			struct vm_region *n = r->next;
			r->end = n->end;
			r->next = n->next;
			kfree(n);
			map->nregions--;
		}
}

static struct vm_region *new_region(struct task *t)
{
	if (t->map.nregions >= VM_MAP_MAX_REGIONS) {
		kwarn("task %u (%s): more than %u memory regions\n", t->id, t->name, VM_MAP_MAX_REGIONS);
		return NULL;
	}
	return kalloc(sizeof(struct vm_region));
}

/* Cut region r at `end` and `start` (start <= end, both strictly inside
 * it): r keeps [r->start, end), a new record after it takes [start,
 * r->end), and what lies between belongs to neither. */
static kern_return_t split(struct task *t, struct vm_region *r, uintptr_t end, uintptr_t start)
{
	struct vm_region *n = new_region(t);
	if (!n)
		return KERN_RESOURCE_SHORTAGE;
	*n = *r;
	n->start = start;
	r->end = end;
	r->next = n;
	t->map.nregions++;
	return KERN_SUCCESS;
}

/* Make addr a region boundary (split the region strictly containing it). */
static kern_return_t clip(struct task *t, uintptr_t addr)
{
	struct vm_region *r = vm_map_lookup(&t->map, addr);
	if (!r || r->start == addr)
		return KERN_SUCCESS;
	return split(t, r, addr, addr);
}

/* Add [start, end), which must be free. The caller coalesces once the
 * range is complete, so a failure can still remove exactly this record. */
static kern_return_t insert(struct task *t, uintptr_t start, uintptr_t end, int prot)
{
	struct vm_region *n = new_region(t);
	if (!n)
		return KERN_RESOURCE_SHORTAGE;
	n->start = start;
	n->end = end;
	n->prot = prot;
	n->max_prot = VM_PROT_ALL;
	n->inherit = VM_INHERIT_DEFAULT;
	struct vm_region **link = &t->map.regions;
	while (*link && (*link)->start < start)
		link = &(*link)->next;
	n->next = *link;
	*link = n;
	t->map.nregions++;
	return KERN_SUCCESS;
}

/* Drop the records of [start, end), which must be region boundaries. */
static void unlink_range(struct task *t, uintptr_t start, uintptr_t end)
{
	struct vm_region **link = &t->map.regions;
	while (*link && (*link)->start < end) {
		struct vm_region *r = *link;
		if (r->start >= start) {
			*link = r->next;
			kfree(r);
			t->map.nregions--;
		} else {
			link = &r->next;
		}
	}
}

static void apply_protection(struct task *t, uintptr_t va, int prot)
{
	pmap_protect(&t->pmap, va, prot != VM_PROT_NONE, prot & VM_PROT_WRITE);
}

kern_return_t vm_map_allocate(struct task *t, uintptr_t *addr, size_t size, bool anywhere, int prot)
{
	if (size % PAGE_SIZE)
		return KERN_INVALID_ARGUMENT;
	size_t npages = size / PAGE_SIZE;
	uintptr_t start = *addr;
	kern_return_t kr = vm_space_check(t, &start, npages, anywhere, true);
	if (kr != KERN_SUCCESS)
		return kr;
	if (pmm_free_pages() < npages + KERNEL_RESERVE_PAGES) {
		kwarn("task %u (%s): no physical memory for %u pages\n", t->id, t->name, (unsigned)npages);
		return KERN_RESOURCE_SHORTAGE;
	}
	if ((kr = insert(t, start, start + size, prot)) != KERN_SUCCESS)
		return kr;
	for (uintptr_t va = start; va < start + size; va += PAGE_SIZE) {
		uintptr_t pa = pmm_alloc_page();
		if (!pa || pmap_enter(&t->pmap, va, pa, prot & VM_PROT_WRITE) < 0) {
			if (pa)
				pmm_free_page(pa);
			vm_map_remove(t, start, start + size);   /* frees what was mapped */
			return KERN_RESOURCE_SHORTAGE;
		}
		if (prot == VM_PROT_NONE)
			apply_protection(t, va, prot);
	}
	coalesce(&t->map);
	t->zero_fills += npages;
	*addr = start;
	return KERN_SUCCESS;
}

kern_return_t vm_map_reserve(struct task *t, uintptr_t *addr, size_t size, bool anywhere, int prot)
{
	if (size % PAGE_SIZE)
		return KERN_INVALID_ARGUMENT;
	uintptr_t start = *addr;
	kern_return_t kr = vm_space_check(t, &start, size / PAGE_SIZE, anywhere, false);
	if (kr == KERN_SUCCESS)
		kr = insert(t, start, start + size, prot);
	if (kr != KERN_SUCCESS)
		return kr;
	coalesce(&t->map);
	*addr = start;
	return KERN_SUCCESS;
}

kern_return_t vm_map_enter_frames(struct task *t, uintptr_t *addr, const uintptr_t *frames, size_t npages)
{
	size_t held = 0;
	for (size_t i = 0; i < npages; i++)
		held += frames[i] != 0;
	return vm_map_enter_frames_held(t, addr, frames, npages, held);
}

/* The attributes of frames entered for a task (an out-of-line item). */
static const struct vm_region entered = { .prot = VM_PROT_DEFAULT, .max_prot = VM_PROT_ALL,
					  .inherit = VM_INHERIT_DEFAULT };

/* Whether region r (NULL: none) can grow over an entered range that it
 * touches at r's end (at_end) or at r's start. */
static bool grows_over(const struct vm_region *r, uintptr_t touch, bool at_end)
{
	return r && (at_end ? r->end : r->start) == touch && same_attributes(r, &entered);
}

/* Record [start, end), just entered, between before (NULL: the map's
 * start) and its next: merged into a neighbour that touches it and agrees
 * (so the map stays coalesced without a pass over it), or as n, which the
 * caller made when neither does. */
static void record_entered(struct task *t, struct vm_region *before, uintptr_t start, uintptr_t end,
			   struct vm_region *n)
{
	struct vm_region *after = before ? before->next : t->map.regions;
	bool grow_before = grows_over(before, start, true), grow_after = grows_over(after, end, false);
	if (grow_before && grow_after) {
		before->end = after->end;
		before->next = after->next;
		kfree(after);
		t->map.nregions--;
	} else if (grow_before) {
		before->end = end;
	} else if (grow_after) {
		after->start = start;
	} else {
		*n = entered;
		n->start = start;
		n->end = end;
		n->next = after;
		if (before)
			before->next = n;
		else
			t->map.regions = n;
		t->map.nregions++;
	}
}

kern_return_t vm_map_enter_frames_held(struct task *t, uintptr_t *addr, const uintptr_t *frames, size_t npages,
				       size_t charged)
{
	if (npages == 0 || npages > (USER_TOP - USER_BASE) / PAGE_SIZE)
		return KERN_INVALID_ARGUMENT;
	uintptr_t start = 0;
	struct vm_region *before;
	kern_return_t kr = vm_space_find(t, npages * PAGE_SIZE, &start, &before);
	if (kr == KERN_SUCCESS && t->pmap.user_pages + charged > t->page_limit) {
		kwarn("task %u (%s): %u more pages would exceed its limit of %u pages\n", t->id, t->name,
		      (unsigned)charged, (unsigned)t->page_limit);
		kr = KERN_RESOURCE_SHORTAGE;
	}
	if (kr != KERN_SUCCESS)
		return kr;
	uintptr_t end = start + npages * PAGE_SIZE;
	/* The record is made (if a neighbour cannot grow over the range)
	 * before anything is mapped, so no failure has pages to take back. */
	bool merges = grows_over(before, start, true) || grows_over(before ? before->next : t->map.regions, end, false);
	struct vm_region *n = merges ? NULL : new_region(t);
	if (!merges && !n)
		return KERN_RESOURCE_SHORTAGE;
	if (pmap_enter_frames(&t->pmap, start, frames, npages) < 0) {
		kfree(n);                               /* nothing mapped: the caller keeps the frames */
		return KERN_RESOURCE_SHORTAGE;
	}
	record_entered(t, before, start, end, n);
	*addr = start;
	return KERN_SUCCESS;
}

kern_return_t vm_map_enter_kept(struct task *t, uintptr_t *addr, const uintptr_t *frames, size_t npages,
			    bool anywhere, int prot)
{
	uintptr_t start = *addr;
	kern_return_t kr = vm_space_check(t, &start, npages, anywhere, true);
	if (kr != KERN_SUCCESS)
		return kr;
	uintptr_t end = start + npages * PAGE_SIZE;
	if ((kr = insert(t, start, end, prot & ~VM_PROT_WRITE)) != KERN_SUCCESS)
		return kr;
	for (size_t i = 0; i < npages; i++) {
		uintptr_t va = start + i * PAGE_SIZE;
		/* Never writable for the task: the kernel writes these frames. */
		if (!pmm_page_kept(frames[i]) || pmap_enter(&t->pmap, va, frames[i], false) < 0) {
			vm_map_remove(t, start, end);   /* a kept frame is never freed by this */
			return KERN_RESOURCE_SHORTAGE;
		}
		if (!(prot & VM_PROT_READ) && !(prot & VM_PROT_EXECUTE))
			apply_protection(t, va, VM_PROT_NONE);
	}
	coalesce(&t->map);
	*addr = start;
	return KERN_SUCCESS;
}

kern_return_t vm_map_share(struct task *from, struct task *to, uintptr_t start, uintptr_t end, int prot)
{
	uintptr_t at = start;
	kern_return_t kr = vm_space_check(to, &at, (end - start) / PAGE_SIZE, false, true);
	if (kr != KERN_SUCCESS)
		return kr;
	if ((kr = insert(to, start, end, prot)) != KERN_SUCCESS)
		return kr;
	for (uintptr_t va = start; va < end; va += PAGE_SIZE) {
		uintptr_t pa;
		/* A copy-on-write page is made from's own first: a write by
		 * `to` through its plain mapping would change the other copy. */
		if (vm_fault_unshare(from, va) != KERN_SUCCESS || !pmap_frame(&from->pmap, va, &pa) ||
		    !pmm_share_page(pa)) {
			vm_map_remove(to, start, end);   /* drops the references taken so far */
			return KERN_RESOURCE_SHORTAGE;
		}
		if (pmap_enter(&to->pmap, va, pa, prot & VM_PROT_WRITE) < 0) {
			pmm_free_page(pa);
			vm_map_remove(to, start, end);
			return KERN_RESOURCE_SHORTAGE;
		}
		if (prot == VM_PROT_NONE)
			apply_protection(to, va, prot);
	}
	coalesce(&to->map);
	return KERN_SUCCESS;
}

bool vm_map_shares(const struct task *t, uintptr_t start, size_t len)
{
	for (uintptr_t va = PAGE_ROUND_DOWN(start); va - PAGE_ROUND_DOWN(start) < len; va += PAGE_SIZE) {
		uintptr_t pa;
		if (pmap_frame(&t->pmap, va, &pa) && pmm_page_shared(pa) && !pmap_is_cow(&t->pmap, va))
			return true;
	}
	return false;
}

/* vm_map_extract's and vm_map_remove's records when [start, end) lies within one region r
 * found by link (*link == r): r is cut around the range in place, with one
 * record found by the one walk and at most one made (the range in r's
 * middle), where two clips and an unlink walk the list three more times,
 * make two and free one. */
static kern_return_t cut_out_of(struct task *t, struct vm_region **link, uintptr_t start, uintptr_t end)
{
	struct vm_region *r = *link;
	if (r->start == start && r->end == end) {
		*link = r->next;
		kfree(r);
		t->map.nregions--;
	} else if (r->start == start) {
		r->start = end;
	} else if (r->end == end) {
		r->end = start;
	} else {
		return split(t, r, start, end);
	}
	return KERN_SUCCESS;
}

kern_return_t vm_map_extract(struct task *t, uintptr_t start, size_t npages, uintptr_t *frames)
{
	uintptr_t end = start + npages * PAGE_SIZE;
	if (npages == 0 || start % PAGE_SIZE || !user_range(start, end))
		return KERN_INVALID_ADDRESS;
	/* The common case (a server handing on a page of its pool): one
	 * region holds the whole range. */
	struct vm_region **link = &t->map.regions;
	while (*link && (*link)->end <= start)
		link = &(*link)->next;
	struct vm_region *r = *link;
	if (r && r->start <= start && end <= r->end && r->prot != VM_PROT_NONE) {
		if (cut_out_of(t, link, start, end) != KERN_SUCCESS)
			return KERN_RESOURCE_SHORTAGE;
		pmap_remove_range(&t->pmap, start, npages, frames);
		return KERN_SUCCESS;
	}
	if (!vm_map_covered(&t->map, start, end))
		return KERN_INVALID_ADDRESS;
	/* A page never touched travels as a zero page (frame 0); one the
	 * task may not read (VM_PROT_NONE: the only regions whose pages are
	 * present without user access) does not travel at all. */
	for (struct vm_region *r = vm_map_lookup(&t->map, start); r && r->start < end; r = r->next)
		if (r->prot == VM_PROT_NONE)
			return KERN_INVALID_ADDRESS;
	if (clip(t, start) != KERN_SUCCESS || clip(t, end) != KERN_SUCCESS) {
		coalesce(&t->map);
		return KERN_RESOURCE_SHORTAGE;
	}
	pmap_remove_range(&t->pmap, start, npages, frames);
	unlink_range(t, start, end);
	return KERN_SUCCESS;
}

/* In one walk of the list: the records the range overlaps are trimmed in
 * place (a head or a tail left), dropped when wholly inside, and only a
 * range in one region's middle makes a record (cut_out_of's split). So
 * only that case can fail at VM_MAP_MAX_REGIONS, with nothing changed. */
kern_return_t vm_map_remove(struct task *t, uintptr_t start, uintptr_t end)
{
	if (start % PAGE_SIZE || end % PAGE_SIZE || !user_range(start, end))
		return KERN_INVALID_ADDRESS;
	struct vm_region **link = &t->map.regions, *r;
	while (*link && (*link)->end <= start)
		link = &(*link)->next;
	r = *link;
	if (r && r->start <= start && end <= r->end) {  /* within one region: vm_deallocate's usual case */
		if (cut_out_of(t, link, start, end) != KERN_SUCCESS)
			return KERN_RESOURCE_SHORTAGE;
		pmap_remove_range_free(&t->pmap, start, (end - start) / PAGE_SIZE);
		return KERN_SUCCESS;
	}
	while ((r = *link) && r->start < end) {
		uintptr_t lo = r->start > start ? r->start : start, hi = r->end < end ? r->end : end;
		pmap_remove_range_free(&t->pmap, lo, (hi - lo) / PAGE_SIZE);
		if (r->start < start) {                 /* its head stays */
			r->end = start;
			link = &r->next;
		} else if (end < r->end) {              /* its tail stays: the last one */
			r->start = end;
			break;
		} else {
			*link = r->next;
			kfree(r);
			t->map.nregions--;
		}
	}
	return KERN_SUCCESS;
}

/* Check [start, end) is allocated and make its ends region boundaries. */
static kern_return_t prepare_change(struct task *t, uintptr_t start, uintptr_t end)
{
	if (start % PAGE_SIZE || end % PAGE_SIZE || !user_range(start, end) || !vm_map_covered(&t->map, start, end))
		return KERN_INVALID_ADDRESS;
	if (clip(t, start) != KERN_SUCCESS || clip(t, end) != KERN_SUCCESS) {
		coalesce(&t->map);
		return KERN_RESOURCE_SHORTAGE;
	}
	return KERN_SUCCESS;
}

kern_return_t vm_map_protect(struct task *t, uintptr_t start, uintptr_t end, bool set_max, int prot)
{
	if (prot & ~VM_PROT_ALL)
		return KERN_INVALID_ARGUMENT;
	if (user_range(start, end))
		for (struct vm_region *r = vm_map_next(&t->map, start); r && r->start < end; r = r->next)
			if (prot & ~r->max_prot)
				return KERN_PROTECTION_FAILURE;
	kern_return_t kr = prepare_change(t, start, end);
	if (kr != KERN_SUCCESS)
		return kr;
	for (struct vm_region *r = vm_map_lookup(&t->map, start); r && r->start < end; r = r->next) {
		if (set_max) {
			r->max_prot = prot;
			r->prot &= prot;
		} else {
			r->prot = prot;
		}
		for (uintptr_t va = r->start; va < r->end; va += PAGE_SIZE)
			apply_protection(t, va, r->prot);
	}
	coalesce(&t->map);
	return KERN_SUCCESS;
}

kern_return_t vm_map_inherit(struct task *t, uintptr_t start, uintptr_t end, int inherit)
{
	if (inherit < VM_INHERIT_SHARE || inherit > VM_INHERIT_NONE)
		return KERN_INVALID_ARGUMENT;
	kern_return_t kr = prepare_change(t, start, end);
	if (kr != KERN_SUCCESS)
		return kr;
	for (struct vm_region *r = vm_map_lookup(&t->map, start); r && r->start < end; r = r->next)
		r->inherit = inherit;
	coalesce(&t->map);
	return KERN_SUCCESS;
}
