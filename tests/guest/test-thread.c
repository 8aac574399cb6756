/* test-thread: threads in one task. Several threads making RPCs at once, each
 * with its own MIG reply port; thread_get_state/thread_set_state; thread_info;
 * priorities (the more urgent thread runs first, depression, limits);
 * preemption of busy threads; thread_suspend/thread_resume; thread_abort of a
 * blocked receive and send; thread_terminate of threads blocked anywhere; and
 * that starting and ending threads leaves nothing behind in the kernel. */
#include "guest-check.h"
#include <sm/traps.h>
#include <sm/threads.h>
#include <mach/mig_errors.h>
#include <mach/mig_support.h>
#include <mach/task_info.h>
#include <mach/thread_info.h>
#include <mach/thread_status.h>
#include <mach/thread_switch.h>
#include "mach.h"
#include "mach_host.h"
#include "mach_port.h"
#include "gnumach.h"
#include "smhost.h"

#define USER_CS 0x17                    /* LDT entry 2, as GNU Mach */
#define USER_DS 0x1f                    /* LDT entry 3 */

static mach_port_t self, host;


static mach_port_t new_port(void)
{
	mach_port_t p = MACH_PORT_NULL;
	CHECK_EQ(mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &p), KERN_SUCCESS);
	return p;
}

struct note { mach_msg_header_t head; mach_msg_type_t type; uint32_t value; };

/* From any thread: a one-word message, sent with the raw trap (no reply port). */
static void notify(mach_port_t to, uint32_t value)
{
	struct note m = { { MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0), sizeof m, to, { 0 }, 0, 100 },
			  { MACH_MSG_TYPE_INTEGER_32, 32, 1, 1, 0, 0, 0 }, value };
	mach_msg_trap(&m.head, MACH_SEND_MSG, sizeof m, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
}

static mach_msg_return_t wait_note(mach_port_t on, uint32_t *value, uint32_t timeout)
{
	struct note m;
	memset(&m, 0, sizeof m);
	mach_msg_return_t mr = mach_msg(&m.head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof m, on, timeout, 0);
	*value = m.value;
	return mr;
}

static void wait_until_blocked(mach_port_t th)
{
	CHECK(thread_blocks(th), "thread state %d, not waiting", thread_run_state(th));
}

/* --- Several threads doing RPCs at once ---------------------------------- */

#define RPC_THREADS 4
#define RPC_ROUNDS 300

struct rpc_worker {
	mach_port_t reply, thread;
	int ok, bad;
};
static struct rpc_worker workers[RPC_THREADS];

static void rpc_worker(void *arg)
{
	struct rpc_worker *w = arg;
	w->reply = mig_get_reply_port();
	w->thread = smrt_thread_self();
	for (int i = 0; i < RPC_ROUNDS; i++) {
		struct thread_basic_info bi;
		mach_msg_type_number_t n = THREAD_BASIC_INFO_COUNT;
		uint64_t up = 0;
		if (thread_info(w->thread, THREAD_BASIC_INFO, (thread_info_t)&bi, &n) == KERN_SUCCESS &&
		    n == THREAD_BASIC_INFO_COUNT && bi.run_state == TH_STATE_RUNNING &&
		    sm_host_uptime(host, &up) == KERN_SUCCESS && up > 0)
			w->ok++;
		else
			w->bad++;
		if (i % 50 == 0)
			swtch();              /* mix the threads' RPCs */
	}
}

