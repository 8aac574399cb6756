/* The kernel's side of the thread routines of GNU Mach's mach.defs,
 * mach_host.defs and gnumach.defs, and the scheduling traps (swtch,
 * swtch_pri, thread_switch).
 *
 * A thread made by thread_create starts suspended (suspend count 1) with a
 * zeroed register set: the creator sets its state and resumes it.
 * Suspension is taken at the thread's return point: a suspended thread
 * finishes (or keeps waiting in) the kernel call it is in and stops before
 * running user code. thread_abort ends the kernel wait the thread is in (a
 * blocked mach_msg returns MACH_RCV_INTERRUPTED or MACH_SEND_INTERRUPTED).
 * thread_terminate ends a thread: at once when it is not inside a kernel wait,
 * otherwise the wait is interrupted and the thread ends on its way out. See
 * kern/thread.h for the rules behind this. */
#include "kern/thread.h"
#include "kern/task.h"
#include "i386/user_ldt.h"
#include "kern/sched.h"
#include "kern/clock.h"
#include "kern/string.h"
#include "kern/printf.h"
#include "ipc/port.h"
#include "ipc/space.h"
#include "i386/trap.h"
#include "i386/gdt.h"
#include "i386/cpu.h"
#include "i386/fpu_state.h"
#include <mach/thread_status.h>
#include <mach/thread_info.h>
#include <mach/thread_special_ports.h>
#include <mach/thread_switch.h>
#include "mach_server.h"
#include "mach_host_server.h"
#include "mach_port_server.h"
#include "gnumach_server.h"

#define MAX_THREADS_PER_TASK 256
/* Flags user code may set: CF PF AF ZF SF TF DF OF AC ID. */
#define USER_EFLAGS 0x00240DD5u
#define EFLAGS_FIXED 0x202u             /* reserved bit 1, interrupts on */
#define EFLAGS_RF 0x10000u              /* resume flag: the CPU sets it in fault frames */

static struct thread *thread_of(mach_port_t port) { return ipc_port_kobject(port, IKOT_THREAD); }

static time_value_t ns_to_time(uint64_t ns)
{
	time_value_t tv = { (int32_t)(ns / 1000000000u), (int32_t)(ns % 1000000000u / 1000) };
	return tv;
}

/* CPU time of t so far, counting the current run. */
uint64_t thread_run_cycles(struct thread *t)
{
	uint64_t c = t->run_cycles;
	if (t == current_thread())
		c += rdtsc() - t->switched_in;
	return c;
}

kern_return_t thread_create(mach_port_t parent_task, mach_port_t *child_thread)
{
	struct task *task = ipc_port_kobject(parent_task, IKOT_TASK);
	if (!task)
		return KERN_INVALID_ARGUMENT;
	if (task->exit_pending)
		return KERN_FAILURE;
	if (task->nthreads >= MAX_THREADS_PER_TASK)
		return KERN_RESOURCE_SHORTAGE;
	struct thread *t = thread_create_user(task, 0, 0);
	if (!t)
		return KERN_RESOURCE_SHORTAGE;
	t->suspend_count = 1;                /* it stops at its first return point */
	ipc_port_make_send(t->self_port);
	*child_thread = (mach_port_t)t->self_port;
	return KERN_SUCCESS;
}

kern_return_t thread_terminate(mach_port_t thread)
{
	struct thread *t = thread_of(thread);
	if (!t)
		return KERN_INVALID_ARGUMENT;
	if (t == current_thread()) {
		t->terminate_pending = true;     /* ends on its way out of this call */
		return MIG_NO_REPLY;
	}
	thread_terminate_other(t);
	return KERN_SUCCESS;
}

kern_return_t thread_terminate_release(mach_port_t thread, mach_port_t task, mach_port_name_t thread_name,
				       mach_port_name_t reply_port, vm_address_t address, vm_size_t size)
{
	struct thread *t = thread_of(thread);
	struct task *owner = ipc_port_kobject(task, IKOT_TASK);   /* NULL for a null or dead task */
	if (!t || !owner || t->task != owner) {
		kwarn("thread_terminate_release: not a thread and its own task's port\n");
		return KERN_INVALID_ARGUMENT;
	}
	/* The thread never runs user code again, so its stack may go now. */
	if (MACH_PORT_VALID(thread_name))
		(void)mach_port_deallocate(task, thread_name);
	if (MACH_PORT_VALID(reply_port))
		(void)mach_port_destroy(task, reply_port);
	if (size)
		(void)vm_deallocate(task, address, size);
	/* Succeeding, the routine owns the task send right of the request body
	 * (ipc/kobject.c): it was only needed for the calls above. */
	ipc_port_release_send(ipc_port_from_word(task));
	if (t == current_thread()) {
		t->terminate_pending = true;
		return MIG_NO_REPLY;
	}
	thread_terminate_other(t);
	return KERN_SUCCESS;
}

