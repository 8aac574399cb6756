/*
 * Types of GNU Mach's mach_i386 interface (mach_i386.defs), as its
 * generated stubs name them.
 *
 * A descriptor is one 8-byte i386 segment descriptor as the CPU reads it
 * from a descriptor table: low_word holds limit 15:0 and base 15:0,
 * high_word base 23:16, the access byte, limit 19:16, the flags nibble and
 * base 31:24 (Intel SDM vol. 3, "Segment Descriptors").  io_port_t and
 * io_perm_t belong to the I/O-permission routines, which this kernel does
 * not serve (docs/interfaces.md).
 */

#ifndef _MACH_MACHINE_MACH_I386_TYPES_H_
#define _MACH_MACHINE_MACH_I386_TYPES_H_

struct descriptor {
	unsigned int low_word;
	unsigned int high_word;
};

typedef struct descriptor descriptor_t;
typedef struct descriptor *descriptor_list_t;
typedef const struct descriptor *const_descriptor_list_t;

typedef unsigned short io_port_t;
typedef mach_port_t io_perm_t;

#endif /* _MACH_MACHINE_MACH_I386_TYPES_H_ */
