/* test-gsync: gnumach.defs' gsync_wait, gsync_wake and gsync_requeue, as
 * glibc's locks use them on GNU Mach: a wait only while the word holds the
 * expected value, waiters woken first come first served, one or all,
 * timeouts, GSYNC_MUTATE, requeueing, private against shared keys,
 * thread_abort of a waiter, a mutex built on gsync under contention between
 * threads and between tasks (a page shared with VM_INHERIT_SHARE), a task
 * ending while its threads wait, bad addresses refused (each with a kernel
 * warning, see test-gsync.expect), and a shared page sent out of line
 * copied rather than handed on. */
#include "guest-check.h"
#include <sm/traps.h>
#include <sm/threads.h>
#include <sm/gsync.h>
#include <mach/thread_info.h>
#include <mach/thread_status.h>
#include <mach/thread_switch.h>
#include <mach/vm_inherit.h>
#include <mach/vm_prot.h>
#include <stdbool.h>
#include "mach.h"
#include "gnumach.h"
#include "smhost.h"

static mach_port_t self, host;

static uint64_t now_ms(void)
{
	return smrt_now_ns() / 1000000;
}

/* --- Waiter threads ------------------------------------------------------ */

struct waiter {
	volatile uint32_t *word;
	uint32_t expect, msec;
	int flags, id;
	volatile int done;
	kern_return_t kr;
	uint32_t seen;                /* the word when the wait ended */
	mach_port_t thread;
};

static volatile int wake_order[8], nwoken;

static void waiter_main(void *arg)
{
	struct waiter *w = arg;
	w->kr = gsync_wait(mach_task_self(), (vm_address_t)w->word, w->expect, 0, w->msec, w->flags);
	w->seen = *w->word;
	if (nwoken < (int)(sizeof wake_order / sizeof wake_order[0]))
		wake_order[nwoken] = w->id;
	nwoken++;
	w->done = 1;
}

/* Start a waiter and return once it is blocked in gsync_wait. */
static void start_waiter(struct waiter *w, volatile uint32_t *word, uint32_t expect, int flags, int id)
{
	*w = (struct waiter){ .word = word, .expect = expect, .flags = flags, .id = id,
			      .msec = (flags & GSYNC_TIMED) ? 5000 : 0 };
	CHECK_EQ(smrt_thread_start(waiter_main, w, NULL, 0, &w->thread), KERN_SUCCESS);
	CHECK(thread_blocks(w->thread), "waiter %d did not block", id);
	CHECK_EQ(w->done, 0);
}

static bool finished(struct waiter *w)
{
	for (int i = 0; i < 2000 && !w->done; i++)
		smrt_sleep_ms(1);
	return w->done;
}

static void join(struct waiter *w)
{
	CHECK(finished(w), "waiter %d still waits", w->id);
	CHECK_EQ(smrt_thread_join(w->thread), KERN_SUCCESS);
}

/* --- The basic calls ------------------------------------------------------ */

static volatile uint32_t word_a, word_b, quad[2];

static void test_value_mismatch(void)
{
	word_a = 5;
	CHECK_EQ(gsync_wait(self, (vm_address_t)&word_a, 4, 0, 0, 0), KERN_INVALID_ARGUMENT);
	CHECK_EQ(gsync_wait(self, (vm_address_t)&word_a, 4, 0, 0, GSYNC_SHARED), KERN_INVALID_ARGUMENT);
	quad[0] = 1;
	quad[1] = 2;
	CHECK_EQ(gsync_wait(self, (vm_address_t)quad, 1, 3, 0, GSYNC_QUAD), KERN_INVALID_ARGUMENT);
	/* Both words match: it waits, here for 10 ms. */
	CHECK_EQ(gsync_wait(self, (vm_address_t)quad, 1, 2, 10, GSYNC_QUAD | GSYNC_TIMED), KERN_TIMEDOUT);
	/* Without GSYNC_QUAD the second word does not count. */
	CHECK_EQ(gsync_wait(self, (vm_address_t)quad, 1, 99, 10, GSYNC_TIMED), KERN_TIMEDOUT);
}

