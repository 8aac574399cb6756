/*
 * mach/mach_traps.h - the Mach system calls, under the names and trap numbers
 * GNU Mach uses (see docs/abi.md: `lcall $7,$0`, %eax = trap number, arguments
 * on the user stack). servers/runtime provides them (traps.S).
 */
#ifndef _MACH_MACH_TRAPS_H_
#define _MACH_MACH_TRAPS_H_

#include <mach/port.h>
#include <mach/message.h>
#include <mach/kern_return.h>
#include <mach/boolean.h>

mach_port_t	mach_reply_port(void);
mach_port_t	mach_thread_self(void);
mach_port_t	mach_task_self(void);
mach_port_t	mach_host_self(void);
void		mach_print(const char *s);
boolean_t	swtch_pri(int priority);
boolean_t	swtch(void);
kern_return_t	thread_switch(mach_port_t thread, int option, mach_msg_timeout_t ms);

/* GNU Mach's syscall_* traps: the routines of the same name without the
 * syscall_ prefix, taking port names of the caller's space. An unusable
 * target name gives MACH_SEND_INTERRUPTED (use the RPC for the real error). */
#include <mach/vm_prot.h>
#include <mach/vm_inherit.h>
kern_return_t	syscall_vm_map(mach_port_t target_task, vm_address_t *address, vm_size_t size,
			       vm_address_t mask, boolean_t anywhere, mach_port_t memory_object,
			       vm_offset_t offset, boolean_t copy, vm_prot_t cur_protection,
			       vm_prot_t max_protection, vm_inherit_t inheritance);
kern_return_t	syscall_vm_allocate(mach_port_t target_task, vm_address_t *address, vm_size_t size,
				    boolean_t anywhere);
kern_return_t	syscall_vm_deallocate(mach_port_t target_task, vm_address_t address, vm_size_t size);
kern_return_t	syscall_task_create(mach_port_t parent_task, boolean_t inherit_memory, mach_port_t *child_task);
kern_return_t	syscall_task_terminate(mach_port_t task);
kern_return_t	syscall_task_suspend(mach_port_t task);
kern_return_t	syscall_task_set_special_port(mach_port_t task, int which_port, mach_port_t special_port);
kern_return_t	syscall_mach_port_allocate(mach_port_t task, mach_port_right_t right, mach_port_t *name);
kern_return_t	syscall_mach_port_deallocate(mach_port_t task, mach_port_t name);
kern_return_t	syscall_mach_port_insert_right(mach_port_t task, mach_port_t name, mach_port_t right,
					       mach_msg_type_name_t right_type);
kern_return_t	syscall_mach_port_allocate_name(mach_port_t task, mach_port_right_t right, mach_port_t name);
kern_return_t	syscall_thread_depress_abort(mach_port_t thread);

#endif /* _MACH_MACH_TRAPS_H_ */
