/*
 * Machine-sized scalar types of the i386 message ABI, and the out-of-line
 * slot type.
 *
 * The widths here are the ABI, not the host's: natural_t, integer_t and
 * every vm_* address or size are 32 bits even when a host unit test is
 * compiled natively for x86_64, so message layouts are identical in the
 * kernel, in user programs and in tests.  Physical addresses travel as 64
 * bits.  Out-of-line data travels in an 8-byte slot, mach_ool_ptr_t: a
 * uint64 holding a 32-bit user address with the upper half zero.  Convert
 * with MACH_OOL_FROM_PTR / MACH_OOL_TO_PTR, never by a plain cast through
 * a pointer-sized integer of the wrong width.
 */

#ifndef _MACH_MACHINE_VM_TYPES_H_
#define _MACH_MACHINE_VM_TYPES_H_

#ifndef __ASSEMBLER__

#include <stdint.h>

typedef unsigned int natural_t;		/* 32 bits */
typedef int integer_t;			/* 32 bits */

/* Addresses and sizes in the (32-bit) task address space. */
typedef uint32_t vm_offset_t;
typedef uint32_t vm_size_t;
typedef uint32_t vm_address_t;

/* The same quantities as MIG carries them (see mach_types.defs). */
typedef uint32_t rpc_vm_offset_t;
typedef uint32_t rpc_vm_size_t;
typedef uint32_t rpc_vm_address_t;

/* GNU Mach's "long" RPC quantities are 32 bits in this ABI. */
typedef uint32_t long_natural_t;
typedef int32_t long_integer_t;
typedef uint32_t rpc_long_natural_t;
typedef int32_t rpc_long_integer_t;

/* Physical addresses in RPCs (vm_allocate_contiguous, ...). */
typedef uint64_t rpc_phys_addr_t;

/* --- Out-of-line slot --- */
typedef uint64_t mach_ool_ptr_t;

#define MACH_OOL_NULL		((mach_ool_ptr_t) 0)
/* Pointer -> slot (zero-extends a 32-bit address). */
#define MACH_OOL_FROM_PTR(p)	((mach_ool_ptr_t) (uintptr_t) (p))
/* Slot -> pointer of type T. */
#define MACH_OOL_TO_PTR(T, s)	((T) (uintptr_t) (s))
/* Slot -> 32-bit task address (only meaningful if MACH_OOL_VALID). */
#define MACH_OOL_ADDR(s)	((vm_offset_t) (s))
/* A slot the kernel may accept from an i386 task: upper half zero. */
#define MACH_OOL_VALID(s)	((((mach_ool_ptr_t) (s)) >> 32) == 0)

_Static_assert(sizeof(natural_t) == 4, "natural_t is 32 bits");
_Static_assert(sizeof(vm_offset_t) == 4, "vm_offset_t is 32 bits");
_Static_assert(sizeof(mach_ool_ptr_t) == 8, "out-of-line slots are 8 bytes");

#endif /* !__ASSEMBLER__ */

#endif /* _MACH_MACHINE_VM_TYPES_H_ */
