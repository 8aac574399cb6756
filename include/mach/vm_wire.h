/*
 * mach/vm_wire.h - what vm_wire_all (gnumach.defs) may wire: the pages a
 * task has now, those it will get, or both.  This kernel never pages
 * memory out, so every page is wired already.
 */
#ifndef _MACH_VM_WIRE_H_
#define _MACH_VM_WIRE_H_

#ifndef __ASSEMBLER__
typedef int vm_wire_t;		/* also in <mach/mach_types.h>: the same type */
#endif

#define VM_WIRE_NONE	0
#define VM_WIRE_CURRENT	1
#define VM_WIRE_FUTURE	2
#define VM_WIRE_ALL	(VM_WIRE_CURRENT | VM_WIRE_FUTURE)

#endif /* _MACH_VM_WIRE_H_ */
