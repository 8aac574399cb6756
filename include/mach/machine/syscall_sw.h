/*
 * mach/machine/syscall_sw.h - the i386 user stub for one system-call trap:
 * the trap number in %eax, GNU Mach's call gate (lcall $7,$0; docs/abi.md
 * "Trap gate"), the arguments left on the stack where the caller's cdecl
 * call put them, the result in %eax.  For assembler sources only.
 */
#ifndef _MACH_MACHINE_SYSCALL_SW_H_
#define _MACH_MACHINE_SYSCALL_SW_H_

#include <mach/machine/asm.h>

#define SVC	lcall $7, $0

#define kernel_trap(trap_name, trap_number, number_args) \
ENTRY(trap_name) \
	movl	$ trap_number, %eax; \
	SVC; \
	ret; \
END(trap_name)

#endif /* _MACH_MACHINE_SYSCALL_SW_H_ */
