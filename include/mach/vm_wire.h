/* vm_wire_all's flags (gnumach.defs). */
#ifndef _MACH_VM_WIRE_H_
#define _MACH_VM_WIRE_H_

#define VM_WIRE_NONE    0       /* unwire everything */
#define VM_WIRE_CURRENT 1       /* every page allocated now becomes resident */
#define VM_WIRE_FUTURE  2       /* and every page allocated from now on */
#define VM_WIRE_ALL     (VM_WIRE_CURRENT | VM_WIRE_FUTURE)

#endif