kern_return_t thread_suspend(mach_port_t thread)
{
	struct thread *t = thread_of(thread);
	if (!t)
		return KERN_INVALID_ARGUMENT;
	if (t->suspend_count >= 0x7fffffff)
		return KERN_FAILURE;
	t->suspend_count++;
	return KERN_SUCCESS;
}

kern_return_t thread_resume(mach_port_t thread)
{
	struct thread *t = thread_of(thread);
	if (!t)
		return KERN_INVALID_ARGUMENT;
	if (t->suspend_count <= 0)
		return KERN_FAILURE;
	t->suspend_count--;
	thread_release(t);
	return KERN_SUCCESS;
}

kern_return_t thread_abort(mach_port_t thread)
{
	struct thread *t = thread_of(thread);
	if (!t)
		return KERN_INVALID_ARGUMENT;
	thread_abort_wait(t);
	return KERN_SUCCESS;
}

kern_return_t thread_get_state(mach_port_t thread, int flavor, thread_state_t old_state,
			       mach_msg_type_number_t *old_stateCnt)
{
	struct thread *t = thread_of(thread);
	if (!t)
		return KERN_INVALID_ARGUMENT;
	if (flavor == i386_FLOAT_STATE)
		return fpu_get_float_state(t, old_state, old_stateCnt);
	if (flavor == i386_XFLOAT_STATE)
		return fpu_get_xfloat_state(t, old_state, old_stateCnt);
	if (flavor != i386_THREAD_STATE && flavor != i386_REGS_SEGS_STATE)
		return KERN_INVALID_ARGUMENT;
	if (*old_stateCnt < i386_THREAD_STATE_COUNT)
		return KERN_INVALID_ARGUMENT;
	const struct trapframe *tf = thread_user_frame(t);
	struct i386_thread_state s = {
		/* A 32-bit push of a segment register (by the CPU or trapentry.S)
		 * may leave the upper half of its slot as it was: only the low 16
		 * bits are the selector. */
		.gs = tf->gs & 0xFFFF, .fs = tf->fs & 0xFFFF, .es = tf->es & 0xFFFF, .ds = tf->ds & 0xFFFF,
		/* .esp is pushal's slot, which holds a kernel stack address: the
		 * task gets its own stack pointer there too, nothing of the kernel. */
		.edi = tf->edi, .esi = tf->esi, .ebp = tf->ebp, .esp = tf->esp,
		.ebx = tf->ebx, .edx = tf->edx, .ecx = tf->ecx, .eax = tf->eax,
		.eip = tf->eip, .cs = tf->cs & 0xFFFF, .efl = tf->eflags, .uesp = tf->esp, .ss = tf->ss & 0xFFFF,
	};
	memcpy(old_state, &s, sizeof s);
	*old_stateCnt = i386_THREAD_STATE_COUNT;
	return KERN_SUCCESS;
}

/* What thread_set_state takes, so that the iret into the thread can load
 * nothing privileged and cannot fault in the kernel:
 *   cs   only SEG_UCODE; ss only SEG_UDATA (the CPU loads no null CS or SS
 *        at ring 3). Refused: null, any RPL other than 3, the kernel's
 *        code and data, the TSS and LDT descriptors, any LDT selector (TI=1).
 *   ds es fs gs  SEG_UDATA, SEG_UCODE (readable) or a null selector 0-3
 *        (a null data selector only faults when used), or an entry the
 *        thread's task set in its own LDT (i386/user_ldt.c: a present
 *        writable data segment, which stays so for the task's life): what
 *        the thread can load itself with a mov, so a state read back is
 *        always taken; the rest is refused as for ss.
 *   eflags  refused if any bit outside the user flags (CF PF AF ZF SF TF
 *        DF OF AC ID) and IF, RF and reserved bit 1 is set: IOPL, NT, VM,
 *        VIF, VIP and the reserved bits. Sanitised: IF and bit 1 are
 *        forced on (a task never runs with interrupts off) and RF is
 *        dropped (the CPU sets it in fault frames, so a state read back
 *        from a thread may carry it; it only skips an instruction
 *        breakpoint, and the kernel sets none).
 * Anything refused is KERN_INVALID_ARGUMENT and changes nothing. */
