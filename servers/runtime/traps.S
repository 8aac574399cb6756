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

/*
 * mach_msg() itself: a cdecl call has left its seven arguments exactly where
 * the trap reads them, so it enters the kernel with them in place instead
 * of copying them into a second call's frame.  Only an interruption
 * (MACH_SEND_INTERRUPTED 0x10000007, MACH_RCV_INTERRUPTED 0x10004005, both
 * checked against <mach/message.h> in mach_msg.c) goes on to the retry
 * rules in C: mach_msg_resume takes the result in %eax (regparm(1)) and
 * the caller's arguments where they are.
 */
	.globl	mach_msg
	.type	mach_msg, @function
	.p2align 4
mach_msg:
	movl	$-25, %eax
	lcall	$7, $0
	cmpl	$0x10000007, %eax
	je	1f
	cmpl	$0x10004005, %eax
	je	1f
	ret
1:	jmp	mach_msg_resume
	.size	mach_msg, . - mach_msg

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
