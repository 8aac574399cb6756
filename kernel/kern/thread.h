/* Threads: a kernel stack, saved registers, FPU state, a scheduling priority,
 * and the state of whatever the thread is waiting for. Every thread belongs to
 * a task; the idle thread belongs to the kernel task. */
#ifndef KERN_THREAD_H
#define KERN_THREAD_H
#include <stdint.h>
#include <stdbool.h>
#include "kern/timeout.h"

struct task;
struct ipc_port;
struct waitq;

enum thread_state { TH_READY, TH_RUNNING, TH_WAITING, TH_DEAD };
enum wait_result { WAIT_AWAKENED, WAIT_TIMED_OUT, WAIT_INTERRUPTED };

#define KSTACK_SIZE   8192
#define NPRIORITIES   32          /* Mach convention: 0 is the most urgent */
#define PRIORITY_USER 16
#define QUANTUM_TICKS 10

struct thread {
	uint32_t id;
	struct task *task;
	enum thread_state state;
	int priority;
	int quantum;                  /* ticks left before preemption */
	uint32_t kernel_esp;          /* saved by swtch while not running */
	void *kstack;                 /* KSTACK_SIZE bytes */
	void *fpu_state;              /* 512 bytes, 16-aligned (fxsave) */
	void *fpu_alloc;
	struct thread *run_next;      /* run queue or reaper list */
	struct thread *task_next;     /* the task's threads */
	struct ipc_port *self_port;   /* thread port (kernel object) */

	/* waiting */
	struct waitq *waitq;          /* the queue the thread sleeps on, if any */
	struct thread *wait_next;
	enum wait_result wait_result;
	struct timeout wait_timeout;
	void *wait_data;              /* handed over by whoever wakes the thread */
};

struct waitq { struct thread *head, *tail; };

void thread_init(void);
/* A user thread that starts at eip with stack esp, READY but not yet run. */
struct thread *thread_create_user(struct task *task, uint32_t eip, uint32_t esp);
struct thread *current_thread(void);
/* Take a thread off whatever it waits on and mark it DEAD; the reaper frees it. */
void thread_destroy(struct thread *t);
void thread_reap(void);

/* Sleep on q until woken or timeout_ms passes (0 means forever). */
enum wait_result thread_wait(struct waitq *q, uint32_t timeout_ms);
/* Wake the first waiter (NULL if none), handing it data and result. */
struct thread *waitq_wake_one(struct waitq *q, enum wait_result r, void *data);
void waitq_wake_all(struct waitq *q, enum wait_result r);
bool waitq_empty(const struct waitq *q);
#endif
