/*
 * Protection of virtual memory (vm_protect, vm_region, vm_map).  A set of
 * bits; the values are GNU Mach's.  The i386 page tables cannot express
 * "write but not read" nor "read but not execute": a region with any
 * access is readable (and executable), one with VM_PROT_WRITE is writable.
 */

#ifndef _MACH_VM_PROT_H_
#define _MACH_VM_PROT_H_

#define VM_PROT_NONE		0x0
#define VM_PROT_READ		0x1
#define VM_PROT_WRITE		0x2
#define VM_PROT_EXECUTE		0x4
#define VM_PROT_DEFAULT		(VM_PROT_READ | VM_PROT_WRITE)
#define VM_PROT_ALL		(VM_PROT_READ | VM_PROT_WRITE | VM_PROT_EXECUTE)
#define VM_PROT_NO_CHANGE	0x8	/* memory_object_lock_request only */

#ifndef __ASSEMBLER__
typedef int vm_prot_t;		/* also in <mach/mach_types.h>: the same type */
#endif

#endif /* _MACH_VM_PROT_H_ */