static bool data_selector_ok(const struct thread *t, uint32_t sel)
{
	return sel <= 3 || sel == SEG_UDATA || sel == SEG_UCODE || user_ldt_selector_ok(t->task, sel);
}
static bool eflags_ok(uint32_t efl) { return (efl & ~(USER_EFLAGS | EFLAGS_FIXED | EFLAGS_RF)) == 0; }

kern_return_t thread_set_state(mach_port_t thread, int flavor, const thread_state_t new_state,
			       mach_msg_type_number_t new_stateCnt)
{
	struct thread *t = thread_of(thread);
	if (!t)
		return KERN_INVALID_ARGUMENT;
	if (flavor == i386_FLOAT_STATE)
		return fpu_set_float_state(t, new_state, new_stateCnt);
	if (flavor == i386_XFLOAT_STATE)
		return fpu_set_xfloat_state(t, new_state, new_stateCnt);
	if (flavor != i386_THREAD_STATE && flavor != i386_REGS_SEGS_STATE)
		return KERN_INVALID_ARGUMENT;
	if (new_stateCnt < i386_THREAD_STATE_COUNT)
		return KERN_INVALID_ARGUMENT;
	struct i386_thread_state s;
	memcpy(&s, new_state, sizeof s);
	if (s.cs != SEG_UCODE || s.ss != SEG_UDATA ||
	    !data_selector_ok(t, s.ds) || !data_selector_ok(t, s.es) ||
	    !data_selector_ok(t, s.fs) || !data_selector_ok(t, s.gs) || !eflags_ok(s.efl))
		return KERN_INVALID_ARGUMENT;
	struct trapframe *tf = thread_user_frame(t);
	tf->gs = s.gs;
	tf->fs = s.fs;
	tf->es = s.es;
	tf->ds = s.ds;
	tf->edi = s.edi;
	tf->esi = s.esi;
	tf->ebp = s.ebp;
	tf->ebx = s.ebx;
	tf->edx = s.edx;
	tf->ecx = s.ecx;
	tf->eax = s.eax;
	tf->eip = s.eip;
	tf->cs = SEG_UCODE;
	tf->eflags = (s.efl & USER_EFLAGS) | EFLAGS_FIXED;
	tf->esp = s.uesp;
	tf->ss = SEG_UDATA;
	t->user_regs_replaced = t != current_thread();  /* a pending call's result must not overwrite them */
	return KERN_SUCCESS;
}

static int run_state(const struct thread *t)
{
	if (t->suspend_count > 0 || t->task->suspend_count > 0 || (t->state == TH_WAITING && !t->in_wait))
		return TH_STATE_STOPPED;
	return t->state == TH_WAITING ? TH_STATE_WAITING : TH_STATE_RUNNING;
}

kern_return_t thread_info(mach_port_t thread, int flavor, thread_info_t out, mach_msg_type_number_t *count)
{
	struct thread *t = thread_of(thread);
	if (!t)
		return KERN_INVALID_ARGUMENT;
	if (flavor == THREAD_BASIC_INFO) {
		/* Older callers ask for the fields before creation_time only. */
		if (*count < THREAD_BASIC_INFO_COUNT - 2)
			return KERN_INVALID_ARGUMENT;
		struct thread_basic_info bi = {
			.user_time = clock_cycles_to_time(thread_run_cycles(t)),
			.base_priority = t->base_priority,
			.cur_priority = t->priority,
			.run_state = run_state(t),
			.suspend_count = t->suspend_count,
			.creation_time = ns_to_time(t->created_ns),
		};
		if (*count > THREAD_BASIC_INFO_COUNT)
			*count = THREAD_BASIC_INFO_COUNT;
		memcpy(out, &bi, *count * sizeof(integer_t));
		return KERN_SUCCESS;
	}
	if (flavor == THREAD_SCHED_INFO) {
		if (*count < THREAD_SCHED_INFO_COUNT)
			return KERN_INVALID_ARGUMENT;
		struct thread_sched_info si = {
			.policy = POLICY_TIMESHARE,
			.base_priority = t->base_priority,
			.max_priority = t->max_priority,
			.cur_priority = t->priority,
			.depress_priority = t->depressed ? t->base_priority : -1,
		};
		memcpy(out, &si, sizeof si);
		*count = THREAD_SCHED_INFO_COUNT;
		return KERN_SUCCESS;
	}
	return KERN_INVALID_ARGUMENT;
}

