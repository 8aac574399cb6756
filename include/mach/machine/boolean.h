/*
 * mach/machine/boolean.h - boolean_t on i386 (an int); <mach/boolean.h>
 * has the type and TRUE/FALSE.
 */
#ifndef _MACH_MACHINE_BOOLEAN_H_
#define _MACH_MACHINE_BOOLEAN_H_
#include <mach/boolean.h>
#endif /* _MACH_MACHINE_BOOLEAN_H_ */
