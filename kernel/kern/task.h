/* Tasks: an address space, a port name space and a set of threads. Killing a
 * task (on a fault or on request) ends its threads, destroys its rights so its
 * ports die and senders see dead names, and frees its memory. */
#ifndef KERN_TASK_H
#define KERN_TASK_H
#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include "vm/pmap.h"

struct thread;
struct ipc_space;
struct ipc_port;

#define TASK_NAME_MAX 32

struct task {
	uint32_t id;
	char name[TASK_NAME_MAX];
	struct pmap pmap;
	struct ipc_space *space;
	struct thread *threads;
	int nthreads;
	struct ipc_port *self_port;   /* task port (kernel object) */
	size_t page_limit;            /* user pages this task may map */
	bool exit_pending;
	int exit_status;
	struct task *next;
};

void task_init(void);
struct task *kernel_task(void);
struct task *current_task(void);
struct task *task_spawn(const char *name);
/* End the task; if it is the current one, this does not return. */
void task_destroy(struct task *t, int status);
/* Ask for t to end; it ends at the next return to user mode (task_exit_point). */
void task_request_exit(struct task *t, int status);
void task_exit_point(void);
int task_count(void);
/* Called when nothing is runnable: with exit-when-idle set and no task left,
 * the machine halts (the test harness uses this). */
void task_check_all_done(void);
void task_set_exit_when_idle(bool on);
/* Halt the machine as soon as the task with this name ends (tests use it, as
 * servers never end). */
void task_set_halt_when(const char *name);
/* Map fresh zeroed pages at [va, va+size) in t; 0, or -1 (nothing left mapped). */
int task_map_zeroed(struct task *t, uintptr_t va, size_t size, bool writable);
#endif
