/*
 * mach/exception.h - the machine-independent exception classes an
 * exception message (exc.defs) names, with GNU Mach's numbers; the i386
 * codes that go with them are in <mach/machine/exception.h>.  (This kernel
 * kills a task on a CPU exception and sends no exception message yet; the
 * numbers are here so that programs written for GNU Mach compile.)
 */
#ifndef _MACH_EXCEPTION_H_
#define _MACH_EXCEPTION_H_

#include <mach/machine/exception.h>

#define EXC_BAD_ACCESS		1	/* memory: code is a kern_return_t, subcode the address */
#define EXC_BAD_INSTRUCTION	2	/* an illegal or undefined instruction */
#define EXC_ARITHMETIC		3	/* divide error, overflow, FPU error: see code */
#define EXC_EMULATION		4	/* an instruction to be emulated */
#define EXC_SOFTWARE		5	/* raised by software; codes 0x10000-0x1ffff for OS emulation */
#define EXC_BREAKPOINT		6	/* trace and breakpoint traps */

#endif /* _MACH_EXCEPTION_H_ */
