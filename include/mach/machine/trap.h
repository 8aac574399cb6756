/*
 * mach/machine/trap.h - the i386 exception vectors under GNU Mach's names
 * (T_DIVIDE_ERROR ... T_ALIGNMENT_CHECK), as they appear in exception codes.
 */
#ifndef _MACH_MACHINE_TRAP_H_
#define _MACH_MACHINE_TRAP_H_

#define T_DIVIDE_ERROR		0
#define T_DEBUG			1
#define T_NMI			2
#define T_INT3			3
#define T_OVERFLOW		4
#define T_OUT_OF_BOUNDS		5
#define T_INVALID_OPCODE	6
#define T_NO_FPU		7
#define T_DOUBLE_FAULT		8
#define T_FPU_FAULT		9
#define T_INVALID_TSS		10
#define T_SEGMENT_NOT_PRESENT	11
#define T_STACK_FAULT		12
#define T_GENERAL_PROTECTION	13
#define T_PAGE_FAULT		14
#define T_FLOATING_POINT_ERROR	16
#define T_ALIGNMENT_CHECK	17
#define T_MACHINE_CHECK		18

/* Page-fault error code bits. */
#define T_PF_PROT		0x1	/* protection violation (else not present) */
#define T_PF_WRITE		0x2	/* write access */
#define T_PF_USER		0x4	/* from user mode */

#endif /* _MACH_MACHINE_TRAP_H_ */
