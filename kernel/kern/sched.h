/* The scheduler: fixed priorities, round robin within a priority, preemption
 * when a thread's quantum runs out. The kernel itself is never preempted: it
 * runs with interrupts off and switches only where a thread blocks or yields. */
#ifndef KERN_SCHED_H
#define KERN_SCHED_H
#include <stdbool.h>
struct thread;

void sched_init(void);
void sched_make_ready(struct thread *t);
/* Give up the CPU; the caller has already set its state (READY to yield). */
void sched_switch(void);
void sched_yield(void);
void sched_tick(void);
/* Take a READY thread off its run queue (it is being terminated). */
void sched_remove(struct thread *t);
/* At the end of a trap to user mode: preempt if the quantum is spent. */
void sched_preempt_point(void);
/* Switch to the first ready thread and idle forever in between. */
void sched_start(void) __attribute__((noreturn));
bool sched_idle(void);
#endif
