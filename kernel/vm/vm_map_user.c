/* mach.defs' vm_map, served by the kernel (and by the syscall_vm_map trap,
 * kern/syscall_mach.c) for anonymous memory only: this kernel has no memory
 * objects (pagers), so memory_object must be MACH_PORT_NULL and then offset
 * and copy mean nothing. What is left is vm_allocate with a protection pair,
 * an inheritance and an alignment mask, which GNU Mach programs use for
 * memory of their own.
 *
 * mask: the start is aligned so that (start & mask) == 0. Page alignment is
 * given; a larger mask is honoured when the caller chose the address
 * (anywhere false) and refused otherwise (KERN_INVALID_ARGUMENT, logged):
 * the allocator has no aligned search. Bad input is refused with a Mach error
 * and a kwarn line, like the rest of vm_user.c. */
#include "vm/vm_map.h"
#include "vm/copyio.h"
#include "kern/task.h"
#include "kern/printf.h"
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

kern_return_t vm_map(mach_port_t target_task, vm_address_t *address, vm_size_t size, vm_address_t mask,
		     boolean_t anywhere, mach_port_t memory_object, vm_offset_t offset, boolean_t copy,
		     vm_prot_t cur_protection, vm_prot_t max_protection, vm_inherit_t inheritance)
{
	(void)offset, (void)copy;
	struct task *t = ipc_port_kobject(target_task, IKOT_TASK);
	if (!t)
		return refuse(KERN_INVALID_ARGUMENT, "not a task port");
	if (memory_object != MACH_PORT_NULL)
		return refuse(KERN_INVALID_ARGUMENT, "memory objects are not supported (only MACH_PORT_NULL)");
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
	kern_return_t kr = vm_map_allocate(t, &addr, size, anywhere, cur_protection);
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