static void test_timeout(void)
{
	word_a = 0;
	uint64_t t0 = now_ms();
	CHECK_EQ(gsync_wait(self, (vm_address_t)&word_a, 0, 0, 150, GSYNC_TIMED), KERN_TIMEDOUT);
	uint64_t took = now_ms() - t0;
	CHECK(took >= 150 && took < 1500, "a 150 ms wait took %u ms", (unsigned)took);
	t0 = now_ms();
	CHECK_EQ(gsync_wait(self, (vm_address_t)&word_a, 0, 0, 0, GSYNC_TIMED), KERN_TIMEDOUT);
	CHECK(now_ms() - t0 < 100, "a 0 ms wait slept");
	/* A timed waiter woken in time succeeds. */
	struct waiter w;
	start_waiter(&w, &word_a, 0, GSYNC_TIMED, 0);
	CHECK_EQ(gsync_wake(self, (vm_address_t)&word_a, 0, 0), KERN_SUCCESS);
	join(&w);
	CHECK_EQ(w.kr, KERN_SUCCESS);
}

static void test_order_and_broadcast(void)
{
	struct waiter w[4];
	word_a = 0;
	nwoken = 0;
	for (int i = 0; i < 4; i++)
		start_waiter(&w[i], &word_a, 0, 0, i);
	/* One wake, one waiter, the oldest first. */
	for (int i = 0; i < 4; i++) {
		CHECK_EQ(gsync_wake(self, (vm_address_t)&word_a, 0, 0), KERN_SUCCESS);
		CHECK(finished(&w[i]), "waiter %d not woken", i);
		for (int j = i + 1; j < 4; j++)
			CHECK(!w[j].done && thread_run_state(w[j].thread) == TH_STATE_WAITING, "waiter %d woke too", j);
	}
	for (int i = 0; i < 4; i++) {
		CHECK_EQ(wake_order[i], i);
		CHECK_EQ(w[i].kr, KERN_SUCCESS);
		join(&w[i]);
	}
	/* GSYNC_BROADCAST wakes every one. */
	for (int i = 0; i < 4; i++)
		start_waiter(&w[i], &word_a, 0, 0, i);
	CHECK_EQ(gsync_wake(self, (vm_address_t)&word_a, 0, GSYNC_BROADCAST), KERN_SUCCESS);
	for (int i = 0; i < 4; i++) {
		join(&w[i]);
		CHECK_EQ(w[i].kr, KERN_SUCCESS);
	}
}

static void test_mutate(void)
{
	struct waiter w;
	word_a = 0;
	start_waiter(&w, &word_a, 0, 0, 0);
	CHECK_EQ(gsync_wake(self, (vm_address_t)&word_a, 7, GSYNC_MUTATE), KERN_SUCCESS);
	join(&w);
	CHECK_EQ(w.kr, KERN_SUCCESS);
	CHECK_EQ(w.seen, 7);              /* stored before the waiter ran */
	/* With nobody waiting the store still happens. */
	CHECK_EQ(gsync_wake(self, (vm_address_t)&word_a, 9, GSYNC_MUTATE), KERN_SUCCESS);
	CHECK_EQ(word_a, 9);
	/* Without GSYNC_MUTATE nothing is stored. */
	CHECK_EQ(gsync_wake(self, (vm_address_t)&word_a, 11, 0), KERN_SUCCESS);
	CHECK_EQ(word_a, 9);
}

static void test_requeue(void)
{
	struct waiter w[3];
	word_a = word_b = 0;
	nwoken = 0;
	for (int i = 0; i < 3; i++)
		start_waiter(&w[i], &word_a, 0, 0, i);
	/* Move one (the oldest) to b: a broadcast on a leaves it waiting. */
	CHECK_EQ(gsync_requeue(self, (vm_address_t)&word_a, (vm_address_t)&word_b, FALSE, 0), KERN_SUCCESS);
	CHECK_EQ(gsync_wake(self, (vm_address_t)&word_a, 0, GSYNC_BROADCAST), KERN_SUCCESS);
	CHECK(finished(&w[1]) && finished(&w[2]), "the waiters left on a were not woken");
	smrt_sleep_ms(20);
	CHECK(!w[0].done && thread_run_state(w[0].thread) == TH_STATE_WAITING, "the moved waiter woke with a");
	CHECK_EQ(gsync_wake(self, (vm_address_t)&word_b, 0, 0), KERN_SUCCESS);
	join(&w[0]);
	join(&w[1]);
	join(&w[2]);

	/* wake_one wakes the oldest on a; GSYNC_BROADCAST moves all the rest. */
	nwoken = 0;
	for (int i = 0; i < 3; i++)
		start_waiter(&w[i], &word_a, 0, 0, i);
	CHECK_EQ(gsync_requeue(self, (vm_address_t)&word_a, (vm_address_t)&word_b, TRUE, GSYNC_BROADCAST),
		 KERN_SUCCESS);
	CHECK(finished(&w[0]), "wake_one woke nobody");
	CHECK_EQ(gsync_wake(self, (vm_address_t)&word_a, 0, GSYNC_BROADCAST), KERN_SUCCESS);
	smrt_sleep_ms(20);
	CHECK(!w[1].done && !w[2].done, "moved waiters woke with a");
	/* On b they keep their order. */
	CHECK_EQ(gsync_wake(self, (vm_address_t)&word_b, 0, 0), KERN_SUCCESS);
	CHECK(finished(&w[1]), "the older moved waiter was not first");
	CHECK(!w[2].done, "two woken by one wake");
	CHECK_EQ(gsync_wake(self, (vm_address_t)&word_b, 0, 0), KERN_SUCCESS);
	for (int i = 0; i < 3; i++)
		join(&w[i]);
	CHECK(wake_order[0] == 0 && wake_order[1] == 1 && wake_order[2] == 2, "order %d %d %d",
	      wake_order[0], wake_order[1], wake_order[2]);
}

