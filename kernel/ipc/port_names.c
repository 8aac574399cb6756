/* mach_port_names (mach_port.defs): every name in a task's port name space
 * with the type of the rights it denotes, as two out-of-line arrays of equal
 * length in ascending name order. The types are exactly what mach_port_type
 * answers for each name: a send right whose port has died is reported as
 * the dead name it has become. Kept apart from ipc/mach_port.c because it
 * only reads the space. */
#include "ipc/space.h"
#include "ipc/port.h"
#include "ipc/ool.h"
#include "kern/task.h"
#include "vm/kalloc.h"
#include "mach_port_server.h"

kern_return_t mach_port_names(mach_port_t task, mach_port_name_array_t *names, mach_msg_type_number_t *namesCnt,
			      mach_port_type_array_t *types, mach_msg_type_number_t *typesCnt)
{
	struct task *t = ipc_port_kobject(task, IKOT_TASK);
	if (!t)
		return KERN_INVALID_TASK;
	struct ipc_space *s = t->space;
	uint32_t n = 0, cap = s->in_use ? s->in_use : 1;
	mach_port_name_t *name_buf = kalloc(cap * sizeof *name_buf);
	mach_port_type_t *type_buf = kalloc(cap * sizeof *type_buf);
	kern_return_t kr = KERN_RESOURCE_SHORTAGE;
	if (!name_buf || !type_buf)
		goto out;
	for (uint32_t name = 1; name < s->size && n < cap; name++) {
		struct ipc_entry *e = ipc_space_lookup(s, name);
		if (!e)
			continue;
		name_buf[n] = name;
		type_buf[n] = e->type;
		n++;
	}
	ool_slot_t name_slot = 0, type_slot = 0;
	kr = ool_data_from_kernel(name_buf, n * sizeof *name_buf, &name_slot);
	if (kr == KERN_SUCCESS)
		kr = ool_data_from_kernel(type_buf, n * sizeof *type_buf, &type_slot);
	if (kr != KERN_SUCCESS) {
		ool_destroy_slot(&name_slot);
		goto out;
	}
	*names = (mach_port_name_array_t)name_slot;
	*types = (mach_port_type_array_t)type_slot;
	*namesCnt = *typesCnt = n;
out:
	kfree(name_buf);
	kfree(type_buf);
	return kr;
}
