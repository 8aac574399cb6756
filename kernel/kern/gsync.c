/* gsync_wait, gsync_wake and gsync_requeue of GNU Mach's gnumach.defs.
 *
 * A waiter is identified by a key naming the word it waits on:
 * - private (no GSYNC_SHARED): the task and the word's virtual address, so
 *   only threads using the same task's address meet;
 * - shared (GSYNC_SHARED): the physical address of the word, so threads of
 *   different tasks that map the same memory meet wherever it is mapped.
 * Waiters are kept in arrival order in a small hash table of key chains and
 * woken first come, first served. A waiter's record lives on its own kernel
 * stack for exactly as long as it waits: the table holds no heap memory and
 * can never hold more records than there are threads waiting. Whatever ends
 * the wait (a wake, the timeout, thread_abort, the thread or its task being
 * terminated) the waiter takes its record out of the table itself before it
 * leaves, unless a waker already did.
 *
 * User memory is read and written through copyin/copyout only, so a bad
 * address is an error (KERN_INVALID_ADDRESS and a warning), never a fault.
 *
 * Results, as GNU Mach gives them: gsync_wait answers KERN_SUCCESS when
 * woken, KERN_INVALID_ARGUMENT at once if the word (or, with GSYNC_QUAD, the
 * two words) does not hold the expected value, KERN_TIMEDOUT when
 * GSYNC_TIMED's msec milliseconds pass, KERN_INTERRUPTED when thread_abort
 * ends the wait. gsync_wake and gsync_requeue are simple routines: nobody
 * sees their result, but they answer KERN_INVALID_ARGUMENT when nobody was
 * waiting, as GNU Mach does. */
#include "kern/gsync.h"
#include "kern/thread.h"
#include "kern/task.h"
#include "kern/printf.h"
#include "ipc/port.h"
#include "vm/copyio.h"
#include "vm/pmap.h"
#include "vm/vm_fault.h"
#include "i386/layout.h"
#include "gnumach_server.h"
#include <stdbool.h>

struct gsync_key {
	bool shared;
	uintptr_t space;              /* private: the task; shared: 0 */
	uintptr_t addr;               /* private: virtual; shared: physical */
};

struct gsync_waiter {
	struct gsync_key key;
	struct gsync_waiter *prev, *next;   /* its chain, oldest first */
	struct waitq wq;              /* the waiting thread alone */
	bool queued;                  /* in the table (a waker may take it out) */
};

struct gsync_chain { struct gsync_waiter *head, *tail; };

#define GSYNC_CHAINS 64
static struct gsync_chain table[GSYNC_CHAINS];

static bool key_equal(const struct gsync_key *a, const struct gsync_key *b)
{
	return a->shared == b->shared && a->space == b->space && a->addr == b->addr;
}

static struct gsync_chain *chain_of(const struct gsync_key *k)
{
	uintptr_t h = (k->addr >> 2) ^ (k->space >> 4) ^ (k->addr >> 12);
	return &table[h % GSYNC_CHAINS];
}

static void chain_append(struct gsync_waiter *w)
{
	struct gsync_chain *c = chain_of(&w->key);
	w->next = NULL;
	w->prev = c->tail;
	if (c->tail)
		c->tail->next = w;
	else
		c->head = w;
	c->tail = w;
	w->queued = true;
}

static void chain_remove(struct gsync_waiter *w)
{
	struct gsync_chain *c = chain_of(&w->key);
	if (w->prev)
		w->prev->next = w->next;
	else
		c->head = w->next;
	if (w->next)
		w->next->prev = w->prev;
	else
		c->tail = w->prev;
	w->prev = w->next = NULL;
	w->queued = false;
}

/* The first waiter on k after `after` (from the chain's start if NULL). */
static struct gsync_waiter *next_waiter(const struct gsync_key *k, struct gsync_waiter *after)
{
	struct gsync_waiter *w = after ? after->next : chain_of(k)->head;
	while (w && !key_equal(&w->key, k))
		w = w->next;
	return w;
}

static kern_return_t refuse(kern_return_t kr, const char *routine, uintptr_t addr, const char *why)
{
	struct task *self = current_task();
	kwarn("task %u (%s): %s at %#x: %s\n", self->id, self->name, routine, (unsigned)addr, why);
	return kr;
}

/* The task behind the port and the key of the word at addr in it, checking
 * that len bytes from addr are readable (and writable if asked). */
static kern_return_t make_key(mach_port_t port, const char *routine, uintptr_t addr, size_t len,
			      bool writable, int flags, struct task **tp, struct gsync_key *k)
{
	struct task *t = ipc_port_kobject(port, IKOT_TASK);
	if (!t)
		return refuse(KERN_INVALID_TASK, routine, addr, "not a task port");
	if (addr % sizeof(uint32_t))
		return refuse(KERN_INVALID_ADDRESS, routine, addr, "unaligned address");
	if (addr < USER_BASE || addr >= USER_TOP || len > USER_TOP - addr)
		return refuse(KERN_INVALID_ADDRESS, routine, addr, "outside user space");
	uintptr_t pa;
	bool can_write;
	/* A copy-on-write word becomes the task's own first: its frame (a
	 * shared key) changes on the first write, and a writer needs it. */
	if (pmap_is_cow(&t->pmap, addr) && vm_fault_unshare(t, addr) != KERN_SUCCESS)
		return refuse(KERN_RESOURCE_SHORTAGE, routine, addr, "no memory to copy the page");
	if (!pmap_lookup(&t->pmap, addr, &pa, &can_write))
		return refuse(KERN_INVALID_ADDRESS, routine, addr, "not mapped");
	if (writable && !can_write)
		return refuse(KERN_PROTECTION_FAILURE, routine, addr, "not writable");
	*tp = t;
	k->shared = flags & GSYNC_SHARED;
	k->space = k->shared ? 0 : (uintptr_t)t;
	k->addr = k->shared ? pa : addr;
	return KERN_SUCCESS;
}