static void test_parallel_rpcs(void)
{
	mach_port_t th[RPC_THREADS];
	for (int i = 0; i < RPC_THREADS; i++)
		CHECK_EQ(smrt_thread_start(rpc_worker, &workers[i], NULL, 0, &th[i]), KERN_SUCCESS);
	/* The main thread keeps making RPCs meanwhile. */
	int ok = 0;
	for (int i = 0; i < RPC_ROUNDS; i++) {
		struct task_basic_info bi;
		mach_msg_type_number_t n = TASK_BASIC_INFO_COUNT;
		ok += task_info(self, TASK_BASIC_INFO, (task_info_t)&bi, &n) == KERN_SUCCESS;
	}
	CHECK_EQ(ok, RPC_ROUNDS);
	for (int i = 0; i < RPC_THREADS; i++)
		CHECK_EQ(smrt_thread_join(th[i]), KERN_SUCCESS);
	mach_port_t main_reply = mig_get_reply_port();
	for (int i = 0; i < RPC_THREADS; i++) {
		CHECK_EQ(workers[i].ok, RPC_ROUNDS);
		CHECK_EQ(workers[i].bad, 0);
		CHECK(workers[i].reply != main_reply && MACH_PORT_VALID(workers[i].reply), "worker %d reply port %u", i,
		      workers[i].reply);
		for (int j = 0; j < i; j++)
			CHECK(workers[i].reply != workers[j].reply, "workers %d and %d share reply port %u", i, j,
			      workers[i].reply);
		/* Its reply port went with it. */
		mach_port_type_t t = 0;
		CHECK_EQ(mach_port_type(self, workers[i].reply, &t), KERN_INVALID_NAME);
	}
	CHECK_EQ(smrt_thread_self(), mach_thread_self());
}

/* --- thread_get_state / thread_set_state --------------------------------- */

static volatile uint32_t seen_regs[7];

/* Stores the registers it starts with, then reports on the port in %ebx and
 * waits to be terminated. */
void regs_probe(void);
void regs_probe_report(void) __attribute__((used, noreturn));
__asm__(".text\n.globl regs_probe\nregs_probe:\n"
	"\tmovl %eax, seen_regs\n"
	"\tmovl %ebx, seen_regs+4\n"
	"\tmovl %ecx, seen_regs+8\n"
	"\tmovl %edx, seen_regs+12\n"
	"\tmovl %esi, seen_regs+16\n"
	"\tmovl %edi, seen_regs+20\n"
	"\tmovl %ebp, seen_regs+24\n"
	"\tandl $-16, %esp\n"
	"\tcall regs_probe_report\n");

void regs_probe_report(void)
{
	notify(seen_regs[1], 7);
	for (;;)
		smrt_sleep_ms(1000);
}

static uint8_t probe_stack[8192] __attribute__((aligned(16)));

