/* Threads: a kernel stack, saved registers, FPU state, a scheduling priority,
 * and the state of whatever the thread is waiting for. Every thread belongs to
 * a task; the idle thread belongs to the kernel task.
 *
 * Ending, stopping and aborting threads. A thread that is not running is
 * either at a clean point (about to return to user mode: preempted, stopped
 * by a suspension, or new) and holds nothing in the kernel, or inside
 * thread_wait (in_wait), where its kernel frames may hold references, a
 * message, a kernel routine's state. A clean thread can be destroyed on the
 * spot. A thread in a wait is instead made to unwind: its wait ends with
 * WAIT_INTERRUPTED, it returns out of the kernel the ordinary way, releasing
 * what it holds, and ends (or stops) at its return point (thread_return_point,
 * called on every return to user mode). While a thread must unwind
 * (thread_should_unwind), thread_wait does not sleep: it returns
 * WAIT_INTERRUPTED at once, so every wait loop must give up on
 * WAIT_INTERRUPTED when thread_should_unwind() says so. A thread must not give
 * up the CPU other than through thread_wait while it holds anything. */
#ifndef KERN_THREAD_H
#define KERN_THREAD_H
#include <stdint.h>
#include <stdbool.h>
#include "kern/timeout.h"

struct task;
struct ipc_port;
struct trapframe;

struct waitq { struct thread *head, *tail; };

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
	int priority;                 /* in effect: base_priority, or lower if depressed */
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
	bool in_wait;                 /* inside thread_wait: must unwind, not vanish */
	uint32_t rcv_handoff_limit;   /* asleep in mach_msg receive: the largest message it
				       * takes handed over (kernel/ipc/mqueue.c); 0 otherwise */
	uintptr_t rcv_buffer;         /* and its buffer, where a sender may copy a
				       * message straight in (kernel/ipc/direct_send.c) */
	int rcv_result;               /* the mach_msg result of a message copied in so */
	bool send_then_receive;       /* in the send half of a send-and-receive mach_msg */
	uint32_t reply_rcv_name;      /* in that send half: the name, buffer and size of */
	uintptr_t reply_rcv_buffer;   /* the receive to follow, where a kernel object may */
	uint32_t reply_rcv_size;      /* write its reply at once (ipc_reply_in_place) */
	bool reply_in_place;          /* it did: the receive's result is in rcv_result */

	/* control from other threads (kern/thread_server.c) */
	int base_priority;            /* priority unless depressed */
	int max_priority;             /* the most urgent base priority allowed */
	bool depressed;               /* running at PRIORITY_DEPRESSED for a while */
	struct timeout depress_timeout;
	int suspend_count;            /* thread_suspend; stops at the return point */
	struct waitq resume_wq;       /* where a stopped thread waits */
	bool abort_pending;           /* thread_abort: end the current wait */
	bool user_regs_replaced;      /* thread_set_state since the current trap began */
	bool terminate_pending;       /* end at the return point */
	struct ipc_port *exception_port;  /* a send right, or NULL */
	struct ipc_port *rpc_reply_port;  /* the kernel's own RPC in progress (ipc/kernel_rpc.c) */
	uint64_t run_cycles;          /* TSC cycles spent running */
	uint64_t switched_in;         /* TSC when it last started running */
	uint64_t created_ns;          /* uptime at creation */
};

/* Priorities (Mach convention: 0 is the most urgent). A user thread may set
 * its priority anywhere from its max_priority (PRIORITY_USER_MAX unless
 * lowered) to PRIORITY_LEAST. A depressed thread runs at PRIORITY_DEPRESSED. */
#define PRIORITY_USER_MAX   PRIORITY_USER
#define PRIORITY_LEAST      (NPRIORITIES - 1)
#define PRIORITY_DEPRESSED  (NPRIORITIES - 1)

/* A user thread that starts at eip with stack esp, READY but not yet run. */
struct thread *thread_create_user(struct task *task, uint32_t eip, uint32_t esp);
/* The thread on the CPU, set only by the context switch (kern/sched.c).
 * Read inline: every trap asks for it, often more than once. */
extern struct thread *sched_running;
static inline struct thread *current_thread(void) { return sched_running; }
/* Take a thread off whatever it waits on, out of its task, and mark it DEAD;
 * the reaper frees it. Only for the current thread or a clean one (!in_wait). */
void thread_destroy(struct thread *t);
void thread_reap(void);
/* The dead threads thread_reap frees: after every switch the scheduler
 * calls it only when there are any (a test inline, not a call). */
extern struct thread *thread_reap_list;
/* End the current thread (and its task, if the task is ending and this was
 * its last thread). Does not return. */
void thread_exit_self(void) __attribute__((noreturn));
/* End t: at once if it is clean, else make it unwind and end at its return
 * point. t must not be the current thread (set terminate_pending instead). */
void thread_terminate_other(struct thread *t);
/* End t's wait (if it is in one) with WAIT_INTERRUPTED. */
void thread_interrupt(struct thread *t);
/* thread_abort: interrupt the kernel wait t is in, if any. */
void thread_abort_wait(struct thread *t);
/* Suspension counts: the thread stops at its return point while its own or
 * its task's count is positive. thread_release wakes it if both are zero. */
void thread_release(struct thread *t);
/* On every return to user mode (from task_exit_point): end the thread or its
 * task if asked, forget a pending abort, and wait here while suspended. */
void thread_return_point(void);
/* True when the current thread's waits must end (aborted, ending, or its task
 * ending). */
bool thread_should_unwind(void);
/* The user register frame at the top of t's kernel stack. */
struct trapframe *thread_user_frame(struct thread *t);
/* TSC cycles t has run, including the current run (kern/thread_server.c). */
uint64_t thread_run_cycles(struct thread *t);

/* Sleep on q until woken or timeout_ms passes (0 means forever). */
enum wait_result thread_wait(struct waitq *q, uint32_t timeout_ms);
/* Wake the first waiter (NULL if none), handing it data and result. */
struct thread *waitq_wake_one(struct waitq *q, enum wait_result r, void *data);
/* waitq_wake_direct, the same through the scheduler's direct hand-off, is
 * inline in kern/sched.h. */
void waitq_wake_all(struct waitq *q, enum wait_result r);
bool waitq_empty(const struct waitq *q);
#endif
