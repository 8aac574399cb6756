/* vm_map (vm/vm_map_user.c) for the syscall_vm_map trap, which holds the
 * memory object's right itself: this never takes it, success or not. */
#ifndef VM_VM_MAP_USER_H
#define VM_VM_MAP_USER_H
#include <mach/mach_types.h>
kern_return_t vm_map_keeping_object(mach_port_t target_task, vm_address_t *address, vm_size_t size,
				    vm_address_t mask, boolean_t anywhere, mach_port_t memory_object,
				    vm_offset_t offset, boolean_t copy, vm_prot_t cur_protection,
				    vm_prot_t max_protection, vm_inherit_t inheritance);
#endif