kern_return_t thread_get_special_port(mach_port_t thread, int which_port, mach_port_t *special_port)
{
	struct thread *t = thread_of(thread);
	if (!t)
		return KERN_INVALID_ARGUMENT;
	switch (which_port) {
	case THREAD_KERNEL_PORT:
		ipc_port_make_send(t->self_port);
		*special_port = (mach_port_t)t->self_port;
		return KERN_SUCCESS;
	case THREAD_EXCEPTION_PORT:
		*special_port = (mach_port_t)ipc_port_copy_send(t->exception_port);
		return KERN_SUCCESS;
	default:
		return KERN_INVALID_ARGUMENT;
	}
}

kern_return_t thread_set_special_port(mach_port_t thread, int which_port, mach_port_t special_port)
{
	struct thread *t = thread_of(thread);
	if (!t || which_port != THREAD_EXCEPTION_PORT)
		return KERN_INVALID_ARGUMENT;    /* the kernel port cannot be replaced */
	if (t->exception_port)
		ipc_port_release_send(t->exception_port);
	t->exception_port = ipc_port_from_word(special_port);
	return KERN_SUCCESS;
}

/* Priorities: a thread may make itself less urgent freely, and more urgent
 * only down to its max_priority; set_max can only lower the maximum. */
kern_return_t thread_priority(mach_port_t thread, int priority, boolean_t set_max)
{
	struct thread *t = thread_of(thread);
	if (!t)
		return KERN_INVALID_ARGUMENT;
	if (priority < 0 || priority >= NPRIORITIES)
		return KERN_INVALID_ARGUMENT;
	kern_return_t kr = KERN_SUCCESS;
	if (set_max && priority > t->max_priority)
		t->max_priority = priority;
	if (priority < t->max_priority) {
		priority = t->max_priority;
		kr = KERN_FAILURE;
	}
	t->base_priority = priority;
	if (!t->depressed)
		sched_set_priority(t, priority);
	return kr;
}

kern_return_t thread_depress_abort(mach_port_t thread)
{
	struct thread *t = thread_of(thread);
	if (!t)
		return KERN_INVALID_ARGUMENT;
	sched_undepress(t);
	return KERN_SUCCESS;
}

/* --- Traps --------------------------------------------------------------- */

/* swtch(): let any other ready thread run; true if others were ready. */
uint32_t trap_swtch(const uint32_t *args)
{
	(void)args;
	sched_yield();
	return sched_others_ready();
}

/* swtch_pri(priority): yield like swtch (the argument is ignored, as in GNU
 * Mach). GNU Mach also depresses the priority for the yield; this kernel does
 * not, as spin loops in the tree (tests/peers/ipc-peer.c) rely on round robin with
 * threads of their own priority: set SWTCH_PRI_DEPRESSES to get GNU Mach's
 * behaviour. thread_switch with SWITCH_OPTION_DEPRESS depresses. */
#define SWTCH_PRI_DEPRESSES 0
uint32_t trap_swtch_pri(const uint32_t *args)
{
	(void)args;
	struct thread *self = current_thread();
	bool undo = SWTCH_PRI_DEPRESSES && !self->depressed;
	if (undo)
		sched_depress(self, 0);
	sched_yield();
	if (undo)
		sched_undepress(self);
	return sched_others_ready();
}

/* thread_switch(thread, option, time): yield, to the named thread if it is
 * ready; DEPRESS also depresses the priority for time ms (until the next run
 * when time is 0); WAIT sleeps for time ms instead of just yielding. */
uint32_t trap_thread_switch(const uint32_t *args)
{
	mach_port_name_t name = args[0];
	int option = (int)args[1];
	uint32_t ms = args[2];
	if (!valid_switch_option(option))
		return KERN_INVALID_ARGUMENT;
	struct thread *self = current_thread();
	struct thread *hint = NULL;
	if (MACH_PORT_VALID(name)) {
		struct ipc_entry *e = ipc_space_lookup(self->task->space, name);
		if (e && e->port && (e->type & MACH_PORT_TYPE_SEND))
			hint = thread_of((mach_port_t)e->port);
	}
	if (option == SWITCH_OPTION_WAIT && ms) {
		struct waitq q = { NULL, NULL };
		(void)thread_wait(&q, ms);
		return KERN_SUCCESS;
	}
	bool depress_once = option == SWITCH_OPTION_DEPRESS && ms == 0 && !self->depressed;
	if (option == SWITCH_OPTION_DEPRESS)
		sched_depress(self, ms);
	if (!hint || !sched_handoff(hint))
		sched_yield();
	if (depress_once)
		sched_undepress(self);
	return KERN_SUCCESS;
}