/* Shared and private keys of the same word are different keys. */
static void test_shared_private(void)
{
	struct waiter w;
	word_a = 0;
	start_waiter(&w, &word_a, 0, GSYNC_SHARED, 0);
	CHECK_EQ(gsync_wake(self, (vm_address_t)&word_a, 0, 0), KERN_SUCCESS);
	smrt_sleep_ms(20);
	CHECK(!w.done, "a private wake woke a shared waiter");
	CHECK_EQ(gsync_wake(self, (vm_address_t)&word_a, 0, GSYNC_SHARED), KERN_SUCCESS);
	join(&w);
	CHECK_EQ(w.kr, KERN_SUCCESS);
	start_waiter(&w, &word_a, 0, 0, 0);
	CHECK_EQ(gsync_wake(self, (vm_address_t)&word_a, 0, GSYNC_SHARED), KERN_SUCCESS);
	smrt_sleep_ms(20);
	CHECK(!w.done, "a shared wake woke a private waiter");
	CHECK_EQ(gsync_wake(self, (vm_address_t)&word_a, 0, 0), KERN_SUCCESS);
	join(&w);
}

static void test_abort(void)
{
	struct waiter w;
	word_a = 0;
	start_waiter(&w, &word_a, 0, 0, 0);
	CHECK_EQ(thread_abort(w.thread), KERN_SUCCESS);
	join(&w);
	CHECK_EQ(w.kr, KERN_INTERRUPTED);
	/* Its record left with it: a wake finds nobody, and a new waiter is
	 * the one woken. */
	start_waiter(&w, &word_a, 0, GSYNC_TIMED, 1);
	CHECK_EQ(gsync_wake(self, (vm_address_t)&word_a, 0, 0), KERN_SUCCESS);
	join(&w);
	CHECK_EQ(w.kr, KERN_SUCCESS);
}

static void test_bad_addresses(void)
{
	vm_address_t page = 0;
	CHECK_EQ(vm_allocate(self, &page, 4096, TRUE), KERN_SUCCESS);
	CHECK_EQ(vm_deallocate(self, page, 4096), KERN_SUCCESS);
	CHECK_EQ(gsync_wait(self, 0xC0001000u, 0, 0, 0, 0), KERN_INVALID_ADDRESS);
	CHECK_EQ(gsync_wait(self, 0xC0001000u, 0, 0, 0, GSYNC_SHARED), KERN_INVALID_ADDRESS);
	CHECK_EQ(gsync_wait(self, page, 0, 0, 0, 0), KERN_INVALID_ADDRESS);
	CHECK_EQ(gsync_wait(self, 0, 0, 0, 0, 0), KERN_INVALID_ADDRESS);
	CHECK_EQ(gsync_wait(self, (vm_address_t)&word_a + 1, 0, 0, 0, 0), KERN_INVALID_ADDRESS);
	/* A quad reaching past the end of user space. */
	CHECK_EQ(gsync_wait(self, 0xBFFFEFFCu, 0, 0, 0, GSYNC_QUAD), KERN_INVALID_ADDRESS);
	CHECK_EQ(gsync_wait(host, (vm_address_t)&word_a, 0, 0, 0, 0), KERN_INVALID_TASK);
	/* Simple routines: no answer, but the kernel warns, stores nothing and
	 * keeps running. */
	CHECK_EQ(gsync_wake(self, 0xC0001000u, 1, GSYNC_MUTATE), KERN_SUCCESS);
	CHECK_EQ(gsync_wake(self, page, 1, GSYNC_MUTATE | GSYNC_SHARED), KERN_SUCCESS);
	CHECK_EQ(gsync_requeue(self, page, (vm_address_t)&word_a, TRUE, 0), KERN_SUCCESS);
	/* A read-only word can be waited on but not mutated. */
	vm_address_t ro = 0;
	CHECK_EQ(vm_allocate(self, &ro, 4096, TRUE), KERN_SUCCESS);
	*(volatile uint32_t *)ro = 3;
	CHECK_EQ(vm_protect(self, ro, 4096, FALSE, VM_PROT_READ), KERN_SUCCESS);
	CHECK_EQ(gsync_wait(self, ro, 3, 0, 5, GSYNC_TIMED), KERN_TIMEDOUT);
	CHECK_EQ(gsync_wake(self, ro, 4, GSYNC_MUTATE), KERN_SUCCESS);
	CHECK_EQ(*(volatile uint32_t *)ro, 3);
	CHECK_EQ(vm_deallocate(self, ro, 4096), KERN_SUCCESS);
	CHECK_EQ(gsync_wait(self, (vm_address_t)&word_a, word_a, 0, 1, GSYNC_TIMED), KERN_TIMEDOUT);
}

