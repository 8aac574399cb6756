/*
 * traps.S - user-side stubs for the Mach system call traps.
 *
 * ABI (docs/abi.md, "System call traps"): %eax holds the GNU Mach trap number
 * (negative), `lcall $7,$0` (GNU Mach's call gate) enters the kernel, the
 * arguments stay on the user stack exactly where a cdecl call left them (at
 * 4(%esp) when the lcall executes: a call through a gate to ring 0 pushes
 * its return address on the kernel stack), and the result comes back in %eax.  The stubs touch no
 * other register, so the C prototypes in <sm/traps.h> are plain cdecl.
 */

#define MACH_TRAP(name, number)		\
	.globl	name;			\
	.type	name, @function;	\
	.p2align 4;			\
name:					\
	movl	$(number), %eax;	\
	lcall	$7, $0;		\
	ret;				\
	.size	name, . - name

	.text

MACH_TRAP(mach_msg_trap,	-25)
MACH_TRAP(mach_reply_port,	-26)
MACH_TRAP(mach_thread_self,	-27)
MACH_TRAP(mach_task_self,	-28)
MACH_TRAP(mach_host_self,	-29)
MACH_TRAP(mach_print,		-30)
MACH_TRAP(swtch_pri,		-59)
MACH_TRAP(swtch,		-60)
MACH_TRAP(thread_switch,	-61)
/* GNU Mach's syscall_* traps: kernel calls on port names, without a message. */
MACH_TRAP(syscall_vm_map,		-64)
MACH_TRAP(syscall_vm_allocate,		-65)
MACH_TRAP(syscall_vm_deallocate,	-66)
MACH_TRAP(syscall_task_create,		-68)
MACH_TRAP(syscall_task_terminate,	-69)
MACH_TRAP(syscall_task_suspend,		-70)
MACH_TRAP(syscall_task_set_special_port,	-71)
MACH_TRAP(syscall_mach_port_allocate,	-72)
MACH_TRAP(syscall_mach_port_deallocate,	-73)
MACH_TRAP(syscall_mach_port_insert_right,	-74)
MACH_TRAP(syscall_mach_port_allocate_name,	-75)
MACH_TRAP(syscall_thread_depress_abort,	-76)

	.section .note.GNU-stack, "", @progbits
