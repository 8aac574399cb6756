/*
 * task_info flavors and their result layouts.  Flavor numbers and the
 * order and width of every field are GNU Mach's (in this ABI every field is
 * 32 bits and time_value_t is two 32-bit words), so a count is the size in
 * integer_t words.
 *
 * Sizes are in bytes.  Times come from the kernel's TSC clock; the kernel
 * does not separate user from system time, so all run time is reported as
 * user time.  creation_time is uptime at creation (the boot time is 0).
 */

#ifndef _MACH_TASK_INFO_H_
#define _MACH_TASK_INFO_H_

#include <mach/mach_types.h>

#define TASK_INFO_MAX	1024	/* largest result, in integer_t words */
typedef integer_t task_info_data_t[TASK_INFO_MAX];

#define TASK_BASIC_INFO		1
struct task_basic_info {
	integer_t	suspend_count;	/* task_suspend count */
	integer_t	base_priority;	/* priority new threads get */
	rpc_vm_size_t	virtual_size;	/* bytes allocated in its map */
	rpc_vm_size_t	resident_size;	/* bytes of memory it holds */
	time_value_t	user_time;	/* run time of its ended threads */
	time_value_t	system_time;	/* always zero, see above */
	time_value_t	creation_time;	/* uptime when it was created */
};
typedef struct task_basic_info task_basic_info_data_t;
typedef struct task_basic_info *task_basic_info_t;
#define TASK_BASIC_INFO_COUNT \
	(sizeof(task_basic_info_data_t) / sizeof(integer_t))
/* Callers from before creation_time existed ask for two words less. */
#define TASK_BASIC_INFO_OLD_COUNT	(TASK_BASIC_INFO_COUNT - 2)

#define TASK_EVENTS_INFO	2
struct task_events_info {
	rpc_long_natural_t	faults;
	rpc_long_natural_t	zero_fills;
	rpc_long_natural_t	reactivations;
	rpc_long_natural_t	pageins;
	rpc_long_natural_t	cow_faults;
	rpc_long_natural_t	messages_sent;
	rpc_long_natural_t	messages_received;
};
typedef struct task_events_info task_events_info_data_t;
typedef struct task_events_info *task_events_info_t;
#define TASK_EVENTS_INFO_COUNT \
	(sizeof(task_events_info_data_t) / sizeof(integer_t))

#define TASK_THREAD_TIMES_INFO	3
struct task_thread_times_info {
	time_value_t	user_time;	/* run time of its live threads */
	time_value_t	system_time;	/* always zero */
};
typedef struct task_thread_times_info task_thread_times_info_data_t;
typedef struct task_thread_times_info *task_thread_times_info_t;
#define TASK_THREAD_TIMES_INFO_COUNT \
	(sizeof(task_thread_times_info_data_t) / sizeof(integer_t))

_Static_assert(TASK_BASIC_INFO_COUNT == 10, "task_basic_info is 10 words");
_Static_assert(TASK_EVENTS_INFO_COUNT == 7, "task_events_info is 7 words");
_Static_assert(TASK_THREAD_TIMES_INFO_COUNT == 4, "thread times are 4 words");

#endif /* _MACH_TASK_INFO_H_ */
