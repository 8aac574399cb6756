#include "kern/sched.h"
#include "i386/user_ldt.h"
#include "kern/thread.h"
#include "kern/task.h"
#include "kern/printf.h"
#include "kern/clock.h"
#include "i386/cpu.h"
#include "i386/gdt.h"
#include "i386/fpu.h"
#include "vm/pmap.h"
#include "vm/pmm.h"
#include "kern/assert.h"

void swtch(uint32_t *save_esp, uint32_t new_esp);

static struct { struct thread *head, *tail; } runq[NPRIORITIES];
static uint32_t runq_bitmap;          /* bit p set: runq[p] is not empty */
/* The thread on the CPU (kern/thread.h's current_thread reads it inline). */
struct thread *sched_running;
static struct thread idle_thread;
bool sched_need_resched;
/* The thread to run next when the current one blocks (sched_prefer_next). */
static struct thread *preferred;
/* A thread woken by a hand-off to run the moment the current one blocks,
 * on no run queue meanwhile (sched_wake_direct). */
struct thread *sched_direct;
static uint32_t preferred_switches;
static uint32_t space_switches;          /* CR3 loads by switch_to */

void sched_init(void)
{
	/* The boot stack becomes the idle thread's stack. */
	idle_thread.id = 0;
	idle_thread.task = kernel_task();
	idle_thread.state = TH_RUNNING;
	idle_thread.priority = NPRIORITIES - 1;
	sched_running = &idle_thread;
}

void sched_make_ready(struct thread *t)
{
	if (t == &idle_thread)
		return;
	if (t == sched_direct)
		sched_direct = NULL;                    /* queued after all (sched_set_priority) */
	t->state = TH_READY;
	t->run_next = NULL;
	int p = t->priority;
	assert(p >= 0 && p < NPRIORITIES);
	assert(runq[p].tail != t);                /* not queued already */
	if (runq[p].tail)
		runq[p].tail->run_next = t;
	else
		runq[p].head = t;
	runq[p].tail = t;
	runq_bitmap |= 1u << p;
	if (sched_running && p < sched_running->priority)
		sched_need_resched = true;
}

unsigned sched_runnable(void)
{
	unsigned n = (sched_running && sched_running != &idle_thread && sched_running->state == TH_RUNNING) + (sched_direct != NULL);
	for (int p = 0; p < NPRIORITIES; p++)
		for (struct thread *t = runq[p].head; t; t = t->run_next)
			n++;
	return n;
}

