/* Exception types (exc.defs' exception_raise `exception` argument), with
 * GNU Mach's values; the machine-dependent codes are in
 * <mach/machine/exception.h>. */
#ifndef _MACH_EXCEPTION_H_
#define _MACH_EXCEPTION_H_

#include <mach/machine/exception.h>

#define EXC_BAD_ACCESS		1	/* code: a kern_return_t (why), subcode: the address */
#define EXC_BAD_INSTRUCTION	2	/* an instruction that is undefined or not allowed */
#define EXC_ARITHMETIC		3	/* code: which arithmetic fault */
#define EXC_EMULATION		4	/* an instruction left for software to emulate */
#define EXC_SOFTWARE		5	/* raised by software; codes from 0x10000 for OS emulation */
#define EXC_BREAKPOINT		6	/* code: breakpoint or trace */

#endif
