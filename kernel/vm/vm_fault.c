/* Zero-fill on demand and copy-on-write (vm/vm_fault.h). */
#include "vm/vm_fault.h"
#include "vm/vm_map.h"
#include "vm/pmap.h"
#include "vm/pmm.h"
#include "kern/task.h"
#include "kern/printf.h"
#include "kern/string.h"
#include "i386/layout.h"
#include <stddef.h>

kern_return_t vm_fault_back_page(struct task *t, uintptr_t va, int prot)
{
	va = PAGE_ROUND_DOWN(va);
	if (t->pmap.user_pages + 1 > t->page_limit) {
		kwarn("task %u (%s): touching %p would exceed its limit of %u pages\n", t->id, t->name,
		      (void *)va, (unsigned)t->page_limit);
		return KERN_RESOURCE_SHORTAGE;
	}
	/* The kernel's reserve stays free: without it the kernel could not
	 * even build the exception message or free the task. */
	uintptr_t pa = pmm_free_pages() > KERNEL_RESERVE_PAGES ? pmm_alloc_page() : 0;
	if (!pa) {
		kwarn("task %u (%s): no physical memory left for the page at %p\n", t->id, t->name, (void *)va);
		return KERN_RESOURCE_SHORTAGE;
	}
	if (pmap_enter(&t->pmap, va, pa, prot & VM_PROT_WRITE) < 0) {   /* no page table: out of memory */
		pmm_free_page(pa);
		kwarn("task %u (%s): no memory for a page table at %p\n", t->id, t->name, (void *)va);
		return KERN_RESOURCE_SHORTAGE;
	}
	if (prot == VM_PROT_NONE)
		pmap_protect(&t->pmap, va, false, false);   /* kept for the kernel, no user access */
	return KERN_SUCCESS;
}

kern_return_t vm_fault_unshare(struct task *t, uintptr_t va)
{
	va = PAGE_ROUND_DOWN(va);
	uintptr_t old;
	if (!pmap_frame(&t->pmap, va, &old) || !pmap_is_cow(&t->pmap, va))
		return KERN_SUCCESS;
	if (pmap_lent_to_device(&t->pmap, va)) {
		/* A copy would leave the device's frame held by nobody once
		 * this task unmapped the page; writing the frame in place
		 * would change what the device reads. */
		kwarn("task %u (%s): writing the page at %p it lent a device to read (deallocate it once the device is done)\n",
		      t->id, t->name, (void *)va);
		return KERN_PROTECTION_FAILURE;
	}
	const struct vm_region *r = vm_map_lookup(&t->map, va);
	bool writable = r && (r->prot & VM_PROT_WRITE);
	t->cow_faults++;
	if (!pmm_page_shared(old)) {                  /* the other holders let go: it is ours */
		pmap_replace_cow(&t->pmap, va, old, writable);
		return KERN_SUCCESS;
	}
	uintptr_t pa = pmm_free_pages() > KERNEL_RESERVE_PAGES ? pmm_alloc_page() : 0;
	if (!pa) {
		kwarn("task %u (%s): no physical memory left to copy the page at %p\n", t->id, t->name, (void *)va);
		return KERN_RESOURCE_SHORTAGE;
	}
	memcpy(P2V(pa), P2V(old), PAGE_SIZE);
	pmap_replace_cow(&t->pmap, va, pa, writable);
	pmm_free_page(old);                           /* one holder fewer */
	return KERN_SUCCESS;
}

kern_return_t vm_fault_fill(struct task *t, uintptr_t va, bool write)
{
	if (va < USER_BASE || va >= USER_TOP)
		return KERN_INVALID_ADDRESS;
	const struct vm_region *r = vm_map_lookup(&t->map, va);
	if (!r)
		return KERN_INVALID_ADDRESS;
	if (r->prot == VM_PROT_NONE || (write && !(r->prot & VM_PROT_WRITE)))
		return KERN_PROTECTION_FAILURE;
	uintptr_t pa;
	bool writable;
	if (pmap_lookup(&t->pmap, va, &pa, &writable)) {
		if (!write || writable)
			return KERN_SUCCESS;
		if (!pmap_is_cow(&t->pmap, va))
			return KERN_PROTECTION_FAILURE;
		t->faults++;
		return vm_fault_unshare(t, va);            /* the region allows the write */
	}
	if (pmap_frame(&t->pmap, va, &pa))
		return KERN_PROTECTION_FAILURE;            /* present without user access */
	kern_return_t kr = vm_fault_back_page(t, va, r->prot);
	if (kr == KERN_SUCCESS) {                     /* a fault resolved with a zeroed frame */
		t->faults++;
		t->zero_fills++;
	}
	return kr;
}

int vm_fault_fill_pmap(const struct pmap *pm, uintptr_t va, bool write)
{
	if (pm == pmap_kernel())
		return -1;
	/* Every other pmap is a task's own (kern/task.h). */
	struct task *t = (struct task *)((char *)pm - offsetof(struct task, pmap));
	return vm_fault_fill(t, va, write) == KERN_SUCCESS ? 0 : -1;
}

kern_return_t vm_fault_wire_range(struct task *t, uintptr_t start, uintptr_t end)
{
	if (start >= end)
		return KERN_SUCCESS;
	if (start < USER_BASE || end > USER_TOP || !vm_map_covered(&t->map, start, end))
		return KERN_INVALID_ADDRESS;
	for (uintptr_t va = start; va < end; va += PAGE_SIZE) {
		uintptr_t pa;
		if (pmap_frame(&t->pmap, va, &pa))
			continue;
		kern_return_t kr = vm_fault_back_page(t, va, vm_map_lookup(&t->map, va)->prot);
		if (kr != KERN_SUCCESS)
			return kr;
		t->zero_fills++;                          /* zeroed, but no fault: asked for */
	}
	return KERN_SUCCESS;
}
