/*
 * thread_info flavors and their result layouts, with GNU Mach's flavor
 * numbers, field order and run states.  Counts are in integer_t words.
 *
 * Priorities follow the Mach convention: 0 is the most urgent, larger
 * numbers are less urgent.  Run time is measured with the TSC and reported
 * as user time (system_time is zero); creation_time is uptime at creation.
 */

#ifndef _MACH_THREAD_INFO_H_
#define _MACH_THREAD_INFO_H_

#include <mach/mach_types.h>
#include <mach/policy.h>

#define THREAD_INFO_MAX	1024	/* largest result, in integer_t words */
typedef integer_t thread_info_data_t[THREAD_INFO_MAX];

#define THREAD_BASIC_INFO	1
struct thread_basic_info {
	time_value_t	user_time;	/* run time so far */
	time_value_t	system_time;	/* always zero */
	integer_t	cpu_usage;	/* not computed: zero */
	integer_t	base_priority;	/* set by thread_priority */
	integer_t	cur_priority;	/* in effect now (lower if depressed) */
	integer_t	run_state;	/* TH_STATE_* */
	integer_t	flags;		/* TH_FLAGS_* */
	integer_t	suspend_count;	/* thread_suspend count */
	integer_t	sleep_time;	/* not computed: zero */
	time_value_t	creation_time;	/* uptime when it was created */
};
typedef struct thread_basic_info thread_basic_info_data_t;
typedef struct thread_basic_info *thread_basic_info_t;
#define THREAD_BASIC_INFO_COUNT \
	(sizeof(thread_basic_info_data_t) / sizeof(integer_t))

#define TH_USAGE_SCALE	1000

#define TH_STATE_RUNNING	1	/* running or ready to run */
#define TH_STATE_STOPPED	2	/* suspended */
#define TH_STATE_WAITING	3	/* blocked in the kernel */
#define TH_STATE_UNINTERRUPTIBLE 4
#define TH_STATE_HALTED		5

#define TH_FLAGS_SWAPPED	0x1
#define TH_FLAGS_IDLE		0x2

#define THREAD_SCHED_INFO	2
struct thread_sched_info {
	integer_t	policy;		/* POLICY_* */
	integer_t	data;		/* policy data: zero */
	integer_t	base_priority;
	integer_t	max_priority;	/* most urgent base it may take */
	integer_t	cur_priority;
	integer_t	depress_priority; /* base while depressed, else -1 */
	integer_t	last_processor;	/* always 0: one processor */
};
typedef struct thread_sched_info thread_sched_info_data_t;
typedef struct thread_sched_info *thread_sched_info_t;
#define THREAD_SCHED_INFO_COUNT \
	(sizeof(thread_sched_info_data_t) / sizeof(integer_t))

_Static_assert(THREAD_BASIC_INFO_COUNT == 13, "thread_basic_info is 13 words");
_Static_assert(THREAD_SCHED_INFO_COUNT == 7, "thread_sched_info is 7 words");

#endif /* _MACH_THREAD_INFO_H_ */
