/* vm_wire (mach_host.defs) and vm_wire_all (gnumach.defs): make a task's
 * pages resident, so that touching them never takes a fault (a driver about
 * to hand them to a device, a program that must not fail later for want of
 * memory). Nothing is ever paged out here, so wiring is backing every
 * reserved page now (vm/vm_fault.h), and unwiring (VM_PROT_NONE, or
 * VM_WIRE_NONE) leaves the pages as they are. As in GNU Mach, only the
 * privileged host port will do: wiring takes frames no page limit of the
 * caller's own could stop it from taking in another task. */
#include "vm/vm_fault.h"
#include "vm/vm_map.h"
#include "vm/copyio.h"
#include "kern/task.h"
#include "kern/host.h"
#include "kern/printf.h"
#include "ipc/port.h"
#include <mach/vm_wire.h>
#include "mach_host_server.h"
#include "gnumach_server.h"

static kern_return_t refuse(kern_return_t kr, const char *routine, const char *why)
{
	struct task *self = current_task();
	kwarn("task %u (%s): %s: %s\n", self->id, self->name, routine, why);
	return kr;
}

/* Succeeding, a routine owns the request body's task send right
 * (ipc/kobject.c); the task needed it only for this call. */
static kern_return_t done(kern_return_t kr, mach_port_t task)
{
	if (kr == KERN_SUCCESS)
		ipc_port_release_send(ipc_port_from_word(task));
	return kr;
}

kern_return_t vm_wire(mach_port_t host, mach_port_t task, vm_address_t address, vm_size_t size, vm_prot_t access)
{
	if (!host_priv_port_word_ok(host))
		return refuse(KERN_INVALID_HOST, "vm_wire", "not the privileged host port");
	struct task *t = ipc_port_kobject(task, IKOT_TASK);
	if (!t)
		return refuse(KERN_INVALID_TASK, "vm_wire", "not a task port");
	if (access & ~VM_PROT_ALL)
		return refuse(KERN_INVALID_ARGUMENT, "vm_wire", "bad access");
	if (!user_range_valid(address, size))
		return refuse(KERN_INVALID_ADDRESS, "vm_wire", "range outside user space");
	uintptr_t start = PAGE_ROUND_DOWN(address), end = PAGE_ROUND_UP(address + size);
	if (access == VM_PROT_NONE)                    /* unwire: nothing is paged out anyway */
		return done(vm_map_covered(&t->map, start, end) ? KERN_SUCCESS : KERN_INVALID_ADDRESS, task);
	return done(vm_fault_wire_range(t, start, end), task);
}

kern_return_t vm_wire_all(mach_port_t host, mach_port_t task, vm_wire_t flags)
{
	if (!host_priv_port_word_ok(host))
		return refuse(KERN_INVALID_HOST, "vm_wire_all", "not the privileged host port");
	struct task *t = ipc_port_kobject(task, IKOT_TASK);
	if (!t)
		return refuse(KERN_INVALID_TASK, "vm_wire_all", "not a task port");
	if (flags & ~VM_WIRE_ALL)
		return refuse(KERN_INVALID_ARGUMENT, "vm_wire_all", "bad flags");
	t->wire_future = flags & VM_WIRE_FUTURE;
	if (flags & VM_WIRE_CURRENT)
		for (struct vm_region *r = t->map.regions; r; r = r->next) {
			kern_return_t kr = vm_fault_wire_range(t, r->start, r->end);
			if (kr != KERN_SUCCESS)
				return kr;
		}
	return done(KERN_SUCCESS, task);
}
