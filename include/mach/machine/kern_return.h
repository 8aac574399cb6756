/*
 * mach/machine/kern_return.h - kern_return_t on i386 (an int);
 * <mach/kern_return.h> has the type and the codes.
 */
#ifndef _MACH_MACHINE_KERN_RETURN_H_
#define _MACH_MACHINE_KERN_RETURN_H_
#include <mach/kern_return.h>
#endif /* _MACH_MACHINE_KERN_RETURN_H_ */
