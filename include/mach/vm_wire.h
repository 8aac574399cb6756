/* vm_wire_all's flags (gnumach.defs): which pages of a task to make
 * resident, those it has now, those it will get, or both. */
#ifndef _MACH_VM_WIRE_H_
#define _MACH_VM_WIRE_H_

#ifndef __ASSEMBLER__
typedef int vm_wire_t;		/* also in <mach/mach_types.h>: the same type */
#endif

#define VM_WIRE_NONE    0       /* unwire everything */
#define VM_WIRE_CURRENT 1       /* every page allocated now becomes resident */
#define VM_WIRE_FUTURE  2       /* and every page allocated from now on */
#define VM_WIRE_ALL     (VM_WIRE_CURRENT | VM_WIRE_FUTURE)

#endif
