/* mach.defs' vm_map, served by the kernel (and by the syscall_vm_map trap,
 * kern/syscall_mach.c). memory_object MACH_PORT_NULL asks for anonymous
 * memory: vm_allocate with a protection pair, an inheritance and an
 * alignment mask. Otherwise it must be one of the kernel's own memory
 * objects (vm/kernel_memory_object.h: the "time" device's page, from
 * device_map); there are no external pagers, so any other port (a task's,
 * another kernel object's, a dead name) is KERN_INVALID_ARGUMENT.
 *
 * A kernel object is mapped as GNU Mach maps a device's: its frames
 * themselves (copy false), never writable by the task (the kernel writes
 * them; a writable cur_protection is KERN_PROTECTION_FAILURE and write is
 * taken out of max_protection), or with copy true a private snapshot in new
 * anonymous pages. offset must be page aligned and [offset, offset + size)
 * within the object (KERN_INVALID_ARGUMENT otherwise).
 *
 * mask: the start is aligned so that (start & mask) == 0. Page alignment is
 * given; a larger mask is honoured when the caller chose the address
 * (anywhere false) and refused otherwise (KERN_INVALID_ARGUMENT, logged):
 * the allocator has no aligned search. Bad input is refused with a Mach error
 * and a kwarn line, like the rest of vm_user.c. */
#include "vm/vm_map.h"
#include "vm/vm_map_user.h"
#include "vm/pmap.h"
#include "vm/kernel_memory_object.h"
#include "kern/task.h"
#include "kern/printf.h"
#include "kern/string.h"
#include "ipc/port.h"
#include "i386/layout.h"
#include <mach/vm_prot.h>
#include <mach/vm_inherit.h>
#include "mach_server.h"

static kern_return_t refuse(kern_return_t kr, const char *why)
{
	struct task *self = current_task();
	kwarn("task %u (%s): vm_map: %s\n", self->id, self->name, why);
	return kr;
}

/* Enter the object's frames [offset, offset + size) at *addr (or a copy of
 * them with `copy`), with protection cur. */
static kern_return_t enter_object(struct task *t, uintptr_t *addr, size_t size, bool anywhere,
				  const struct kernel_memory_object *mo, vm_offset_t offset, bool copy, int cur)
{
	size_t first = offset / PAGE_SIZE, npages = size / PAGE_SIZE;
	if (!copy)
		return vm_map_enter_kept(t, addr, mo->frames + first, npages, anywhere, cur);
	kern_return_t kr = vm_map_allocate(t, addr, size, anywhere, cur);
	for (size_t i = 0; kr == KERN_SUCCESS && i < npages; i++) {
		uintptr_t pa;
		if (pmap_frame(&t->pmap, *addr + i * PAGE_SIZE, &pa))
			memcpy(P2V(pa), P2V(mo->frames[first + i]), PAGE_SIZE);
	}
	return kr;
}

kern_return_t vm_map_keeping_object(mach_port_t target_task, vm_address_t *address, vm_size_t size,
				    vm_address_t mask, boolean_t anywhere, mach_port_t memory_object,
				    vm_offset_t offset, boolean_t copy, vm_prot_t cur_protection,
				    vm_prot_t max_protection, vm_inherit_t inheritance)
{
	struct task *t = ipc_port_kobject(target_task, IKOT_TASK);
	if (!t)
		return refuse(KERN_INVALID_ARGUMENT, "not a task port");
	const struct kernel_memory_object *mo = NULL;
	if (memory_object != MACH_PORT_NULL && !(mo = kernel_memory_object_from_word(memory_object)))
		return refuse(KERN_INVALID_ARGUMENT, "not a kernel memory object (there are no external pagers)");
	if (size == 0 || size > USER_TOP - USER_BASE)
		return refuse(KERN_INVALID_ARGUMENT, "zero or absurd size");
	if ((cur_protection & ~VM_PROT_ALL) || (max_protection & ~VM_PROT_ALL) ||
	    (cur_protection & ~max_protection))
		return refuse(KERN_INVALID_ARGUMENT, "bad protection");
	if (inheritance != VM_INHERIT_SHARE && inheritance != VM_INHERIT_COPY && inheritance != VM_INHERIT_NONE)
		return refuse(KERN_INVALID_ARGUMENT, "bad inheritance");
	uintptr_t addr = anywhere ? 0 : *address;
	if (!anywhere && (addr % PAGE_SIZE || (addr & mask)))
		return refuse(KERN_INVALID_ARGUMENT, "address not aligned to the page or the mask");
	if (anywhere && (mask & ~(vm_address_t)(PAGE_SIZE - 1)))
		return refuse(KERN_INVALID_ARGUMENT, "alignment mask beyond a page with anywhere");
	size = PAGE_ROUND_UP(size);
	if (mo) {
		size_t object_size = mo->npages * PAGE_SIZE;
		if (offset % PAGE_SIZE || offset >= object_size || size > object_size - offset)
			return refuse(KERN_INVALID_ARGUMENT, "range outside the memory object");
		if (!copy && (cur_protection & VM_PROT_WRITE))
			return refuse(KERN_PROTECTION_FAILURE, "the kernel's memory object is read-only");
		if (!copy)
			max_protection &= ~VM_PROT_WRITE;
	}
	kern_return_t kr = mo ? enter_object(t, &addr, size, anywhere, mo, offset, copy, cur_protection)
			      : vm_map_allocate(t, &addr, size, anywhere, cur_protection);
	if (kr == KERN_INVALID_ADDRESS)
		return refuse(kr, "range outside user space");
	if (kr != KERN_SUCCESS)
		return kr;
	if ((kr = vm_map_protect(t, addr, addr + size, true, max_protection)) != KERN_SUCCESS ||
	    (kr = vm_map_inherit(t, addr, addr + size, inheritance)) != KERN_SUCCESS) {
		vm_map_remove(t, addr, addr + size);
		return kr;
	}
	*address = addr;
	return KERN_SUCCESS;
}

kern_return_t vm_map(mach_port_t target_task, vm_address_t *address, vm_size_t size, vm_address_t mask,
		     boolean_t anywhere, mach_port_t memory_object, vm_offset_t offset, boolean_t copy,
		     vm_prot_t cur_protection, vm_prot_t max_protection, vm_inherit_t inheritance)
{
	kern_return_t kr = vm_map_keeping_object(target_task, address, size, mask, anywhere, memory_object,
						 offset, copy, cur_protection, max_protection, inheritance);
	/* On success the request's right is the routine's (ipc/kobject.c):
	 * the mapping holds the frames, not the port, so the right goes. */
	struct ipc_port *p = ipc_port_from_word(memory_object);
	if (kr == KERN_SUCCESS && p)
		ipc_port_release_send(p);
	return kr;
}
