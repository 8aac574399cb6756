/*
 * C side of the project's std_types.defs: every basic type name MIG stubs
 * may use, with the width the message ABI gives it.  pointer_t, the C type
 * of out-of-line byte arrays (vm_read, vm_write, ...), is the 64-bit
 * out-of-line slot, not a pointer: convert with MACH_OOL_FROM_PTR and
 * MACH_OOL_TO_PTR from <mach/machine/vm_types.h>.
 */

#ifndef _MACH_STD_TYPES_H_
#define _MACH_STD_TYPES_H_

#include <stdint.h>
#include <mach/boolean.h>
#include <mach/kern_return.h>
#include <mach/machine/vm_types.h>
#include <mach/port.h>
#include <mach/message.h>

typedef mach_ool_ptr_t pointer_t;	/* out-of-line bytes, 8-byte slot */

#endif /* _MACH_STD_TYPES_H_ */
