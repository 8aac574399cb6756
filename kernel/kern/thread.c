#include "kern/thread.h"
#include "kern/task.h"
#include "kern/sched.h"
#include "kern/clock.h"
#include "kern/printf.h"
#include "kern/string.h"
#include "vm/kalloc.h"
#include "i386/trap.h"
#include "i386/gdt.h"
#include "i386/fpu.h"
#include "i386/cpu.h"
#include "ipc/port.h"

static uint32_t next_thread_id = 1;
struct thread *thread_reap_list;

/* A new thread's kernel stack "returns" here from swtch with its user frame
 * on top; it passes its return point (a thread made by thread_create starts
 * suspended and stops there) and enters user mode through trap_return. */
void thread_first_entry(void);
void thread_first_run(void) __attribute__((used));
__asm__(".text\n"
	".globl thread_first_entry\n"
	"thread_first_entry:\n"
	"\tcall thread_first_run\n"
	"\tjmp trap_return\n");

void thread_first_run(void)
{
	thread_reap();
	thread_return_point();
}

struct trapframe *thread_user_frame(struct thread *t)
{
	return (struct trapframe *)((char *)t->kstack + KSTACK_SIZE) - 1;
}

/* The stack of a new thread, from its top down: the user trap frame, then what
 * swtch pops (edi esi ebx ebp) and its return address, thread_first_entry. */
struct thread *thread_create_user(struct task *task, uint32_t eip, uint32_t esp)
{
	struct thread *t = kalloc(sizeof *t);
	if (!t)
		return NULL;
	t->kstack = kalloc(KSTACK_SIZE);
	t->fpu_alloc = kalloc(FPU_AREA_SIZE + 16);
	t->self_port = ipc_port_alloc_kobject(IKOT_THREAD, t);
	if (!t->kstack || !t->fpu_alloc || !t->self_port) {
		if (t->self_port)
			ipc_port_destroy_kobject(t->self_port);
		kfree(t->kstack);
		fpu_forget(t->fpu_state);
		kfree(t->fpu_alloc);
		kfree(t);
		return NULL;
	}
	t->fpu_state = (void *)(((uintptr_t)t->fpu_alloc + 15) & ~(uintptr_t)15);
	fpu_init_state(t->fpu_state);
	t->id = next_thread_id++;
	t->task = task;
	t->base_priority = task->priority > 0 ? task->priority : PRIORITY_USER;
	t->priority = t->base_priority;
	t->max_priority = PRIORITY_USER_MAX;
	t->quantum = QUANTUM_TICKS;
	t->created_ns = clock_uptime_ns();

	struct trapframe *tf = thread_user_frame(t);
	memset(tf, 0, sizeof *tf);
	tf->cs = SEG_UCODE;
	tf->ds = tf->es = tf->fs = tf->gs = tf->ss = SEG_UDATA;
	tf->eflags = 0x202;                  /* IF on in user mode */
	tf->eip = eip;
	tf->esp = esp;
	uint32_t *sp = (uint32_t *)tf;
	*--sp = (uint32_t)thread_first_entry;
	for (int i = 0; i < 4; i++)
		*--sp = 0;                       /* ebp ebx esi edi */
	t->kernel_esp = (uint32_t)sp;

	t->task_next = task->threads;
	task->threads = t;
	task->nthreads++;
	sched_make_ready(t);
	return t;
}

static void waitq_append(struct waitq *q, struct thread *t)
{
	t->waitq = q;
	t->wait_next = NULL;
	if (q->tail)
		q->tail->wait_next = t;
	else
		q->head = t;
	q->tail = t;
}

static void waitq_remove(struct waitq *q, struct thread *t)
{
	struct thread *prev = NULL;
	for (struct thread *w = q->head; w; prev = w, w = w->wait_next)
		if (w == t) {
			if (prev)
				prev->wait_next = w->wait_next;
			else
				q->head = w->wait_next;
			if (q->tail == w)
				q->tail = prev;
			break;
		}
	t->waitq = NULL;
	t->wait_next = NULL;
}

void thread_destroy(struct thread *t)
{
	if (t->state == TH_DEAD)
		return;
	if (t->state == TH_WAITING && t->waitq)
		waitq_remove(t->waitq, t);
	timeout_cancel(&t->wait_timeout);
	timeout_cancel(&t->depress_timeout);
	if (t->state == TH_READY)
		sched_remove(t);
	t->state = TH_DEAD;
	if (t->self_port) {
		ipc_port_destroy_kobject(t->self_port);
		t->self_port = NULL;
	}
	if (t->exception_port) {
		ipc_port_release_send(t->exception_port);
		t->exception_port = NULL;
	}
	struct task *task = t->task;
	for (struct thread **p = &task->threads; *p; p = &(*p)->task_next)
		if (*p == t) {
			*p = t->task_next;
			task->nthreads--;
			break;
		}
	t->task_next = NULL;
	if (t == current_thread()) {
		uint64_t now = rdtsc();
		t->run_cycles += now - t->switched_in;
		t->switched_in = now;
	}
	task->dead_run_cycles += t->run_cycles;
	t->run_next = thread_reap_list;
	thread_reap_list = t;
}