kern_return_t gsync_wait(mach_port_t task, vm_address_t addr, unsigned val1, unsigned val2,
			 natural_t msec, int flags)
{
	struct task *t;
	struct gsync_waiter w = { .queued = false };
	size_t len = (flags & GSYNC_QUAD) ? 2 * sizeof(uint32_t) : sizeof(uint32_t);
	kern_return_t kr = make_key(task, "gsync_wait", addr, len, false, flags, &t, &w.key);
	if (kr != KERN_SUCCESS)
		return kr;
	uint32_t words[2];
	if (copyin(&t->pmap, addr, words, len) < 0)
		return refuse(KERN_INVALID_ADDRESS, "gsync_wait", addr, "not readable");
	/* Compared with no wake possible in between: the kernel is not
	 * preempted, so a waker either ran before (and the value has changed)
	 * or runs after the waiter is queued. */
	if (words[0] != val1 || ((flags & GSYNC_QUAD) && words[1] != val2))
		return KERN_INVALID_ARGUMENT;
	if ((flags & GSYNC_TIMED) && msec == 0)
		return KERN_TIMEDOUT;         /* thread_wait's 0 would mean forever */

	chain_append(&w);
	enum wait_result r = thread_wait(&w.wq, (flags & GSYNC_TIMED) ? msec : 0);
	if (w.queued)
		chain_remove(&w);             /* timed out or interrupted: nobody took it */
	switch (r) {
	case WAIT_AWAKENED:
		return KERN_SUCCESS;
	case WAIT_TIMED_OUT:
		return KERN_TIMEDOUT;
	default:
		return KERN_INTERRUPTED;
	}
}

/* Wake the first waiter on k, or all of them; how many were woken. */
static unsigned wake(const struct gsync_key *k, bool all)
{
	unsigned woken = 0;
	struct gsync_waiter *w;
	while ((w = next_waiter(k, NULL))) {
		chain_remove(w);
		/* A waiter whose wait already ended (its thread is on its way out
		 * with a timeout or an abort) does not use up a single wake. */
		if (waitq_wake_one(&w->wq, WAIT_AWAKENED, NULL)) {
			woken++;
			if (!all)
				break;
		}
	}
	return woken;
}

kern_return_t gsync_wake(mach_port_t task, vm_address_t addr, unsigned val, int flags)
{
	struct task *t;
	struct gsync_key k;
	kern_return_t kr = make_key(task, "gsync_wake", addr, sizeof(uint32_t),
				    flags & GSYNC_MUTATE, flags, &t, &k);
	if (kr != KERN_SUCCESS)
		return kr;
	if ((flags & GSYNC_MUTATE) && copyout(&t->pmap, &val, addr, sizeof val) < 0)
		return refuse(KERN_INVALID_ADDRESS, "gsync_wake", addr, "not writable");
	return wake(&k, flags & GSYNC_BROADCAST) ? KERN_SUCCESS : KERN_INVALID_ARGUMENT;
}

kern_return_t gsync_requeue(mach_port_t task, vm_address_t src_addr, vm_address_t dst_addr,
			    boolean_t wake_one, int flags)
{
	struct task *t;
	struct gsync_key src, dst;
	kern_return_t kr = make_key(task, "gsync_requeue", src_addr, sizeof(uint32_t), false, flags, &t, &src);
	if (kr == KERN_SUCCESS)
		kr = make_key(task, "gsync_requeue", dst_addr, sizeof(uint32_t), false, flags, &t, &dst);
	if (kr != KERN_SUCCESS)
		return kr;
	unsigned done = wake_one ? wake(&src, false) : 0;
	if (key_equal(&src, &dst))
		return done ? KERN_SUCCESS : KERN_INVALID_ARGUMENT;   /* moving would change nothing */
	/* Move the oldest waiter (or all) to the end of dst's line, keeping
	 * their order. Collected first so a waiter moved into the same chain
	 * is not met again. */
	struct gsync_waiter *moved = NULL, **tail = &moved, *w;
	while ((w = next_waiter(&src, NULL))) {
		chain_remove(w);
		w->next = NULL;
		*tail = w;
		tail = &w->next;
		done++;
		if (!(flags & GSYNC_BROADCAST))
			break;
	}
	while ((w = moved)) {
		moved = w->next;
		w->key = dst;
		chain_append(w);
	}
	return done ? KERN_SUCCESS : KERN_INVALID_ARGUMENT;
}
