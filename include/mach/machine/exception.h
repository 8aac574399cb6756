/* i386 exception codes, with GNU Mach's values. */
#ifndef _MACH_MACHINE_EXCEPTION_H_
#define _MACH_MACHINE_EXCEPTION_H_

/* EXC_BAD_INSTRUCTION codes: an invalid opcode; the other faults that end
 * here (segment and protection faults) give their vector number below. */
#define EXC_I386_INVOP		1

/* EXC_ARITHMETIC codes. */
#define EXC_I386_DIV		1	/* divide error */
#define EXC_I386_INTO		2	/* INTO with OF set */
#define EXC_I386_NOEXT		3	/* no floating point unit */
#define EXC_I386_EXTOVR		4	/* coprocessor segment overrun */
#define EXC_I386_EXTERR		5	/* x87 floating-point error (subcode: status word) */
#define EXC_I386_EMERR		6	/* emulated floating-point error */
#define EXC_I386_BOUND		7	/* BOUND range exceeded */

/* EXC_BREAKPOINT codes. */
#define EXC_I386_SGL		1	/* single step (debug exception) */
#define EXC_I386_BPT		2	/* INT3 */

/* The CPU's vector numbers, used as codes where no symbolic code exists. */
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
#define EXC_I386_ENOEXTFLT	32
#define EXC_I386_ENDPERR	33

#endif