static void test_state(void)
{
	mach_port_t th = MACH_PORT_NULL, port = new_port();
	CHECK_EQ(thread_create(self, &th), KERN_SUCCESS);
	struct i386_thread_state st, back;
	mach_msg_type_number_t n = i386_THREAD_STATE_COUNT;
	CHECK_EQ(thread_get_state(th, i386_THREAD_STATE, (thread_state_t)&st, &n), KERN_SUCCESS);
	CHECK_EQ(n, i386_THREAD_STATE_COUNT);
	CHECK_EQ(st.cs, USER_CS);
	CHECK_EQ(st.ss, USER_DS);
	CHECK_EQ(st.ds, USER_DS);
	CHECK_EQ(st.eip, 0);
	CHECK(st.efl & 0x200, "interrupts on in a new thread: eflags %x", st.efl);
	CHECK_EQ(thread_run_state(th), TH_STATE_STOPPED);    /* a new thread is suspended */

	st.eax = 0x11111111;
	st.ebx = port;
	st.ecx = 0x33333333;
	st.edx = 0x44444444;
	st.esi = 0x55555555;
	st.edi = 0x66666666;
	st.ebp = 0x77777777;
	st.eip = (uintptr_t)regs_probe;
	st.uesp = (uintptr_t)(probe_stack + sizeof probe_stack - 16);
	st.efl |= 0x1;                                /* CF is kept */
	CHECK_EQ(thread_set_state(th, i386_THREAD_STATE, (thread_state_t)&st, i386_THREAD_STATE_COUNT), KERN_SUCCESS);
	n = i386_THREAD_STATE_COUNT;
	CHECK_EQ(thread_get_state(th, i386_REGS_SEGS_STATE, (thread_state_t)&back, &n), KERN_SUCCESS);
	CHECK(back.eax == st.eax && back.ebx == st.ebx && back.ecx == st.ecx && back.edx == st.edx &&
	      back.esi == st.esi && back.edi == st.edi && back.ebp == st.ebp && back.eip == st.eip &&
	      back.uesp == st.uesp, "state round trip");
	CHECK_EQ(back.efl & 0x3201, 0x201);

	/* Refused states. */
	struct i386_thread_state bad = back;
	bad.cs = 0x08;                                /* kernel code */
	CHECK_EQ(thread_set_state(th, i386_THREAD_STATE, (thread_state_t)&bad, i386_THREAD_STATE_COUNT), KERN_INVALID_ARGUMENT);
	bad = back;
	bad.ds = 0x10;
	CHECK_EQ(thread_set_state(th, i386_THREAD_STATE, (thread_state_t)&bad, i386_THREAD_STATE_COUNT), KERN_INVALID_ARGUMENT);
	bad = back;
	bad.efl |= 0x3000;                            /* IOPL 3 (test-hostile-cpu tries the rest) */
	CHECK_EQ(thread_set_state(th, i386_THREAD_STATE, (thread_state_t)&bad, i386_THREAD_STATE_COUNT), KERN_INVALID_ARGUMENT);
	CHECK_EQ(thread_set_state(th, i386_THREAD_STATE, (thread_state_t)&back, 5), KERN_INVALID_ARGUMENT);
	CHECK_EQ(thread_set_state(th, i386_FLOAT_STATE, (thread_state_t)&back, i386_THREAD_STATE_COUNT), KERN_INVALID_ARGUMENT);
	n = 4;
	CHECK_EQ(thread_get_state(th, i386_THREAD_STATE, (thread_state_t)&back, &n), KERN_INVALID_ARGUMENT);

	/* It runs with the registers it was given. */
	CHECK_EQ(thread_resume(th), KERN_SUCCESS);
	uint32_t v = 0;
	CHECK_EQ(wait_note(port, &v, 5000), MACH_MSG_SUCCESS);
	CHECK_EQ(v, 7);
	CHECK(seen_regs[0] == 0x11111111 && seen_regs[1] == port && seen_regs[2] == 0x33333333 &&
	      seen_regs[3] == 0x44444444 && seen_regs[4] == 0x55555555 && seen_regs[5] == 0x66666666 &&
	      seen_regs[6] == 0x77777777, "registers at start: %x %x %x %x %x %x %x", seen_regs[0], seen_regs[1],
	      seen_regs[2], seen_regs[3], seen_regs[4], seen_regs[5], seen_regs[6]);
	CHECK_EQ(thread_terminate(th), KERN_SUCCESS);
	CHECK_EQ(smrt_thread_join(th), KERN_SUCCESS);

	/* Our own state: we are in this function, on our stack. */
	n = i386_THREAD_STATE_COUNT;
	CHECK_EQ(thread_get_state(mach_thread_self(), i386_THREAD_STATE, (thread_state_t)&st, &n), KERN_SUCCESS);
	uintptr_t sp = (uintptr_t)&st;
	CHECK(st.uesp < sp && st.uesp + 16384 > sp, "own user esp %x just below %x", st.uesp, (unsigned)sp);
	CHECK(st.eip >= 0x400000 && st.eip < 0x800000, "own eip %x in the text", st.eip);
	mach_port_destroy(self, port);
}

static void test_thread_info(void)
{
	mach_port_t me = mach_thread_self();
	struct thread_basic_info bi;
	mach_msg_type_number_t n = THREAD_BASIC_INFO_COUNT;
	CHECK_EQ(thread_info(me, THREAD_BASIC_INFO, (thread_info_t)&bi, &n), KERN_SUCCESS);
	CHECK_EQ(n, THREAD_BASIC_INFO_COUNT);
	CHECK_EQ(bi.run_state, TH_STATE_RUNNING);
	CHECK_EQ(bi.base_priority, 16);
	CHECK_EQ(bi.cur_priority, 16);
	CHECK_EQ(bi.suspend_count, 0);
	CHECK(bi.user_time.seconds > 0 || bi.user_time.microseconds > 0, "some run time");
	struct thread_sched_info si;
	n = THREAD_SCHED_INFO_COUNT;
	CHECK_EQ(thread_info(me, THREAD_SCHED_INFO, (thread_info_t)&si, &n), KERN_SUCCESS);
	CHECK_EQ(si.policy, POLICY_TIMESHARE);
	CHECK_EQ(si.max_priority, 16);
	CHECK_EQ(si.depress_priority, -1);
	n = 3;
	CHECK_EQ(thread_info(me, THREAD_BASIC_INFO, (thread_info_t)&bi, &n), KERN_INVALID_ARGUMENT);
	n = THREAD_BASIC_INFO_COUNT;
	CHECK_EQ(thread_info(me, 42, (thread_info_t)&bi, &n), KERN_INVALID_ARGUMENT);
	CHECK_EQ(thread_info(self, THREAD_BASIC_INFO, (thread_info_t)&bi, &n), KERN_INVALID_ARGUMENT);
}

