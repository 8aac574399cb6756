/*
 * Machine state of a thread for thread_get_state / thread_set_state on
 * i386.  Flavor numbers and the i386_thread_state layout are GNU Mach's;
 * a count is the size in natural_t words.
 *
 * i386_THREAD_STATE (and i386_REGS_SEGS_STATE, the same structure) is the
 * user register set the thread resumes with.  esp is the kernel's saved
 * stack pointer and is ignored on set; uesp is the user stack pointer.
 * On set, cs and ss must be the user code and data selectors (or 0, which
 * means "the usual one"), ds/es/fs/gs the user data selector or 0, and only
 * the flags user code may change are taken from efl (interrupts stay on).
 * Only these two flavors are served.  A thread suspended while inside a
 * kernel call (blocked in mach_msg, say) finishes that call before it stops
 * or when it resumes, and the call's result then overwrites eax; thread_abort
 * makes a blocked call end at once.
 */

#ifndef _MACH_THREAD_STATUS_H_
#define _MACH_THREAD_STATUS_H_

#include <mach/mach_types.h>

#define THREAD_STATE_MAX	1024	/* largest state, in natural_t words */
typedef natural_t thread_state_data_t[THREAD_STATE_MAX];

#define i386_THREAD_STATE	1
#define i386_FLOAT_STATE	2
#define i386_ISA_PORT_MAP_STATE	3
#define i386_V86_ASSIST_STATE	4
#define i386_REGS_SEGS_STATE	5
#define i386_DEBUG_STATE	6

struct i386_thread_state {
	unsigned int	gs;
	unsigned int	fs;
	unsigned int	es;
	unsigned int	ds;
	unsigned int	edi;
	unsigned int	esi;
	unsigned int	ebp;
	unsigned int	esp;	/* kernel stack pointer: read only */
	unsigned int	ebx;
	unsigned int	edx;
	unsigned int	ecx;
	unsigned int	eax;
	unsigned int	eip;
	unsigned int	cs;
	unsigned int	efl;
	unsigned int	uesp;	/* user stack pointer */
	unsigned int	ss;
};
#define i386_THREAD_STATE_COUNT \
	(sizeof(struct i386_thread_state) / sizeof(unsigned int))

_Static_assert(i386_THREAD_STATE_COUNT == 17, "i386_thread_state is 17 words");

#endif /* _MACH_THREAD_STATUS_H_ */
