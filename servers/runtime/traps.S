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

	.section .note.GNU-stack, "", @progbits