static struct thread *dequeue_next(void)
{
	if (!runq_bitmap)
		return &idle_thread;
	int p = __builtin_ctz(runq_bitmap);
	struct thread *t = runq[p].head;
	assert(t && runq[p].tail);                    /* a bitmap bit means a non-empty queue */
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
	if (t == sched_direct) {
		sched_direct = NULL;
		return;
	}
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

static void switch_to(struct thread *next)
{
	struct thread *prev = sched_running;
	sched_need_resched = false;
	preferred = NULL;
	if (next == prev) {
		prev->state = TH_RUNNING;
		return;
	}
	next->state = TH_RUNNING;
	if (next->quantum <= 0)
		next->quantum = QUANTUM_TICKS;
	uint64_t now = rdtsc();
	prev->run_cycles += now - prev->switched_in;
	next->switched_in = now;
	fpu_switch(next->fpu_state);
	if (next->kstack)
		tss_set_kernel_stack((uint32_t)next->kstack + KSTACK_SIZE);
	/* The idle thread runs in whatever address space it finds (the kernel
	 * half is the same in all): a thread that waits for an interrupt and
	 * is woken by it then resumes without a CR3 load, which under TCG
	 * costs ~8 us of TLB and jump-cache flushing each (docs/benchmarks.md). */
	if (next->task != idle_thread.task) {        /* the kernel task, without the call */
		if (pmap_activate(&next->task->pmap))
			space_switches++;
		if (next->task->ldt || !gdt_kernel_ldt_loaded)
			user_ldt_activate(next->task);      /* its own LDT, or the kernel's */
	}
	sched_running = next;
	swtch(&prev->kernel_esp, next->kernel_esp);
	/* back on prev's stack: someone switched to us */
	if (thread_reap_list)
		thread_reap();
}

/* Nothing more urgent than t is waiting in a run queue. */
static bool none_more_urgent(const struct thread *t)
{
	return !runq_bitmap || (int)__builtin_ctz(runq_bitmap) >= t->priority;
}

void sched_switch(void)
{
	struct thread *d = sched_direct;
	if (d) {
		sched_direct = NULL;
		if (d->state == TH_READY && d != sched_running && none_more_urgent(d)) {
			preferred_switches++;
			switch_to(d);
			return;
		}
		if (d->state == TH_READY)
			sched_make_ready(d);              /* behind the more urgent ones */
	}
	struct thread *t = preferred;
	/* Ahead of its equals, never of a more urgent thread. */
	if (t && t->state == TH_READY && t != sched_running && runq_bitmap && (int)__builtin_ctz(runq_bitmap) >= t->priority) {
		sched_remove(t);
		preferred_switches++;
		switch_to(t);
		return;
	}
	switch_to(dequeue_next());
}

void sched_prefer_next(struct thread *t)
{
	preferred = t;
}

void sched_settle_direct_now(void)
{
	struct thread *t = sched_direct;
	sched_direct = NULL;
	sched_make_ready(t);
	preferred = t;
}

uint32_t sched_preferred_switch_count(void) { return preferred_switches; }

uint64_t sched_idle_cycles(void)
{
	uint64_t c = idle_thread.run_cycles;
	if (sched_running == &idle_thread)
		c += rdtsc() - idle_thread.switched_in;
	return c;
}

uint32_t sched_space_switch_count(void) { return space_switches; }

void sched_yield(void)
{
	sched_make_ready(sched_running);
	sched_switch();
}

bool sched_handoff(struct thread *target)
{
	if (target == sched_running || target == &idle_thread || target->state != TH_READY)
		return false;
	sched_remove(target);
	sched_make_ready(sched_running);
	switch_to(target);
	return true;
}

bool sched_others_ready(void) { return runq_bitmap != 0; }

void sched_set_priority(struct thread *t, int priority)
{
	if (priority < 0)
		priority = 0;
	if (priority >= NPRIORITIES)
		priority = NPRIORITIES - 1;
	if (t->priority == priority)
		return;
	if (t->state == TH_READY && t != sched_running && t != &idle_thread) {
		sched_remove(t);
		t->priority = priority;
		sched_make_ready(t);             /* sets sched_need_resched if now more urgent */
	} else {
		t->priority = priority;
	}
	if (t == sched_running && runq_bitmap && __builtin_ctz(runq_bitmap) < priority)
		sched_need_resched = true;
}

static void depress_expired(void *arg)
{
	sched_undepress(arg);
}

void sched_depress(struct thread *t, uint32_t ms)
{
	t->depressed = true;
	sched_set_priority(t, PRIORITY_DEPRESSED);
	if (ms)
		timeout_set(&t->depress_timeout, timeout_after_ms(ms), depress_expired, t);
	else
		timeout_cancel(&t->depress_timeout);
}

bool sched_undepress(struct thread *t)
{
	if (!t->depressed)
		return false;
	t->depressed = false;
	timeout_cancel(&t->depress_timeout);
	sched_set_priority(t, t->base_priority);
	return true;
}

void sched_tick(void)
{
	if (sched_running != &idle_thread && --sched_running->quantum <= 0)
		sched_need_resched = true;
}

void sched_preempt_point(void)
{
	if (sched_need_resched && sched_running->state == TH_RUNNING) {
		sched_yield();
		/* It may have been suspended or terminated while it waited. */
		thread_return_point();
	}
}


void sched_start(void)
{
	for (;;) {
		while (!runq_bitmap) {
			task_check_all_done();
			/* Idle work first: zero one free page ahead of allocation
			 * (vm/pmm.c), then open a window for a pending interrupt
			 * (sti takes effect after the next instruction) and look
			 * at the run queue again. Halt only when nothing is left. */
			if (pmm_prezero_one()) {
				__asm__ volatile("sti; nop; cli" ::: "memory");
				continue;
			}
			sti_hlt();               /* an interrupt may make a thread ready */
			cli();
		}
		idle_thread.state = TH_READY;
		sched_switch();
	}
}