/* --- Priorities and preemption ------------------------------------------- */

static mach_port_t order_port;

static void report_and_end(void *arg) { notify(order_port, (uint32_t)(uintptr_t)arg); }

static int priority_of(mach_port_t th)
{
	struct thread_basic_info bi;
	mach_msg_type_number_t n = THREAD_BASIC_INFO_COUNT;
	thread_info(th, THREAD_BASIC_INFO, (thread_info_t)&bi, &n);
	return bi.cur_priority;
}

static void test_priorities(void)
{
	mach_port_t me = mach_thread_self();
	CHECK_EQ(thread_priority(me, 40, FALSE), KERN_INVALID_ARGUMENT);
	CHECK_EQ(thread_priority(me, -1, FALSE), KERN_INVALID_ARGUMENT);
	CHECK_EQ(thread_priority(me, 10, FALSE), KERN_FAILURE);   /* beyond its maximum */
	CHECK_EQ(priority_of(me), 16);
	CHECK_EQ(thread_priority(self, 20, FALSE), KERN_INVALID_ARGUMENT);

	/* New threads start at the task's priority; while they are less urgent
	 * than we are they do not run, whatever order they were started in. */
	order_port = new_port();
	CHECK_EQ(task_priority(self, 18, FALSE), KERN_SUCCESS);
	mach_port_t low, high;
	CHECK_EQ(smrt_thread_start(report_and_end, (void *)1, NULL, 0, &low), KERN_SUCCESS);
	CHECK_EQ(smrt_thread_start(report_and_end, (void *)2, NULL, 0, &high), KERN_SUCCESS);
	CHECK_EQ(priority_of(low), 18);
	CHECK_EQ(thread_priority(low, 24, FALSE), KERN_SUCCESS);
	CHECK_EQ(thread_priority(high, 20, FALSE), KERN_SUCCESS);
	CHECK_EQ(priority_of(low), 24);
	uint32_t first = 0, second = 0;
	CHECK_EQ(wait_note(order_port, &first, 5000), MACH_MSG_SUCCESS);
	CHECK_EQ(wait_note(order_port, &second, 5000), MACH_MSG_SUCCESS);
	CHECK(first == 2 && second == 1, "the more urgent thread ran first: %u then %u", first, second);
	CHECK_EQ(smrt_thread_join(low), KERN_SUCCESS);
	CHECK_EQ(smrt_thread_join(high), KERN_SUCCESS);

	/* A lowered maximum holds. */
	mach_port_t t;
	CHECK_EQ(thread_create(self, &t), KERN_SUCCESS);
	CHECK_EQ(thread_priority(t, 22, TRUE), KERN_SUCCESS);
	CHECK_EQ(thread_priority(t, 19, FALSE), KERN_FAILURE);
	CHECK_EQ(priority_of(t), 22);
	CHECK_EQ(thread_terminate(t), KERN_SUCCESS);      /* never ran */
	CHECK_EQ(smrt_thread_join(t), KERN_SUCCESS);
	CHECK_EQ(task_priority(self, 16, FALSE), KERN_SUCCESS);
	CHECK_EQ(task_priority(self, 3, FALSE), KERN_INVALID_ARGUMENT);
	mach_port_destroy(self, order_port);
}

static volatile uint32_t spins[2];
static volatile int stop_spinning;

static void spinner(void *arg)
{
	volatile uint32_t *count = arg;
	while (!stop_spinning)
		(*count)++;
}

