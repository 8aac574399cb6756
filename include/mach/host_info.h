/*
 * host_info flavors and their result layouts, with GNU Mach's flavor
 * numbers and field order; counts are in integer_t words.  Also the size
 * of host_kernel_version's string.
 *
 * HOST_SCHED_INFO reports the clock tick (the shortest timeout, 1 ms) and
 * the scheduling quantum, both in milliseconds.
 */

#ifndef _MACH_HOST_INFO_H_
#define _MACH_HOST_INFO_H_

#include <mach/mach_types.h>
#include <mach/machine.h>

#define HOST_INFO_MAX	1024	/* largest result, in integer_t words */
typedef integer_t host_info_data_t[HOST_INFO_MAX];

#define KERNEL_VERSION_MAX	512
#define KERNEL_BOOT_INFO_MAX	4096

#define HOST_BASIC_INFO		1
#define HOST_PROCESSOR_SLOTS	2	/* one integer per processor: its slot */
#define HOST_SCHED_INFO		3
#define HOST_LOAD_INFO		4

struct host_basic_info {
	integer_t	max_cpus;
	integer_t	avail_cpus;
	rpc_vm_size_t	memory_size;	/* bytes of RAM */
	cpu_type_t	cpu_type;
	cpu_subtype_t	cpu_subtype;
};
typedef struct host_basic_info host_basic_info_data_t;
typedef struct host_basic_info *host_basic_info_t;
#define HOST_BASIC_INFO_COUNT \
	(sizeof(host_basic_info_data_t) / sizeof(integer_t))

struct host_sched_info {
	integer_t	min_timeout;	/* ms */
	integer_t	min_quantum;	/* ms */
};
typedef struct host_sched_info host_sched_info_data_t;
typedef struct host_sched_info *host_sched_info_t;
#define HOST_SCHED_INFO_COUNT \
	(sizeof(host_sched_info_data_t) / sizeof(integer_t))

/* avenrun and mach_factor are fixed point: LOAD_SCALE is 1.0. */
#define LOAD_SCALE	1000
struct host_load_info {
	integer_t	avenrun[3];
	integer_t	mach_factor[3];
};
typedef struct host_load_info host_load_info_data_t;
typedef struct host_load_info *host_load_info_t;
#define HOST_LOAD_INFO_COUNT \
	(sizeof(host_load_info_data_t) / sizeof(integer_t))

_Static_assert(HOST_BASIC_INFO_COUNT == 5, "host_basic_info is 5 words");
_Static_assert(HOST_SCHED_INFO_COUNT == 2, "host_sched_info is 2 words");

#endif /* _MACH_HOST_INFO_H_ */
