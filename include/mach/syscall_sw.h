/*
 * mach/syscall_sw.h - for assembler sources: including it emits one user
 * stub per system-call trap this kernel serves, each through the
 * kernel_trap(name, number, argument count) macro of
 * <mach/machine/syscall_sw.h> (GNU Mach's numbers; docs/abi.md).  The
 * project's runtime already provides these stubs (servers/runtime/traps.S);
 * a program that brings its own defines ENTRY (see <mach/machine/asm.h>) to
 * give them other names, or does not link the runtime's.
 */
#ifndef _MACH_SYSCALL_SW_H_
#define _MACH_SYSCALL_SW_H_

#include <mach/machine/syscall_sw.h>

kernel_trap(mach_msg_trap,-25,7)
kernel_trap(mach_reply_port,-26,0)
kernel_trap(mach_thread_self,-27,0)
kernel_trap(mach_task_self,-28,0)
kernel_trap(mach_host_self,-29,0)
kernel_trap(mach_print,-30,1)
kernel_trap(swtch_pri,-59,1)
kernel_trap(swtch,-60,0)
kernel_trap(thread_switch,-61,3)
kernel_trap(syscall_vm_map,-64,11)
kernel_trap(syscall_vm_allocate,-65,4)
kernel_trap(syscall_vm_deallocate,-66,3)
kernel_trap(syscall_task_create,-68,3)
kernel_trap(syscall_task_terminate,-69,1)
kernel_trap(syscall_task_suspend,-70,1)
kernel_trap(syscall_task_set_special_port,-71,3)
kernel_trap(syscall_mach_port_allocate,-72,3)
kernel_trap(syscall_mach_port_deallocate,-73,2)
kernel_trap(syscall_mach_port_insert_right,-74,4)
kernel_trap(syscall_mach_port_allocate_name,-75,3)
kernel_trap(syscall_thread_depress_abort,-76,1)

#endif /* _MACH_SYSCALL_SW_H_ */