static void test_preemption(void)
{
	/* Two busy threads less urgent than us: while we sleep both progress,
	 * which only preemption at the end of a quantum allows. */
	mach_port_t a, b;
	stop_spinning = 0;
	CHECK_EQ(task_priority(self, 18, FALSE), KERN_SUCCESS);
	CHECK_EQ(smrt_thread_start(spinner, (void *)&spins[0], NULL, 0, &a), KERN_SUCCESS);
	CHECK_EQ(smrt_thread_start(spinner, (void *)&spins[1], NULL, 0, &b), KERN_SUCCESS);
	CHECK_EQ(task_priority(self, 16, FALSE), KERN_SUCCESS);
	smrt_sleep_ms(200);
	uint32_t s0 = spins[0], s1 = spins[1];
	CHECK(s0 > 1000 && s1 > 1000, "both busy threads ran: %u and %u", s0, s1);
	/* And we preempt them: we woke up. Suspend one: it stops. */
	CHECK_EQ(thread_suspend(a), KERN_SUCCESS);
	CHECK_EQ(thread_run_state(a), TH_STATE_STOPPED);
	smrt_sleep_ms(20);
	s0 = spins[0];
	s1 = spins[1];
	smrt_sleep_ms(50);
	CHECK(spins[0] == s0, "a suspended thread does not run: %u -> %u", s0, spins[0]);
	CHECK(spins[1] > s1, "the other one does: %u -> %u", s1, spins[1]);
	CHECK_EQ(thread_resume(a), KERN_SUCCESS);
	CHECK_EQ(thread_resume(a), KERN_FAILURE);
	/* It runs again within a few quanta. On a loaded host QEMU may deliver
	 * a sleep's worth of ticks in one burst, waking us before the other
	 * busy thread's quantum has ended, so wait for the progress itself
	 * (bounded) rather than for a fixed time. */
	for (int i = 0; i < 200 && spins[0] == s0; i++)
		smrt_sleep_ms(10);
	CHECK(spins[0] > s0, "resumed: %u -> %u", s0, spins[0]);

	/* Depressed for 30 ms, we let a busy less urgent thread run until the
	 * depression ends. */
	struct thread_sched_info si;
	mach_msg_type_number_t n = THREAD_SCHED_INFO_COUNT;
	uint64_t t0 = 0, t1 = 0;
	CHECK_EQ(thread_suspend(b), KERN_SUCCESS);
	s0 = spins[0];
	sm_host_uptime(host, &t0);
	thread_switch(MACH_PORT_NULL, SWITCH_OPTION_DEPRESS, 30);
	sm_host_uptime(host, &t1);
	CHECK(spins[0] > s0, "a depressed thread yields to less urgent ones: %u -> %u", s0, spins[0]);
	CHECK(t1 - t0 >= 29000000 && t1 - t0 < 1000000000, "depressed for %u us", (unsigned)((t1 - t0) / 1000));
	CHECK_EQ(thread_info(mach_thread_self(), THREAD_SCHED_INFO, (thread_info_t)&si, &n), KERN_SUCCESS);
	CHECK_EQ(si.cur_priority, 16);
	/* With nothing else ready it runs on, depressed, until told otherwise. */
	CHECK_EQ(thread_suspend(a), KERN_SUCCESS);
	thread_switch(MACH_PORT_NULL, SWITCH_OPTION_DEPRESS, 10000);
	n = THREAD_SCHED_INFO_COUNT;
	CHECK_EQ(thread_info(mach_thread_self(), THREAD_SCHED_INFO, (thread_info_t)&si, &n), KERN_SUCCESS);
	CHECK_EQ(si.cur_priority, 31);
	CHECK_EQ(si.depress_priority, 16);
	CHECK_EQ(thread_depress_abort(mach_thread_self()), KERN_SUCCESS);
	n = THREAD_SCHED_INFO_COUNT;
	CHECK_EQ(thread_info(mach_thread_self(), THREAD_SCHED_INFO, (thread_info_t)&si, &n), KERN_SUCCESS);
	CHECK_EQ(si.cur_priority, 16);
	CHECK_EQ(si.depress_priority, -1);
	CHECK_EQ(thread_resume(a), KERN_SUCCESS);
	CHECK_EQ(thread_resume(b), KERN_SUCCESS);

	stop_spinning = 1;
	CHECK_EQ(smrt_thread_join(a), KERN_SUCCESS);
	CHECK_EQ(smrt_thread_join(b), KERN_SUCCESS);
}