/* Free the dead threads, except the one whose stack we are standing on. */
void thread_reap(void)
{
	struct thread **p = &thread_reap_list;
	while (*p) {
		struct thread *t = *p;
		if (t == current_thread()) {
			p = &t->run_next;
			continue;
		}
		*p = t->run_next;
		kfree(t->kstack);
		fpu_forget(t->fpu_state);
		kfree(t->fpu_alloc);
		kfree(t);
	}
}

void thread_exit_self(void)
{
	struct thread *t = current_thread();
	struct task *task = t->task;
	thread_destroy(t);
	if (task->exit_pending && task->nthreads == 0)
		task_finish(task);               /* the last one out frees the task */
	sched_switch();
	panic("thread_exit_self: a dead thread was scheduled");
}

void thread_interrupt(struct thread *t)
{
	if (t->state != TH_WAITING)
		return;
	if (t->waitq)
		waitq_remove(t->waitq, t);
	timeout_cancel(&t->wait_timeout);
	t->wait_result = WAIT_INTERRUPTED;
	sched_make_ready(t);
}

void thread_terminate_other(struct thread *t)
{
	if (t->state == TH_DEAD)
		return;
	if (t->in_wait) {
		t->terminate_pending = true;
		sched_set_priority(t, 0);        /* unwind soon: its task may be waiting to die */
		thread_interrupt(t);
	} else {
		thread_destroy(t);
	}
}

void thread_abort_wait(struct thread *t)
{
	if (t->in_wait && t != current_thread()) {
		t->abort_pending = true;
		thread_interrupt(t);
	}
}

void thread_release(struct thread *t)
{
	if (t->suspend_count == 0 && t->task->suspend_count == 0)
		waitq_wake_all(&t->resume_wq, WAIT_AWAKENED);
}

bool thread_should_unwind(void)
{
	struct thread *t = current_thread();
	return t->abort_pending || t->terminate_pending || t->task->exit_pending;
}

void thread_return_point(void)
{
	struct thread *t = current_thread();
	for (;;) {
		if (t->task->exit_pending)
			task_destroy(t->task, t->task->exit_status);   /* does not return */
		if (t->terminate_pending)
			thread_exit_self();
		t->abort_pending = false;
		if (t->suspend_count == 0 && t->task->suspend_count == 0)
			return;
		/* Stopped: a clean wait, so not in_wait; resume, terminate or the
		 * task's end wakes it. */
		t->state = TH_WAITING;
		t->wait_result = WAIT_INTERRUPTED;
		waitq_append(&t->resume_wq, t);
		sched_switch();
	}
}

static void wait_timed_out(void *arg)
{
	struct thread *t = arg;
	if (t->state != TH_WAITING)
		return;
	if (t->waitq)
		waitq_remove(t->waitq, t);
	t->wait_result = WAIT_TIMED_OUT;
	sched_make_ready(t);
}

enum wait_result thread_wait(struct waitq *q, uint32_t timeout_ms)
{
	struct thread *t = current_thread();
	if (thread_should_unwind())
		return WAIT_INTERRUPTED;          /* ending or aborted: do not sleep */
	t->state = TH_WAITING;
	t->wait_data = NULL;
	t->wait_result = WAIT_INTERRUPTED;
	waitq_append(q, t);
	if (timeout_ms)
		timeout_set(&t->wait_timeout, timeout_after_ms(timeout_ms), wait_timed_out, t);
	t->in_wait = true;
	sched_switch();
	t->in_wait = false;
	timeout_cancel(&t->wait_timeout);
	return t->wait_result;
}

static struct thread *wake_first(struct waitq *q, enum wait_result r, void *data)
{
	struct thread *t = q->head;
	if (!t)
		return NULL;
	waitq_remove(q, t);
	timeout_cancel(&t->wait_timeout);
	t->wait_result = r;
	t->wait_data = data;
	sched_make_ready(t);
	return t;
}

struct thread *waitq_wake_one(struct waitq *q, enum wait_result r, void *data)
{
	return wake_first(q, r, data);
}

void waitq_wake_all(struct waitq *q, enum wait_result r)
{
	while (waitq_wake_one(q, r, NULL))
		;
}

bool waitq_empty(const struct waitq *q) { return q->head == NULL; }
