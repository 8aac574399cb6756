/* Tasks: an address space, a port name space and a set of threads. Killing a
 * task (on a fault or on request) ends its threads, destroys its rights so its
 * ports die and senders see dead names, and frees its memory. */
#ifndef KERN_TASK_H
#define KERN_TASK_H
#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include "vm/pmap.h"
#include "vm/vm_map.h"
#include "kern/thread.h"

struct thread;
struct ipc_space;
struct ipc_port;

#define TASK_NAME_MAX 32

struct task {
	uint32_t id;
	char name[TASK_NAME_MAX];
	struct pmap pmap;
	struct vm_map map;            /* its allocated regions (vm/vm_map.h) */
	struct ipc_space *space;
	struct thread *threads;
	int nthreads;
	struct ipc_port *self_port;   /* task port (kernel object) */
	size_t page_limit;            /* user pages this task may map */
	bool wire_future;             /* vm_wire_all(VM_WIRE_FUTURE): allocate eagerly */
	bool exit_pending;
	int exit_status;
	struct task *next;

	/* task and thread control (kern/task_server.c, kern/thread_server.c) */
	int priority;                 /* base priority of its new threads */
	int suspend_count;            /* task_suspend: every thread stops */
	struct ipc_port *bootstrap_port;  /* special ports: send rights or NULL */
	struct ipc_port *exception_port;
	uint64_t dead_run_cycles;     /* TSC cycles its ended threads ran */
	uint64_t created_ns;          /* uptime at creation */
	uint64_t *ldt;                /* its own LDT (i386/user_ldt.c) or NULL */
	uint32_t ldt_entries;

	/* event counts for task_info(TASK_EVENTS_INFO) */
	uint32_t faults;              /* page faults resolved by backing a page or copy-on-write (vm/vm_fault.c) */
	uint32_t zero_fills;          /* frames zeroed for it: touched, wired or eagerly allocated */
	uint32_t cow_faults;          /* copy-on-write pages made its own (vm_fault_unshare) */
	uint32_t messages_sent;       /* mach_msg sends that succeeded */
	uint32_t messages_received;   /* messages mach_msg delivered to it */
};

void task_init(void);
struct task *kernel_task(void);
static inline struct task *current_task(void) { return current_thread()->task; }
struct task *task_spawn(const char *name);
/* End the task: its port dies at once, clean threads end at once, threads
 * inside a kernel wait unwind and end at their return point, and the last
 * thread out frees the task (task_finish); with no thread left it is freed
 * here. If the current thread is one of t's, this does not return. */
void task_destroy(struct task *t, int status);
/* Ask for t to end; it ends at the next return to user mode (task_exit_point). */
void task_request_exit(struct task *t, int status);
/* On every return to user mode: ends the task or thread if asked, and stops a
 * suspended thread (thread_return_point). */
void task_exit_point(void);
/* Whether task_exit_point has anything to do for t: one inline test of
 * the five words it reads, so that a trap that changes none of them (the
 * common case) makes no call on its way out. */
static inline bool task_exit_point_needed(const struct thread *t)
{
	return t->task->exit_pending | t->terminate_pending | t->abort_pending |
	       (t->suspend_count != 0) | (t->task->suspend_count != 0);
}
/* Free an ending task that has no thread left: its rights (its ports die),
 * memory and special ports. */
void task_finish(struct task *t);
/* Whether the task with this id still exists (ids are never reused), and a
 * queue woken whenever a task is freed. */
bool task_alive(uint32_t id);
struct waitq *task_death_queue(void);
int task_count(void);
/* The first task of the list (follow ->next), newest first. */
struct task *task_list(void);
/* The task whose space holds port's receive right, or NULL (none, dead
 * port, or a kernel object's). */
struct ipc_port;
struct task *task_receiving_on(const struct ipc_port *port);
/* Called when nothing is runnable: with exit-when-idle set and no task left,
 * the machine halts (the test harness uses this). */
void task_check_all_done(void);
void task_set_exit_when_idle(bool on);
/* Halt the machine as soon as the task with this name ends (tests use it, as
 * servers never end). */
void task_set_halt_when(const char *name);
/* Allocate fresh zeroed pages at [va, va+size) in t as a region of its map
 * (read/execute, plus write if writable); 0, or -1 (nothing left mapped). */
int task_map_zeroed(struct task *t, uintptr_t va, size_t size, bool writable);
#endif
