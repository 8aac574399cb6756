/*
 * mach/machine/thread_status.h - the i386 thread state flavors and
 * structures (i386_thread_state, i386_float_state ...).  They live in
 * <mach/thread_status.h>, which every program includes either way.
 */
#ifndef _MACH_MACHINE_THREAD_STATUS_H_
#define _MACH_MACHINE_THREAD_STATUS_H_
#include <mach/thread_status.h>
#endif /* _MACH_MACHINE_THREAD_STATUS_H_ */
