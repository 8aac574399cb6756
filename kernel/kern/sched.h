/* The scheduler: fixed priorities, round robin within a priority, preemption
 * when a thread's quantum runs out. The kernel itself is never preempted: it
 * runs with interrupts off and switches only where a thread blocks or yields. */
#ifndef KERN_SCHED_H
#define KERN_SCHED_H
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include "kern/thread.h"

void sched_init(void);
void sched_make_ready(struct thread *t);
/* Give up the CPU; the caller has already set its state (READY to yield). */
void sched_switch(void);
void sched_yield(void);
void sched_tick(void);
/* Take a READY thread off its run queue (it is being terminated). */
void sched_remove(struct thread *t);
/* At the end of a trap to user mode: preempt if the quantum is spent
 * (or a more urgent thread became ready). sched_need_resched says whether
 * it may have anything to do: the caller tests it inline first. */
void sched_preempt_point(void);
extern bool sched_need_resched;
/* Switch to the first ready thread and idle forever in between. */
void sched_start(void) __attribute__((noreturn));
/* Run target now if it is ready (the current thread stays ready); false if
 * it is not ready. */
bool sched_handoff(struct thread *target);
/* Direct hand-off (kernel/ipc/mqueue.c): when the current thread next gives
 * up the CPU, run t straight away if it is still READY, ahead of threads of
 * its own priority though never of more urgent ones. Forgotten at the next
 * switch, so t cannot have ended meanwhile: it was woken inside thread_wait
 * and ends, if asked to, only after it has run. */
void sched_prefer_next(struct thread *t);
void sched_settle_direct_now(void);
/* The thread sched_wake_direct set aside, or NULL: the test is inline,
 * since every mach_msg settles on its way out and few have one left. */
extern struct thread *sched_direct;
static inline void sched_settle_direct(void)
{
	if (sched_direct)
		sched_settle_direct_now();
}
/* The run-queue bypass of a send-and-receive mach_msg (docs/architecture.md,
 * "Direct hand-off"): t, just woken, is put on no run queue; the current
 * thread's next switch goes straight to it unless a more urgent thread is
 * ready (then t is queued as any woken thread is). If the current thread
 * returns to user mode without blocking, sched_settle_direct queues t then,
 * preferred as above. One such thread at a time: a second call queues the
 * first. Inline: every message handed to a receiver in a send-and-receive
 * makes it. */
static inline void sched_wake_direct(struct thread *t)
{
	sched_settle_direct();
	t->state = TH_READY;
	t->run_next = NULL;
	sched_direct = t;
}
/* Wake the first waiter on q (NULL if none) with WAIT_AWAKENED and data, to
 * run as soon as the current thread blocks, through no run queue
 * (sched_wake_direct); as waitq_wake_one does otherwise. Inline: every
 * message handed to a receiver in a send-and-receive makes it. */
static inline struct thread *waitq_wake_direct(struct waitq *q, void *data)
{
	struct thread *t = q->head;
	if (!t)
		return NULL;
	q->head = t->wait_next;                  /* off the queue, as waitq_remove takes its head */
	if (q->tail == t)
		q->tail = NULL;
	t->waitq = NULL;
	t->wait_next = NULL;
	timeout_cancel(&t->wait_timeout);
	t->wait_result = WAIT_AWAKENED;
	t->wait_data = data;
	sched_wake_direct(t);
	return t;
}
/* Switches made either way since boot. */
uint32_t sched_preferred_switch_count(void);
/* TSC cycles the idle thread has run since boot (halted, or zeroing free
 * pages ahead of need), and the address-space switches (CR3 loads) made
 * by thread switches: for where a benchmark's time goes. */
uint64_t sched_idle_cycles(void);
uint32_t sched_space_switch_count(void);
/* Threads that want the CPU: the current one (unless idle) and the ready
 * ones (for the load averages, kern/load.c). */
unsigned sched_runnable(void);
/* Whether any thread besides the current one is ready to run. */
bool sched_others_ready(void);
/* Change the priority t is scheduled at (requeued if ready; the current thread
 * is preempted at its return to user mode if no longer the most urgent). */
void sched_set_priority(struct thread *t, int priority);
/* Depression: t runs at PRIORITY_DEPRESSED for ms milliseconds (0: until
 * sched_undepress), then at its base priority again. sched_undepress returns
 * whether t was depressed. */
void sched_depress(struct thread *t, uint32_t ms);
bool sched_undepress(struct thread *t);

/* Bodies of the scheduling traps (kern/thread_server.c), for syscall.c. */
uint32_t trap_swtch(const uint32_t *args);
uint32_t trap_swtch_pri(const uint32_t *args);
uint32_t trap_thread_switch(const uint32_t *args);
#endif
