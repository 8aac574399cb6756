/*
 * mach/mach_traps.h - the Mach system calls, under the names and trap numbers
 * GNU Mach uses (see docs/abi.md: `lcall $7,$0`, %eax = trap number, arguments
 * on the user stack). servers/runtime provides them (traps.S).
 */
#ifndef _MACH_MACH_TRAPS_H_
#define _MACH_MACH_TRAPS_H_

#include <mach/port.h>
#include <mach/message.h>
#include <mach/kern_return.h>
#include <mach/boolean.h>

mach_port_t	mach_reply_port(void);
mach_port_t	mach_thread_self(void);
mach_port_t	mach_task_self(void);
mach_port_t	mach_host_self(void);
void		mach_print(const char *s);
boolean_t	swtch_pri(int priority);
boolean_t	swtch(void);
kern_return_t	thread_switch(mach_port_t thread, int option, mach_msg_timeout_t ms);

#endif /* _MACH_MACH_TRAPS_H_ */
