/*
 * Scheduling policies (thread_policy, thread_sched_info).  Values are GNU
 * Mach's.  This kernel schedules every thread with fixed priorities and
 * round robin within a priority, and reports POLICY_TIMESHARE.
 */

#ifndef _MACH_POLICY_H_
#define _MACH_POLICY_H_

#define POLICY_TIMESHARE	1
#define POLICY_FIXEDPRI		2

#endif /* _MACH_POLICY_H_ */