/* --- thread_abort and thread_terminate of blocked threads ---------------- */

static mach_port_t abort_empty, abort_full, abort_results;

static void aborted_twice(void *arg)
{
	(void)arg;
	mach_msg_header_t buf[8];
	/* A receive nobody will satisfy: thread_abort ends it. */
	mach_msg_return_t mr = mach_msg_trap(buf, MACH_RCV_MSG, 0, sizeof buf, abort_empty, 0, MACH_PORT_NULL);
	notify(abort_results, mr);
	/* A send to a full queue: thread_abort ends it too. */
	mach_msg_header_t h = { MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0), sizeof h, abort_full, { 0 }, 0, 5 };
	mr = mach_msg_trap(&h, MACH_SEND_MSG, sizeof h, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
	notify(abort_results, mr);
}

/* The library's mach_msg (servers/runtime: the trap in traps.S, the retry
 * rules in mach_msg_resume) restarts an aborted receive, and an aborted
 * send, unless asked not to. */
static mach_port_t retry_port, retry_results;

static void retried_receive(void *arg)
{
	struct note m;
	memset(&m, 0, sizeof m);
	mach_msg_option_t option = MACH_RCV_MSG | (arg ? MACH_RCV_INTERRUPT : 0);
	mach_msg_return_t mr = mach_msg(&m.head, option, 0, sizeof m, retry_port, 0, MACH_PORT_NULL);
	notify(retry_results, mr == MACH_MSG_SUCCESS ? m.value : (uint32_t)mr);
}

static void retried_send(void *arg)
{
	(void)arg;
	mach_msg_header_t h = { MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0), sizeof h, retry_port, { 0 }, 0, 77 };
	notify(retry_results, mach_msg(&h, MACH_SEND_MSG, sizeof h, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL));
}

static void test_abort_library_retry(void)
{
	retry_port = new_port();
	retry_results = new_port();
	mach_port_t th;
	uint32_t v = 0;
	/* Aborted, the receive is made again: it ends only with the message. */
	CHECK_EQ(smrt_thread_start(retried_receive, NULL, NULL, 0, &th), KERN_SUCCESS);
	wait_until_blocked(th);
	CHECK_EQ(thread_abort(th), KERN_SUCCESS);
	CHECK_EQ(wait_note(retry_results, &v, 50), MACH_RCV_TIMED_OUT);   /* still receiving */
	wait_until_blocked(th);
	notify(retry_port, 4242);
	CHECK_EQ(wait_note(retry_results, &v, 5000), MACH_MSG_SUCCESS);
	CHECK_EQ(v, 4242);
	CHECK_EQ(smrt_thread_join(th), KERN_SUCCESS);
	/* With MACH_RCV_INTERRUPT the caller sees the interruption. */
	CHECK_EQ(smrt_thread_start(retried_receive, (void *)1, NULL, 0, &th), KERN_SUCCESS);
	wait_until_blocked(th);
	CHECK_EQ(thread_abort(th), KERN_SUCCESS);
	CHECK_EQ(wait_note(retry_results, &v, 5000), MACH_MSG_SUCCESS);
	CHECK_EQ(v, MACH_RCV_INTERRUPTED);
	CHECK_EQ(smrt_thread_join(th), KERN_SUCCESS);
	/* A send to a full queue, aborted, is sent again once there is room. */
	for (int i = 0; i < 5; i++)                  /* fill the queue (limit 5) */
		notify(retry_port, i);
	CHECK_EQ(smrt_thread_start(retried_send, NULL, NULL, 0, &th), KERN_SUCCESS);
	wait_until_blocked(th);
	CHECK_EQ(thread_abort(th), KERN_SUCCESS);
	CHECK_EQ(wait_note(retry_results, &v, 50), MACH_RCV_TIMED_OUT);   /* still sending */
	wait_until_blocked(th);
	CHECK_EQ(wait_note(retry_port, &v, 0), MACH_MSG_SUCCESS);         /* room for one */
	CHECK_EQ(wait_note(retry_results, &v, 5000), MACH_MSG_SUCCESS);
	CHECK_EQ(v, MACH_MSG_SUCCESS);
	CHECK_EQ(smrt_thread_join(th), KERN_SUCCESS);
	int queued = 0;
	struct note m;
	for (;;) {
		memset(&m, 0, sizeof m);
		if (mach_msg(&m.head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof m, retry_port, 0, 0) != MACH_MSG_SUCCESS)
			break;
		queued++;
		CHECK(queued < 5 || m.head.msgh_id == 77, "the last message is not the retried send (id %d)",
		      m.head.msgh_id);
	}
	CHECK_EQ(queued, 5);                         /* four notes and the send, once */
	mach_port_destroy(self, retry_port);
	mach_port_destroy(self, retry_results);
}

