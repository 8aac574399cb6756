/*
 * C types from GNU Mach's mach_debug_types.defs that gnumach.defs uses.
 * gnumach.defs includes that .defs file (read from GNU Mach's headers)
 * and imports this header; only kernel_debug_name_t (task_set_name) is
 * needed by the stubs so far.  The debugging interface itself
 * (mach_debug.defs) is not supported.
 */

#ifndef _MACH_DEBUG_MACH_DEBUG_TYPES_H_
#define _MACH_DEBUG_MACH_DEBUG_TYPES_H_

#include <mach/std_types.h>

/* Task or thread name: a C string of at most 64 bytes, sent inline. */
typedef char kernel_debug_name_t[64];
typedef const char *const_kernel_debug_name_t;

#endif /* _MACH_DEBUG_MACH_DEBUG_TYPES_H_ */
