/*
 * mach/machine/asm.h - the few assembler macros GNU Mach's i386 headers
 * build on: ENTRY/END around a global function, EXT for a C name.  ENTRY
 * and END may be defined before this header to place or rename functions.
 */
#ifndef _MACH_MACHINE_ASM_H_
#define _MACH_MACHINE_ASM_H_

#define EXT(x)		x
#define LEXT(x)		x:
#define ALIGN		4

#ifndef ENTRY
#define ENTRY(x)	.text; .p2align ALIGN; .globl EXT(x); .type EXT(x), @function; LEXT(x)
#endif
#ifndef END
#define END(x)		.size EXT(x), . - EXT(x)
#endif

#endif /* _MACH_MACHINE_ASM_H_ */