static void test_abort(void)
{
	abort_empty = new_port();
	abort_full = new_port();
	abort_results = new_port();
	for (int i = 0; i < 5; i++) {                 /* fill the queue (limit 5) */
		mach_msg_header_t h = { MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0), sizeof h, abort_full, { 0 }, 0, i };
		CHECK_EQ(mach_msg(&h, MACH_SEND_MSG | MACH_SEND_TIMEOUT, sizeof h, 0, 0, 0, 0), MACH_MSG_SUCCESS);
	}
	mach_port_t th;
	CHECK_EQ(smrt_thread_start(aborted_twice, NULL, NULL, 0, &th), KERN_SUCCESS);
	uint32_t v = 0;
	wait_until_blocked(th);
	CHECK_EQ(thread_abort(th), KERN_SUCCESS);
	CHECK_EQ(wait_note(abort_results, &v, 5000), MACH_MSG_SUCCESS);
	CHECK_EQ(v, MACH_RCV_INTERRUPTED);
	wait_until_blocked(th);
	CHECK_EQ(thread_abort(th), KERN_SUCCESS);
	CHECK_EQ(wait_note(abort_results, &v, 5000), MACH_MSG_SUCCESS);
	CHECK_EQ(v, MACH_SEND_INTERRUPTED);
	CHECK_EQ(smrt_thread_join(th), KERN_SUCCESS);
	CHECK_EQ(thread_abort(mach_thread_self()), KERN_SUCCESS);   /* nothing to abort */
	mach_port_destroy(self, abort_empty);
	mach_port_destroy(self, abort_full);
	mach_port_destroy(self, abort_results);
}

enum block_how { BLOCK_RECEIVE, BLOCK_SEND, BLOCK_TIMED, BLOCK_SWITCH, BLOCK_SUSPENDED };
static mach_port_t block_port;

static void blocker(void *arg)
{
	mach_msg_header_t buf[8];
	switch ((int)(uintptr_t)arg) {
	case BLOCK_RECEIVE:
		mach_msg(buf, MACH_RCV_MSG, 0, sizeof buf, block_port, 0, 0);
		break;
	case BLOCK_SEND:
		for (int i = 0;; i++) {
			mach_msg_header_t h = { MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0), sizeof h, block_port, { 0 }, 0, i };
			mach_msg(&h, MACH_SEND_MSG, sizeof h, 0, 0, 0, 0);
		}
	case BLOCK_TIMED:
		mach_msg(buf, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof buf, block_port, 60000, 0);
		break;
	case BLOCK_SWITCH:
		thread_switch(MACH_PORT_NULL, SWITCH_OPTION_WAIT, 60000);
		break;
	case BLOCK_SUSPENDED:
		thread_suspend(mach_thread_self());
		break;
	}
	notify(block_port, 0xdead);               /* never reached */
}

static void terminate_blocked(int how)
{
	block_port = new_port();
	mach_port_t th;
	CHECK_EQ(smrt_thread_start(blocker, (void *)(uintptr_t)how, NULL, 0, &th), KERN_SUCCESS);
	if (how == BLOCK_SUSPENDED) {
		for (int i = 0; i < 1000 && thread_run_state(th) != TH_STATE_STOPPED; i++)
			smrt_sleep_ms(1);
		CHECK_EQ(thread_run_state(th), TH_STATE_STOPPED);
	} else {
		wait_until_blocked(th);
	}
	CHECK_EQ(thread_terminate(th), KERN_SUCCESS);
	CHECK_EQ(smrt_thread_join(th), KERN_SUCCESS);
	mach_port_status_t st;
	CHECK_EQ(mach_port_get_receive_status(self, block_port, &st), KERN_SUCCESS);
	CHECK_EQ(st.mps_msgcount, how == BLOCK_SEND ? 5 : 0);
	mach_port_destroy(self, block_port);
}

