/*
 * Processor types reported by host_info(HOST_BASIC_INFO).  Only the i386
 * family is listed; the values are GNU Mach's.  This kernel requires an
 * i686-class processor and reports CPU_TYPE_PENTIUMPRO on a PC (AT386).
 */

#ifndef _MACH_MACHINE_H_
#define _MACH_MACHINE_H_

#include <mach/machine/vm_types.h>

typedef integer_t cpu_type_t;
typedef integer_t cpu_subtype_t;

#define CPU_TYPE_I386		((cpu_type_t) 7)
#define CPU_TYPE_I486		((cpu_type_t) 17)
#define CPU_TYPE_PENTIUM	((cpu_type_t) 18)
#define CPU_TYPE_PENTIUMPRO	((cpu_type_t) 19)

#define CPU_SUBTYPE_AT386	((cpu_subtype_t) 1)

#endif /* _MACH_MACHINE_H_ */
