/* Mach exceptions (kern/exception.h). The message is built and its reply
 * checked by exc.defs' own MIG user stub, compiled into the kernel over
 * ipc/kernel_rpc.c, so its layout is the one MIG gives every handler. */
#include "kern/exception.h"
#include "kern/thread.h"
#include "kern/task.h"
#include "i386/trap.h"
#include "i386/layout.h"
#include "ipc/port.h"
#include <mach/exception.h>
#include <mach/message.h>
#include "exc.h"

void exception_from_trap(const struct trapframe *tf, kern_return_t fault_kr, uint32_t address,
			 struct exception_info *e)
{
	e->subcode = 0;
	switch (tf->trapno) {
	case EXC_I386_DIVERR:   e->exception = EXC_ARITHMETIC;  e->code = EXC_I386_DIV;    break;
	case EXC_I386_SGLSTP:   e->exception = EXC_BREAKPOINT;  e->code = EXC_I386_SGL;    break;
	case EXC_I386_BPTFLT:   e->exception = EXC_BREAKPOINT;  e->code = EXC_I386_BPT;    break;
	case EXC_I386_INTOFLT:  e->exception = EXC_ARITHMETIC;  e->code = EXC_I386_INTO;   break;
	case EXC_I386_BOUNDFLT: e->exception = EXC_ARITHMETIC;  e->code = EXC_I386_BOUND;  break;
	case EXC_I386_INVOPFLT: e->exception = EXC_BAD_INSTRUCTION; e->code = EXC_I386_INVOP; break;
	case EXC_I386_NOEXTFLT: e->exception = EXC_ARITHMETIC;  e->code = EXC_I386_NOEXT;  break;
	case EXC_I386_EXTOVRFLT: e->exception = EXC_ARITHMETIC; e->code = EXC_I386_EXTOVR; break;
	case EXC_I386_EXTERRFLT:
	case 19:                /* SIMD floating point: reported as an FPU error, as GNU Mach does */
		e->exception = EXC_ARITHMETIC;
		e->code = EXC_I386_EXTERR;
		break;
	case EXC_I386_PGFLT:
		e->exception = EXC_BAD_ACCESS;
		e->code = fault_kr;
		e->subcode = address;
		break;
	default:
		/* Segment, stack and general protection faults, alignment
		 * checks and anything else: the vector names the fault, the
		 * error code (a selector, often 0) goes with it. */
		e->exception = EXC_BAD_INSTRUCTION;
		e->code = tf->trapno;
		e->subcode = tf->err;
		break;
	}
}

/* One exception_raise RPC to port, holding the rights it needs across the
 * wait (the thread's or task's exception port may be replaced meanwhile,
 * and the task's port dies when the task is killed). */
static kern_return_t raise_to(struct ipc_port *port, struct thread *th, const struct exception_info *e)
{
	struct ipc_port *thread_port = th->self_port, *task_port = th->task->self_port;
	ipc_port_copy_send(port);
	if (thread_port)
		ipc_port_make_send(thread_port);
	if (task_port)
		ipc_port_make_send(task_port);
	kern_return_t kr = exception_raise((mach_port_t)(uintptr_t)port, (mach_port_t)(uintptr_t)thread_port,
					   (mach_port_t)(uintptr_t)task_port, e->exception, e->code, e->subcode);
	ipc_port_release_send(port);
	if (thread_port)
		ipc_port_release_send(thread_port);
	if (task_port)
		ipc_port_release_send(task_port);
	return kr;
}

bool exception_raise_current(const struct exception_info *e)
{
	struct thread *th = current_thread();
	if (thread_should_unwind())
		return true;                            /* ending anyway: no handler to bother */
	struct ipc_port *tried = NULL;
	for (int i = 0; i < 2; i++) {
		struct ipc_port *port = i == 0 ? th->exception_port : th->task->exception_port;
		if (!port || !port->active || port == tried)
			continue;
		tried = port;
		kern_return_t kr = raise_to(port, th, e);
		if (kr == KERN_SUCCESS || kr == MACH_RCV_INTERRUPTED || thread_should_unwind())
			return true;
	}
	return false;
}
