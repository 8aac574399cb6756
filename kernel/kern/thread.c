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
#include "ipc/port.h"

static uint32_t next_thread_id = 1;
static struct thread *reap_list;

void thread_init(void) {}

/* The stack of a new thread, from its top down: the user trap frame, then what
 * swtch pops (edi esi ebx ebp) and its return address, trap_return. */
struct thread *thread_create_user(struct task *task, uint32_t eip, uint32_t esp)
{
	struct thread *t = kalloc(sizeof *t);
	if (!t)
		return NULL;
	t->kstack = kalloc(KSTACK_SIZE);
	t->fpu_alloc = kalloc(FPU_AREA_SIZE + 16);
	if (!t->kstack || !t->fpu_alloc) {
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
	t->priority = PRIORITY_USER;
	t->quantum = QUANTUM_TICKS;

	uint32_t *sp = (uint32_t *)((char *)t->kstack + KSTACK_SIZE);
	struct trapframe *tf = (struct trapframe *)sp - 1;
	memset(tf, 0, sizeof *tf);
	tf->cs = SEG_UCODE;
	tf->ds = tf->es = tf->fs = tf->gs = tf->ss = SEG_UDATA;
	tf->eflags = 0x202;                  /* IF on in user mode */
	tf->eip = eip;
	tf->esp = esp;
	sp = (uint32_t *)tf;
	*--sp = (uint32_t)trap_return;
	for (int i = 0; i < 4; i++)
		*--sp = 0;                       /* ebp ebx esi edi */
	t->kernel_esp = (uint32_t)sp;

	t->task_next = task->threads;
	task->threads = t;
	task->nthreads++;
	t->self_port = ipc_port_alloc_kobject(IKOT_THREAD, t);
	sched_make_ready(t);
	return t;
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
	if (t->state == TH_READY)
		sched_remove(t);
	t->state = TH_DEAD;
	if (t->self_port) {
		ipc_port_destroy_kobject(t->self_port);
		t->self_port = NULL;
	}
	t->run_next = reap_list;
	reap_list = t;
}

/* Free the dead threads, except the one whose stack we are standing on. */
void thread_reap(void)
{
	struct thread **p = &reap_list;
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
	if (t->task->exit_pending)
		return WAIT_INTERRUPTED;          /* the task is ending: do not sleep */
	t->state = TH_WAITING;
	t->waitq = q;
	t->wait_next = NULL;
	t->wait_data = NULL;
	t->wait_result = WAIT_INTERRUPTED;
	if (q->tail)
		q->tail->wait_next = t;
	else
		q->head = t;
	q->tail = t;
	if (timeout_ms)
		timeout_set(&t->wait_timeout, clock_ticks() + (uint64_t)timeout_ms * HZ / 1000 + 1, wait_timed_out, t);
	sched_switch();
	timeout_cancel(&t->wait_timeout);
	return t->wait_result;
}

struct thread *waitq_wake_one(struct waitq *q, enum wait_result r, void *data)
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

void waitq_wake_all(struct waitq *q, enum wait_result r)
{
	while (waitq_wake_one(q, r, NULL))
		;
}

bool waitq_empty(const struct waitq *q) { return q->head == NULL; }
