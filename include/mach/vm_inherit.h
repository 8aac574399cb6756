/*
 * What a child task created with inherit_memory gets of a region
 * (vm_inherit, vm_region).  Values are GNU Mach's.  The kernel records the
 * attribute; tasks are not created from other tasks yet, so it has no
 * other effect today.
 */

#ifndef _MACH_VM_INHERIT_H_
#define _MACH_VM_INHERIT_H_

#define VM_INHERIT_SHARE	0	/* child shares the region */
#define VM_INHERIT_COPY		1	/* child gets a copy */
#define VM_INHERIT_NONE		2	/* child gets nothing there */
#define VM_INHERIT_DONATE_COPY	3	/* copy and delete the original */
#define VM_INHERIT_DEFAULT	VM_INHERIT_COPY

#ifndef __ASSEMBLER__
typedef int vm_inherit_t;	/* also in <mach/mach_types.h>: the same type */
#endif

#endif /* _MACH_VM_INHERIT_H_ */
