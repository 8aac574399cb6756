#include "kern/sched.h"
#include "kern/thread.h"
#include "kern/task.h"
#include "kern/printf.h"
#include "i386/cpu.h"
#include "i386/gdt.h"
#include "i386/fpu.h"
#include "vm/pmap.h"

void swtch(uint32_t *save_esp, uint32_t new_esp);

static struct { struct thread *head, *tail; } runq[NPRIORITIES];
static uint32_t runq_bitmap;          /* bit p set: runq[p] is not empty */
static struct thread *current;
static struct thread idle_thread;
static bool need_resched;

struct thread *current_thread(void) { return current; }

void sched_init(void)
{
	/* The boot stack becomes the idle thread's stack. */
	idle_thread.id = 0;
	idle_thread.task = kernel_task();
	idle_thread.state = TH_RUNNING;
	idle_thread.priority = NPRIORITIES - 1;
	current = &idle_thread;
}

void sched_make_ready(struct thread *t)
{
	if (t == &idle_thread)
		return;
	t->state = TH_READY;
	t->run_next = NULL;
	int p = t->priority;
	if (runq[p].tail)
		runq[p].tail->run_next = t;
	else
		runq[p].head = t;
	runq[p].tail = t;
	runq_bitmap |= 1u << p;
	if (current && p < current->priority)
		need_resched = true;
}

static struct thread *dequeue_next(void)
{
	if (!runq_bitmap)
		return &idle_thread;
	int p = __builtin_ctz(runq_bitmap);
	struct thread *t = runq[p].head;
	runq[p].head = t->run_next;
	if (!runq[p].head) {
		runq[p].tail = NULL;
		runq_bitmap &= ~(1u << p);
	}
	t->run_next = NULL;
	return t;
}

void sched_remove(struct thread *t)
{
	int p = t->priority;
	struct thread *prev = NULL;
	for (struct thread *r = runq[p].head; r; prev = r, r = r->run_next)
		if (r == t) {
			if (prev)
				prev->run_next = r->run_next;
			else
				runq[p].head = r->run_next;
			if (runq[p].tail == r)
				runq[p].tail = prev;
			break;
		}
	if (!runq[p].head)
		runq_bitmap &= ~(1u << p);
	t->run_next = NULL;
}

void sched_switch(void)
{
	struct thread *prev = current;
	struct thread *next = dequeue_next();
	need_resched = false;
	if (next == prev) {
		prev->state = TH_RUNNING;
		return;
	}
	next->state = TH_RUNNING;
	if (next->quantum <= 0)
		next->quantum = QUANTUM_TICKS;
	fpu_switch(next->fpu_state);
	if (next->kstack)
		tss_set_kernel_stack((uint32_t)next->kstack + KSTACK_SIZE);
	pmap_activate(&next->task->pmap);
	current = next;
	swtch(&prev->kernel_esp, next->kernel_esp);
	/* back on prev's stack: someone switched to us */
	thread_reap();
}

void sched_yield(void)
{
	sched_make_ready(current);
	sched_switch();
}

void sched_tick(void)
{
	if (current != &idle_thread && --current->quantum <= 0)
		need_resched = true;
}

void sched_preempt_point(void)
{
	if (need_resched && current->state == TH_RUNNING)
		sched_yield();
}

bool sched_idle(void) { return current == &idle_thread; }

void sched_start(void)
{
	for (;;) {
		while (!runq_bitmap) {
			task_check_all_done();
			sti_hlt();               /* an interrupt may make a thread ready */
			cli();
		}
		idle_thread.state = TH_READY;
		sched_switch();
	}
}
