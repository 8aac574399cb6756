/*
 * mach/machine/exception.h - i386 codes for the exception classes of
 * <mach/exception.h> (GNU Mach's numbers): the code of EXC_BAD_INSTRUCTION,
 * EXC_ARITHMETIC and EXC_BREAKPOINT, and the CPU vector numbers.
 */
#ifndef _MACH_MACHINE_EXCEPTION_H_
#define _MACH_MACHINE_EXCEPTION_H_

/* EXC_BAD_INSTRUCTION */
#define EXC_I386_INVOP		1	/* invalid opcode */

/* EXC_ARITHMETIC */
#define EXC_I386_DIV		1	/* divide error */
#define EXC_I386_INTO		2	/* into overflow */
#define EXC_I386_NOEXT		3	/* no FPU */
#define EXC_I386_EXTOVR		4	/* FPU segment overrun */
#define EXC_I386_EXTERR		5	/* FPU error */
#define EXC_I386_EMERR		6	/* FPU emulator error */
#define EXC_I386_BOUND		7	/* bound out of range */

/* EXC_BREAKPOINT */
#define EXC_I386_SGL		1	/* single step */
#define EXC_I386_BPT		2	/* int3 */

/* The CPU's vector numbers, as exception codes. */
#define EXC_I386_DIVERR		0
#define EXC_I386_SGLSTP		1
#define EXC_I386_NMIFLT		2
#define EXC_I386_BPTFLT		3
#define EXC_I386_INTOFLT	4
#define EXC_I386_BOUNDFLT	5
#define EXC_I386_INVOPFLT	6
#define EXC_I386_NOEXTFLT	7
#define EXC_I386_DBLFLT		8
#define EXC_I386_EXTOVRFLT	9
#define EXC_I386_INVTSSFLT	10
#define EXC_I386_SEGNPFLT	11
#define EXC_I386_STKFLT		12
#define EXC_I386_GPFLT		13
#define EXC_I386_PGFLT		14
#define EXC_I386_EXTERRFLT	16
#define EXC_I386_ENOEXTFLT	32	/* emulated: no FPU */
#define EXC_I386_ENDPERR	33	/* emulated: FPU error */

#endif /* _MACH_MACHINE_EXCEPTION_H_ */
