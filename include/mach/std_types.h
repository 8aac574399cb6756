/*
 * C side of the project's std_types.defs: every basic type name MIG stubs
 * may use, with the width the message ABI gives it.  pointer_t, the C type
 * of out-of-line byte arrays (vm_read, vm_write, ...), is an address,
 * vm_offset_t, as in GNU Mach: it travels as a 4-byte pointer.
 */

#ifndef _MACH_STD_TYPES_H_
#define _MACH_STD_TYPES_H_

#include <stdint.h>
#include <mach/boolean.h>
#include <mach/kern_return.h>
#include <mach/machine/vm_types.h>
#include <mach/port.h>
#include <mach/message.h>

typedef vm_offset_t pointer_t;		/* out-of-line bytes, 4-byte address */

#endif /* _MACH_STD_TYPES_H_ */
