/*
 * Options of the thread_switch trap (GNU Mach's values).
 *   SWITCH_OPTION_NONE     yield, to the hinted thread if it is ready
 *   SWITCH_OPTION_DEPRESS  also run at the lowest priority for the given
 *                          time (ms), or until thread_depress_abort
 *   SWITCH_OPTION_WAIT     also sleep for the given time (ms) first
 */

#ifndef _MACH_THREAD_SWITCH_H_
#define _MACH_THREAD_SWITCH_H_

#define SWITCH_OPTION_NONE	0
#define SWITCH_OPTION_DEPRESS	1
#define SWITCH_OPTION_WAIT	2

#define valid_switch_option(opt)	((0 <= (opt)) && ((opt) <= 2))

#endif /* _MACH_THREAD_SWITCH_H_ */
