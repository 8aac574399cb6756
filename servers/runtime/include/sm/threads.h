/*
 * sm/threads.h - threads in the caller's task, per-thread MIG reply ports
 * and a lock (libsmrt.a, thread.c).
 *
 * Threads.  smrt_thread_start runs fn(arg) in a new thread of this task, on
 * the caller's stack buffer or on a stack the runtime vm_allocates.  When
 * fn returns (or the thread calls smrt_thread_exit) the kernel ends the
 * thread and frees what the runtime allocated for it (thread_terminate_
 * release: its reply port, its name, its stack).  The creator's name for
 * the thread turns into a dead name then; smrt_thread_join waits for that
 * and releases the name, after which a caller-provided stack may be reused.
 * A thread ended from outside (thread_terminate) cannot clean up after
 * itself: join it too, and join then frees what the runtime held for it.
 *
 * Reply ports.  Every thread the runtime knows gets its own MIG reply port
 * (mig_get_reply_port), found from the stack pointer: a thread started here
 * is recognised by its stack, anything else counts as the main thread.  A
 * thread made with thread_create directly (not through smrt_thread_start)
 * therefore shares the main thread's reply port and must not make RPCs at
 * the same time as the main thread.
 *
 * Locks.  smrt_lock is a test-and-set lock that, while it is taken, yields
 * with its priority depressed (thread_switch), so the holder runs even when
 * it is less urgent.  malloc and the
 * console take one, so they are safe from several threads.
 *
 * Tasks made by task_create with inherit_memory start with a copy of their
 * parent's memory (regions marked VM_INHERIT_SHARE are shared instead),
 * runtime state included, but none of its port names: the first thread of
 * such a task calls smrt_task_forked() before anything else.
 */
#ifndef _SM_THREADS_H_
#define _SM_THREADS_H_

#include <stddef.h>
#include <mach/kern_return.h>
#include <mach/port.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef volatile int smrt_lock_t;
#define SMRT_LOCK_INIT	0

void	smrt_lock(smrt_lock_t *lock);
void	smrt_unlock(smrt_lock_t *lock);

#define SMRT_MAX_THREADS	64		/* the main thread included */
#define SMRT_THREAD_STACK	(64 * 1024)	/* a runtime-allocated stack */
#define SMRT_THREAD_MIN_STACK	4096

typedef void (*smrt_thread_fn)(void *arg);

/*
 * Start fn(arg) in a new thread of this task.  stack: the caller's buffer
 * of stack_size bytes (at least SMRT_THREAD_MIN_STACK), or NULL for one of
 * SMRT_THREAD_STACK bytes from vm_allocate.  *thread (if not NULL) receives
 * a send right naming the thread, for smrt_thread_join or thread calls.
 * KERN_RESOURCE_SHORTAGE when SMRT_MAX_THREADS are running.
 */
kern_return_t	smrt_thread_start(smrt_thread_fn fn, void *arg, void *stack,
				  size_t stack_size, mach_port_t *thread);
/* End the calling thread.  The last thread ending does not end the task. */
void		smrt_thread_exit(void) __attribute__((noreturn));
/* Wait until the thread has ended, then release the name. */
kern_return_t	smrt_thread_join(mach_port_t thread);
/* The calling thread's port name (fetched once per thread). */
mach_port_t	smrt_thread_self(void);
/* See above: the start of a task made with inherit_memory. */
void		smrt_task_forked(void);

/* Internal to the runtime: the cached names start.c keeps, and the locks
 * smrt_task_forked resets. */
void		_smrt_forget_ports(void);
extern smrt_lock_t _smrt_heap_lock;
extern smrt_lock_t _smrt_console_lock;

#ifdef __cplusplus
}
#endif

#endif /* _SM_THREADS_H_ */
