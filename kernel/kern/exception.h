/* Mach exceptions: a CPU exception in user mode is sent as exc.defs'
 * exception_raise to the faulting thread's exception port, else to its
 * task's (GNU Mach has no host-wide exception port: with neither, the task
 * is killed). The faulting thread alone waits in the kernel for the reply,
 * so a handler thread of the same task can serve it; KERN_SUCCESS resumes
 * the thread with whatever state the handler gave it (thread_set_state),
 * any other answer, or the handler's death, passes the exception on to the
 * next port. */
#ifndef KERN_EXCEPTION_H
#define KERN_EXCEPTION_H
#include <stdbool.h>
#include <stdint.h>
#include <mach/kern_return.h>

struct trapframe;
struct thread;

struct exception_info {
	int exception;         /* EXC_* (mach/exception.h) */
	int code, subcode;     /* mach/machine/exception.h */
};

/* The Mach exception for a CPU exception taken in user mode; fault_kr and
 * address describe a page fault (why it could not be resolved, and cr2). */
void exception_from_trap(const struct trapframe *tf, kern_return_t fault_kr, uint32_t address,
			 struct exception_info *e);
/* Raise e for the current thread. True: return to user mode (a handler
 * answered KERN_SUCCESS, or the thread was interrupted: it is ending, or
 * aborted and will run the faulting instruction again). False: no port took
 * it, and the caller kills the task. */
bool exception_raise_current(const struct exception_info *e);
#endif