/* --- A mutex on gsync, under contention ------------------------------------
 * The usual three-state lock: 0 free, 1 taken, 2 taken with waiters. */

static void mutex_lock(mach_port_t task, volatile uint32_t *m, int flags)
{
	uint32_t expected = 0;
	if (__atomic_compare_exchange_n(m, &expected, 1, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return;
	while (__atomic_exchange_n(m, 2, __ATOMIC_ACQUIRE) != 0)
		gsync_wait(task, (vm_address_t)m, 2, 0, 0, flags);
}

static void mutex_unlock(mach_port_t task, volatile uint32_t *m, int flags)
{
	if (__atomic_exchange_n(m, 0, __ATOMIC_RELEASE) == 2)
		gsync_wake(task, (vm_address_t)m, 0, flags);
}

/* The lock and the counter it guards, in one page (shared between tasks in
 * the second test). */
struct guarded {
	volatile uint32_t lock;
	volatile uint32_t counter;
	volatile uint32_t ready;          /* threads of the child that started */
	volatile uint32_t waits;          /* times a locker found the lock taken */
	volatile uint32_t go;             /* the child may start */
};

#define ROUNDS 400

/* Increment without atomics, giving the CPU away inside the critical
 * section now and then: only the lock keeps the count exact. */
static void hammer(mach_port_t task, struct guarded *g, int flags)
{
	for (int i = 0; i < ROUNDS; i++) {
		mutex_lock(task, &g->lock, flags);
		if (g->lock == 2)
			g->waits++;
		uint32_t c = g->counter;
		if (i % 8 == 0)
			thread_switch(MACH_PORT_NULL, SWITCH_OPTION_NONE, 0);
		g->counter = c + 1;
		mutex_unlock(task, &g->lock, flags);
	}
}

static struct guarded local_guard;

static void hammer_thread(void *arg) { hammer(mach_task_self(), arg, 0); }

static void test_mutex_threads(void)
{
	enum { N = 4 };
	mach_port_t th[N];
	local_guard = (struct guarded){ 0 };
	for (int i = 0; i < N; i++)
		CHECK_EQ(smrt_thread_start(hammer_thread, &local_guard, NULL, 0, &th[i]), KERN_SUCCESS);
	hammer(self, &local_guard, 0);
	for (int i = 0; i < N; i++)
		CHECK_EQ(smrt_thread_join(th[i]), KERN_SUCCESS);
	CHECK_EQ(local_guard.counter, (N + 1) * ROUNDS);
	CHECK_EQ(local_guard.lock, 0);
	CHECK(local_guard.waits > 0, "the threads never contended");
	printf("test-gsync: %u threads, %u increments, %u contended\n", N + 1, local_guard.counter, local_guard.waits);
}

/* --- Between tasks ----------------------------------------------------------
 * A child made by task_create(inherit_memory) shares the page we marked
 * VM_INHERIT_SHARE and keeps its own copy of everything else. */

enum child_mode { CHILD_HAMMER, CHILD_WAIT_FOREVER };
static volatile int child_mode;
static struct guarded *shared;
static volatile uint32_t private_word;
static uint8_t child_stack[16384] __attribute__((aligned(16)));

static void child_shared_waiter(void *arg)
{
	(void)arg;
	__atomic_add_fetch(&shared->ready, 1, __ATOMIC_SEQ_CST);
	gsync_wait(mach_task_self(), (vm_address_t)&shared->lock, 5, 0, 0, GSYNC_SHARED);
}

static void __attribute__((noreturn, used)) child_main(void *arg)
{
	(void)arg;
	smrt_task_forked();
	if (child_mode == CHILD_HAMMER) {
		__atomic_add_fetch(&shared->ready, 1, __ATOMIC_SEQ_CST);
		while (!shared->go)
			thread_switch(MACH_PORT_NULL, SWITCH_OPTION_NONE, 0);
		hammer(mach_task_self(), shared, GSYNC_SHARED);
		task_terminate(mach_task_self());
	}
	/* Two threads waiting, on a shared and a private word, until the
	 * task is terminated. */
	smrt_thread_start(child_shared_waiter, NULL, NULL, 0, NULL);
	__atomic_add_fetch(&shared->ready, 1, __ATOMIC_SEQ_CST);
	for (;;)
		gsync_wait(mach_task_self(), (vm_address_t)&private_word, 0, 0, 0, 0);
}

static mach_port_t start_child(int mode, mach_port_t *thread)
{
	child_mode = mode;
	uint32_t *sp = (uint32_t *)(child_stack + sizeof child_stack - 20);
	sp[0] = sp[1] = 0;
	mach_port_t child = MACH_PORT_NULL;
	CHECK_EQ(task_create(self, TRUE, &child), KERN_SUCCESS);
	CHECK_EQ(thread_create(child, thread), KERN_SUCCESS);
	struct i386_thread_state st;
	mach_msg_type_number_t n = i386_THREAD_STATE_COUNT;
	CHECK_EQ(thread_get_state(*thread, i386_THREAD_STATE, (thread_state_t)&st, &n), KERN_SUCCESS);
	st.eip = (uintptr_t)child_main;
	st.uesp = (uintptr_t)sp;
	CHECK_EQ(thread_set_state(*thread, i386_THREAD_STATE, (thread_state_t)&st, n), KERN_SUCCESS);
	CHECK_EQ(thread_resume(*thread), KERN_SUCCESS);
	return child;
}

static void wait_dead(mach_port_t name)
{
	mach_port_type_t t = 0;
	for (int i = 0; i < 2000 && mach_port_type(self, name, &t) == KERN_SUCCESS && !(t & MACH_PORT_TYPE_DEAD_NAME); i++)
		smrt_sleep_ms(1);
	CHECK(t & MACH_PORT_TYPE_DEAD_NAME, "the child did not end (type %x)", t);
	mach_port_deallocate(self, name);
}

static void test_mutex_tasks(void)
{
	*shared = (struct guarded){ 0 };
	mach_port_t th, child = start_child(CHILD_HAMMER, &th);
	for (int i = 0; i < 2000 && !shared->ready; i++)
		smrt_sleep_ms(1);
	CHECK_EQ(shared->ready, 1);       /* it sees our page */
	shared->go = 1;
	hammer(self, shared, GSYNC_SHARED);
	wait_dead(child);
	wait_dead(th);
	CHECK_EQ(shared->counter, 2 * ROUNDS);
	CHECK_EQ(shared->lock, 0);
	CHECK(shared->waits > 0, "the tasks never contended");
	printf("test-gsync: 2 tasks, %u increments, %u contended\n", shared->counter, shared->waits);
}

/* A task ending while its threads wait takes its waiters with it. */
static void test_task_dies_waiting(void)
{
	natural_t b[4], a[4];
	for (int round = 0; round < 3; round++) {
		if (round == 2)
			CHECK_EQ(sm_kernel_stats(host, &b[0], &b[1], &b[2], &b[3]), KERN_SUCCESS);
		*shared = (struct guarded){ .lock = 5 };
		private_word = 0;
		mach_port_t th, child = start_child(CHILD_WAIT_FOREVER, &th);
		for (int i = 0; i < 2000 && shared->ready < 2; i++)
			smrt_sleep_ms(1);
		CHECK_EQ(shared->ready, 2);
		CHECK(thread_blocks(th), "the child's main thread did not block");
		smrt_sleep_ms(10);
		CHECK_EQ(task_terminate(child), KERN_SUCCESS);
		wait_dead(child);
		wait_dead(th);
	}
	CHECK_EQ(sm_kernel_stats(host, &a[0], &a[1], &a[2], &a[3]), KERN_SUCCESS);
	printf("test-gsync: after tasks ended waiting: free pages %u -> %u, heap %u -> %u, ports %u -> %u\n",
	       b[0], a[0], b[1], a[1], b[2], a[2]);
	CHECK(a[0] + 2 >= b[0] && a[0] <= b[0], "free pages %u -> %u", b[0], a[0]);
	CHECK_EQ(a[1], b[1]);
	CHECK_EQ(a[2], b[2]);
	/* Their shared waiter is gone from the table: our wake on the word
	 * wakes our own waiter, not a dead one. */
	struct waiter w;
	start_waiter(&w, &shared->lock, 5, GSYNC_SHARED, 0);
	CHECK_EQ(gsync_wake(self, (vm_address_t)&shared->lock, 0, GSYNC_SHARED), KERN_SUCCESS);
	join(&w);
	CHECK_EQ(w.kr, KERN_SUCCESS);
}

/* A page shared with a child and sent out of line with the deallocate bit
 * is copied, not moved: the receiver must not get memory the child still
 * maps (here the receiver is us, and the child's page keeps its value). */
struct page_msg {
	mach_msg_header_t head;
	mach_msg_type_long_t type;
	vm_offset_t data;
};

static void test_shared_page_copied(vm_address_t page2)
{
	*shared = (struct guarded){ .lock = 5 };
	volatile uint32_t *word = (volatile uint32_t *)page2;
	*word = 0x1111;
	mach_port_t th, child = start_child(CHILD_WAIT_FOREVER, &th);
	for (int i = 0; i < 2000 && shared->ready < 2; i++)
		smrt_sleep_ms(1);
	mach_port_t port;
	CHECK_EQ(mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &port), KERN_SUCCESS);
	struct page_msg m = {
		{ MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0) | MACH_MSGH_BITS_COMPLEX, sizeof m, port, { 0 }, 0, 1 },
		{ { 0, 0, 0, 0, 1, 1, 0 }, MACH_MSG_TYPE_BYTE, 8, 4096 }, (vm_offset_t)(page2),
	};
	CHECK_EQ(mach_msg(&m.head, MACH_SEND_MSG, sizeof m, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL), MACH_MSG_SUCCESS);
	struct page_msg r;
	memset(&r, 0, sizeof r);
	CHECK_EQ(mach_msg(&r.head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof r, port, 1000, MACH_PORT_NULL),
		 MACH_MSG_SUCCESS);
	volatile uint32_t *got = ((volatile uint32_t *)(r.data));
	CHECK(got && *got == 0x1111, "received %x", got ? *got : 0);
	if (got)
		*got = 0x2222;
	pointer_t data = 0;
	mach_msg_type_number_t n = 0;
	CHECK_EQ(vm_read(child, page2, 4096, &data, &n), KERN_SUCCESS);
	uint32_t *childs = ((uint32_t *)(data));
	CHECK(childs && n == 4096 && *childs == 0x1111, "the child's page now holds %x", childs ? *childs : 0);
	if (childs)
		vm_deallocate(self, (vm_address_t)childs, n);
	if (got)
		vm_deallocate(self, (vm_address_t)got, 4096);
	mach_port_destroy(self, port);
	CHECK_EQ(task_terminate(child), KERN_SUCCESS);
	wait_dead(child);
	wait_dead(th);
}

int main(void)
{
	self = mach_task_self();
	host = mach_host_self();
	vm_address_t page = 0;
	CHECK_EQ(vm_allocate(self, &page, 4096, TRUE), KERN_SUCCESS);
	CHECK_EQ(vm_inherit(self, page, 4096, VM_INHERIT_SHARE), KERN_SUCCESS);
	shared = (struct guarded *)page;
	vm_address_t page2 = 0;
	CHECK_EQ(vm_allocate(self, &page2, 4096, TRUE), KERN_SUCCESS);
	CHECK_EQ(vm_inherit(self, page2, 4096, VM_INHERIT_SHARE), KERN_SUCCESS);

	test_value_mismatch();
	test_timeout();
	test_order_and_broadcast();
	test_mutate();
	test_requeue();
	test_shared_private();
	test_abort();
	test_bad_addresses();
	test_mutex_threads();
	test_mutex_tasks();
	test_task_dies_waiting();
	test_shared_page_copied(page2);
	return guest_summary("test-gsync");
}