static void start_and_end(void *arg) { (void)arg; }

static void test_terminate_and_leaks(void)
{
	natural_t b[4], a[4];
	for (int round = 0; round < 3; round++) {
		if (round == 2)
			CHECK_EQ(sm_kernel_stats(host, &b[0], &b[1], &b[2], &b[3]), KERN_SUCCESS);
		for (int how = BLOCK_RECEIVE; how <= BLOCK_SUSPENDED; how++)
			terminate_blocked(how);
		mach_port_t th[8];
		for (int i = 0; i < 8; i++)
			CHECK_EQ(smrt_thread_start(start_and_end, NULL, NULL, 0, &th[i]), KERN_SUCCESS);
		for (int i = 0; i < 8; i++)
			CHECK_EQ(smrt_thread_join(th[i]), KERN_SUCCESS);
	}
	CHECK_EQ(sm_kernel_stats(host, &a[0], &a[1], &a[2], &a[3]), KERN_SUCCESS);
	printf("test-thread: kernel after a round of threads: free pages %u -> %u, heap %u -> %u, ports %u -> %u\n",
	       b[0], a[0], b[1], a[1], b[2], a[2]);
	/* Our own address space may keep a page table more, depending on where
	 * stacks happened to go; anything else is a leak. */
	CHECK(a[0] + 2 >= b[0] && a[0] <= b[0], "free pages %u -> %u", b[0], a[0]);
	CHECK_EQ(a[1], b[1]);
	CHECK_EQ(a[2], b[2]);
	/* Only we are left. */
	thread_array_t list = 0;
	mach_msg_type_number_t count = 0;
	CHECK_EQ(task_threads(self, &list, &count), KERN_SUCCESS);
	CHECK_EQ(count, 1);
	mach_port_t *threads = ((mach_port_t *)(list));
	for (mach_msg_type_number_t i = 0; threads && i < count; i++)
		mach_port_deallocate(self, threads[i]);
	if (threads)
		vm_deallocate(self, (vm_address_t)threads, count * sizeof *threads);
}

/* Measured for the report: a null RPC to the kernel, and a thread's life. */
static void measure(void)
{
	uint64_t t0 = 0, t1 = 0;
	struct thread_basic_info bi;
	mach_msg_type_number_t n;
	mach_port_t me = mach_thread_self();
	sm_host_uptime(host, &t0);
	for (int i = 0; i < 1000; i++) {
		n = THREAD_BASIC_INFO_COUNT;
		thread_info(me, THREAD_BASIC_INFO, (thread_info_t)&bi, &n);
	}
	sm_host_uptime(host, &t1);
	printf("test-thread: thread_info round trip %u ns\n", (unsigned)((t1 - t0) / 1000));
	sm_host_uptime(host, &t0);
	for (int i = 0; i < 100; i++) {
		mach_port_t th;
		smrt_thread_start(start_and_end, NULL, NULL, 0, &th);
		smrt_thread_join(th);
	}
	sm_host_uptime(host, &t1);
	printf("test-thread: thread start + end + join %u us\n", (unsigned)((t1 - t0) / 100000));
	sm_host_uptime(host, &t0);
	for (int i = 0; i < 1000; i++)
		thread_switch(MACH_PORT_NULL, SWITCH_OPTION_NONE, 0);
	sm_host_uptime(host, &t1);
	printf("test-thread: thread_switch trap %u ns\n", (unsigned)((t1 - t0) / 1000));
}

int main(void)
{
	self = mach_task_self();
	host = mach_host_self();
	test_thread_info();
	test_parallel_rpcs();
	test_state();
	test_priorities();
	test_preemption();
	test_abort();
	test_abort_library_retry();
	test_terminate_and_leaks();
	measure();
	return guest_summary("test-thread");
}
