/*
 * Machine-sized scalar types of the i386 message ABI.
 *
 * The widths here are the ABI, not the host's: natural_t, integer_t and
 * every vm_* address or size are 32 bits even when a host unit test is
 * compiled natively for x86_64, so message layouts are identical in the
 * kernel, in user programs and in tests.  Physical addresses travel as 64
 * bits.  Out-of-line data travels as a 4-byte pointer (GNU Mach's i386
 * ABI), so user programs are i386 programs: out-of-line C types are
 * pointers, or vm_offset_t for pointer_t.
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

_Static_assert(sizeof(natural_t) == 4, "natural_t is 32 bits");
_Static_assert(sizeof(vm_offset_t) == 4, "vm_offset_t is 32 bits");

#endif /* !__ASSEMBLER__ */

#endif /* _MACH_MACHINE_VM_TYPES_H_ */
