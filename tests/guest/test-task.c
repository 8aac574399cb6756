/* test-task: tasks from user space (task_create with and without a copy of
 * the parent's memory, threads started in another task, special ports,
 * task_info, suspension, termination of a task blocked anywhere, what its
 * death does to the rights others hold, wrong kinds of ports) and the host
 * interface (host_info, host_kernel_version, host_get_time).
 *
 * A child task made with inherit_memory runs child_main below, a function of
 * this program, on child_stack, in its own copy of this program's memory. It
 * holds no rights but its own task and thread ports, so it is handed a send
 * right to a port of ours as its bootstrap port, which it fetches with
 * task_get_special_port and reports to. What it does is set in child_mode
 * before the copy is made. */
#include "guest-check.h"
#include <sm/traps.h>
#include <sm/threads.h>
#include <mach/mig_errors.h>
#include <mach/task_info.h>
#include <mach/task_special_ports.h>
#include <mach/thread_info.h>
#include <mach/thread_status.h>
#include <mach/thread_switch.h>
#include <mach/host_info.h>
#include "mach.h"
#include "mach_host.h"
#include "mach_port.h"
#include "gnumach.h"
#include "smhost.h"

#define INHERITED_MAGIC 0x5eed1234u

enum child_mode { REPORT_AND_EXIT, REPORT_AND_RECEIVE, REPORT_AND_SPIN, FILL_QUEUE, RECEIVE_TIMEOUT,
		  TWO_THREADS_EXIT, TWO_THREADS_FAULT };

struct report {
	mach_msg_header_t head;
	mach_msg_type_t type;
	uint32_t words[4];            /* kr of task_get_special_port, magic, mode, counter */
	mach_msg_type_t port_type;
	mach_port_t port;             /* a send right to the child's own port, or null */
};

static mach_port_t self, host;
static volatile uint32_t inherited = 0;
static volatile int child_mode;
static uint8_t child_stack[16384] __attribute__((aligned(16)));

static const mach_msg_type_t int32x4 = { MACH_MSG_TYPE_INTEGER_32, 32, 4, 1, 0, 0, 0 };
static const mach_msg_type_t port_make_send = { MACH_MSG_TYPE_MAKE_SEND, 32, 1, 1, 0, 0, 0 };

/* --- The child's side: runs in the new task ---------------------------- */

static mach_msg_return_t child_send(mach_port_t to, uint32_t kr, uint32_t count, mach_port_t mine,
				    mach_msg_option_t extra)
{
	struct report m;
	memset(&m, 0, sizeof m);
	m.head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0) | (mine ? MACH_MSGH_BITS_COMPLEX : 0);
	m.head.msgh_size = sizeof m;
	m.head.msgh_remote_port = to;
	m.head.msgh_id = 4200 + child_mode;
	m.type = int32x4;
	m.words[0] = kr;
	m.words[1] = inherited;
	m.words[2] = child_mode;
	m.words[3] = count;
	m.port_type = port_make_send;
	m.port = mine;
	return mach_msg_trap(&m.head, MACH_SEND_MSG | extra, sizeof m, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
}

/* A second thread in the child, blocked in a receive when its task ends. */
static void child_blocker(void *arg)
{
	mach_msg_header_t buf[8];
	for (;;)
		mach_msg_trap(buf, MACH_RCV_MSG, 0, sizeof buf, (mach_port_t)(uintptr_t)arg, 0, MACH_PORT_NULL);
}

static void __attribute__((noreturn, used)) child_main(void *arg)
{
	(void)arg;
	smrt_task_forked();               /* our names are not the parent's */
	mach_port_t boot = MACH_PORT_NULL, mine = MACH_PORT_NULL;
	kern_return_t kr = task_get_special_port(mach_task_self(), TASK_BOOTSTRAP_PORT, &boot);
	mach_msg_header_t buf[8];
	switch (child_mode) {
	case REPORT_AND_EXIT:
		child_send(boot, kr, 0, MACH_PORT_NULL, 0);
		task_terminate(mach_task_self());
		break;
	case REPORT_AND_RECEIVE:          /* hand out a send right, then wait on it forever */
		mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &mine);
		child_send(boot, kr, 0, mine, 0);
		for (;;)
			mach_msg_trap(buf, MACH_RCV_MSG, 0, sizeof buf, mine, 0, MACH_PORT_NULL);
	case REPORT_AND_SPIN:             /* report as fast as the queue takes it */
		for (uint32_t n = 0;; )
			if (child_send(boot, kr, n, MACH_PORT_NULL, MACH_SEND_TIMEOUT) == MACH_MSG_SUCCESS)
				n++;
	case FILL_QUEUE:                  /* block sending to a full queue */
		for (uint32_t n = 0;; n++)
			child_send(boot, kr, n, MACH_PORT_NULL, 0);
	case TWO_THREADS_EXIT:            /* end (exit, or a fault) with another thread blocked */
	case TWO_THREADS_FAULT:
		mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &mine);
		kr |= smrt_thread_start(child_blocker, (void *)(uintptr_t)mine, NULL, 0, NULL);
		thread_switch(MACH_PORT_NULL, SWITCH_OPTION_WAIT, 20);
		child_send(boot, kr, 0, MACH_PORT_NULL, 0);
		if (child_mode == TWO_THREADS_EXIT)
			exit(3);
		*(volatile int *)0 = 1;
		break;
	case RECEIVE_TIMEOUT:             /* block in a receive with a (long) timeout */
		mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &mine);
		child_send(boot, kr, 0, MACH_PORT_NULL, 0);
		for (;;)
			mach_msg_trap(buf, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof buf, mine, 100000, MACH_PORT_NULL);
	}
	for (;;)
		thread_switch(MACH_PORT_NULL, SWITCH_OPTION_WAIT, 1000);
}

/* --- The parent's side -------------------------------------------------- */

static mach_port_t new_port_with_send(void)
{
	mach_port_t p = MACH_PORT_NULL;
	CHECK_EQ(mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &p), KERN_SUCCESS);
	CHECK_EQ(mach_port_insert_right(self, p, p, MACH_MSG_TYPE_MAKE_SEND), KERN_SUCCESS);
	return p;
}

static mach_msg_return_t receive_report(mach_port_t p, struct report *r, uint32_t timeout)
{
	memset(r, 0, sizeof *r);
	return mach_msg(&r->head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof *r, p, timeout, MACH_PORT_NULL);
}


static mach_port_type_t name_type(mach_port_t name)
{
	mach_port_type_t t = 0;
	if (mach_port_type(self, name, &t) != KERN_SUCCESS)
		return 0;
	return t;
}

/* A child task running child_main in `mode`, reporting to `boot`. */
static mach_port_t start_child(int mode, mach_port_t boot, mach_port_t *thread)
{
	child_mode = mode;
	inherited = INHERITED_MAGIC;
	/* The child's stack, prepared here and copied with the rest: a call
	 * frame for child_main(NULL) with a null return address. */
	uint32_t *sp = (uint32_t *)(child_stack + sizeof child_stack - 20);
	sp[0] = 0;
	sp[1] = 0;
	mach_port_t child = MACH_PORT_NULL, th = MACH_PORT_NULL;
	CHECK_EQ(task_create(self, TRUE, &child), KERN_SUCCESS);
	inherited = 0;                    /* the child keeps the old value */
	CHECK_EQ(task_set_special_port(child, TASK_BOOTSTRAP_PORT, boot), KERN_SUCCESS);
	start_thread_at(child, (uintptr_t)child_main, (uintptr_t)sp, &th);
	if (thread)
		*thread = th;
	else
		mach_port_deallocate(self, th);
	return child;
}

/* After the child task is gone its port is a dead name: release it. */
static void expect_dead_and_release(mach_port_t name, const char *what)
{
	CHECK(name_type(name) & MACH_PORT_TYPE_DEAD_NAME, "%s is not a dead name (type %x)", what, name_type(name));
	mach_msg_header_t h = { MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0), sizeof h, name, { 0 }, 0, 1 };
	CHECK_EQ(mach_msg(&h, MACH_SEND_MSG, sizeof h, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL), MACH_SEND_INVALID_DEST);
	mach_port_deallocate(self, name);
}

static void test_create_inherit(void)
{
	mach_port_t boot = new_port_with_send();
	mach_port_t child = start_child(REPORT_AND_EXIT, boot, NULL);
	struct report r;
	CHECK_EQ(receive_report(boot, &r, 5000), MACH_MSG_SUCCESS);
	CHECK_EQ(r.head.msgh_id, 4200 + REPORT_AND_EXIT);
	CHECK_EQ(r.words[0], KERN_SUCCESS);           /* it found its bootstrap port */
	CHECK_EQ(r.words[1], INHERITED_MAGIC);        /* in its copy of our memory */
	CHECK_EQ(inherited, 0);                       /* ours is our own */
	/* It terminated itself: its port dies. */
	for (int i = 0; i < 500 && !(name_type(child) & MACH_PORT_TYPE_DEAD_NAME); i++)
		smrt_sleep_ms(2);
	expect_dead_and_release(child, "a task that ended itself");
	mach_port_destroy(self, boot);
}

static void test_task_info(void)
{
	struct task_basic_info bi;
	mach_msg_type_number_t n = TASK_BASIC_INFO_COUNT;
	CHECK_EQ(task_info(self, TASK_BASIC_INFO, (task_info_t)&bi, &n), KERN_SUCCESS);
	CHECK_EQ(n, TASK_BASIC_INFO_COUNT);
	CHECK_EQ(bi.suspend_count, 0);
	CHECK_EQ(bi.base_priority, 16);
	CHECK(bi.virtual_size >= 256 * 1024 && bi.virtual_size % 4096 == 0, "virtual size %u", bi.virtual_size);
	CHECK(bi.resident_size > 0 && bi.resident_size % 4096 == 0, "resident size %u", bi.resident_size);
	CHECK(bi.creation_time.seconds >= 0 && bi.creation_time.microseconds < 1000000, "creation time");
	n = TASK_BASIC_INFO_OLD_COUNT;
	CHECK_EQ(task_info(self, TASK_BASIC_INFO, (task_info_t)&bi, &n), KERN_SUCCESS);
	CHECK_EQ(n, TASK_BASIC_INFO_OLD_COUNT);
	n = 3;
	CHECK_EQ(task_info(self, TASK_BASIC_INFO, (task_info_t)&bi, &n), KERN_INVALID_ARGUMENT);
	n = TASK_BASIC_INFO_COUNT;
	CHECK_EQ(task_info(self, 77, (task_info_t)&bi, &n), KERN_INVALID_ARGUMENT);

	struct task_thread_times_info ti;
	n = TASK_THREAD_TIMES_INFO_COUNT;
	CHECK_EQ(task_info(self, TASK_THREAD_TIMES_INFO, (task_info_t)&ti, &n), KERN_SUCCESS);
	CHECK(ti.user_time.seconds >= 0 && ti.user_time.microseconds < 1000000 &&
	      (ti.user_time.seconds > 0 || ti.user_time.microseconds > 0), "run time %d.%06d",
	      ti.user_time.seconds, ti.user_time.microseconds);

	/* A child without our memory has none; one with it has as much as we do. */
	mach_port_t empty = MACH_PORT_NULL, copy = MACH_PORT_NULL;
	struct task_basic_info ours, ci;
	n = TASK_BASIC_INFO_COUNT;
	CHECK_EQ(task_info(self, TASK_BASIC_INFO, (task_info_t)&ours, &n), KERN_SUCCESS);
	CHECK_EQ(task_create(self, FALSE, &empty), KERN_SUCCESS);
	CHECK_EQ(task_create(self, TRUE, &copy), KERN_SUCCESS);
	n = TASK_BASIC_INFO_COUNT;
	CHECK_EQ(task_info(empty, TASK_BASIC_INFO, (task_info_t)&ci, &n), KERN_SUCCESS);
	CHECK_EQ(ci.virtual_size, 0);
	CHECK_EQ(ci.resident_size, 0);
	n = TASK_BASIC_INFO_COUNT;
	CHECK_EQ(task_info(copy, TASK_BASIC_INFO, (task_info_t)&ci, &n), KERN_SUCCESS);
	CHECK_EQ(ci.virtual_size, ours.virtual_size);
	CHECK_EQ(ci.resident_size, ours.resident_size);
	/* task_threads: none in the children, our one thread here. */
	thread_array_t list = 0;
	mach_msg_type_number_t count = 99;
	CHECK_EQ(task_threads(empty, &list, &count), KERN_SUCCESS);
	CHECK_EQ(count, 0);
	count = 0;
	CHECK_EQ(task_threads(self, &list, &count), KERN_SUCCESS);
	CHECK_EQ(count, 1);
	mach_port_t *threads = ((mach_port_t *)(list));
	if (count == 1 && threads) {
		CHECK_EQ(threads[0], mach_thread_self());
		mach_port_deallocate(self, threads[0]);
		vm_deallocate(self, (vm_address_t)threads, sizeof *threads);
	}
	CHECK_EQ(task_set_name(copy, "renamed-child"), KERN_SUCCESS);
	CHECK_EQ(task_terminate(empty), KERN_SUCCESS);
	CHECK_EQ(task_terminate(copy), KERN_SUCCESS);
	expect_dead_and_release(empty, "a terminated task without threads");
	expect_dead_and_release(copy, "a terminated task");
}

static uint32_t drain(mach_port_t p, uint32_t *last)
{
	struct report r;
	uint32_t n = 0;
	while (receive_report(p, &r, 0) == MACH_MSG_SUCCESS) {
		*last = r.words[3];
		n++;
	}
	return n;
}

static void test_suspend_resume(void)
{
	mach_port_t boot = new_port_with_send(), th = MACH_PORT_NULL;
	mach_port_t child = start_child(REPORT_AND_SPIN, boot, &th);
	struct report r;
	CHECK_EQ(receive_report(boot, &r, 5000), MACH_MSG_SUCCESS);   /* it runs */

	CHECK_EQ(task_suspend(child), KERN_SUCCESS);
	struct task_basic_info bi;
	mach_msg_type_number_t n = TASK_BASIC_INFO_COUNT;
	CHECK_EQ(task_info(child, TASK_BASIC_INFO, (task_info_t)&bi, &n), KERN_SUCCESS);
	CHECK_EQ(bi.suspend_count, 1);
	uint32_t last = 0;
	drain(boot, &last);
	smrt_sleep_ms(30);
	CHECK_EQ(drain(boot, &last), 0);              /* stopped: nothing more */
	struct thread_basic_info ti;
	n = THREAD_BASIC_INFO_COUNT;
	CHECK_EQ(thread_info(th, THREAD_BASIC_INFO, (thread_info_t)&ti, &n), KERN_SUCCESS);
	CHECK_EQ(ti.run_state, TH_STATE_STOPPED);
	CHECK_EQ(task_suspend(child), KERN_SUCCESS);  /* counts nest */
	CHECK_EQ(task_resume(child), KERN_SUCCESS);
	smrt_sleep_ms(20);
	CHECK_EQ(drain(boot, &last), 0);              /* still suspended once */
	uint32_t before = last;
	CHECK_EQ(task_resume(child), KERN_SUCCESS);
	CHECK_EQ(receive_report(boot, &r, 5000), MACH_MSG_SUCCESS);
	CHECK(r.words[3] == before + 1, "resumed where it stopped: %u after %u", r.words[3], before);
	CHECK_EQ(task_resume(child), KERN_FAILURE);   /* not suspended */

	/* The same with the thread alone. */
	CHECK_EQ(thread_suspend(th), KERN_SUCCESS);
	n = THREAD_BASIC_INFO_COUNT;
	CHECK_EQ(thread_info(th, THREAD_BASIC_INFO, (thread_info_t)&ti, &n), KERN_SUCCESS);
	CHECK_EQ(ti.suspend_count, 1);
	drain(boot, &last);
	smrt_sleep_ms(30);
	CHECK_EQ(drain(boot, &last), 0);
	CHECK_EQ(thread_resume(th), KERN_SUCCESS);
	CHECK_EQ(receive_report(boot, &r, 5000), MACH_MSG_SUCCESS);
	CHECK_EQ(thread_resume(th), KERN_FAILURE);

	/* Terminating a running task: done when the call returns. */
	CHECK_EQ(task_terminate(child), KERN_SUCCESS);
	expect_dead_and_release(child, "a terminated running task");
	expect_dead_and_release(th, "the thread of a terminated task");
	mach_port_destroy(self, boot);
}

/* A child blocked in a receive, a send to a full queue, or a timed receive:
 * terminating it leaves nothing behind. */
static void terminate_blocked(int mode)
{
	mach_port_t boot = new_port_with_send(), th = MACH_PORT_NULL;
	mach_port_t child = start_child(mode, boot, &th);
	struct report r;
	CHECK_EQ(receive_report(boot, &r, 5000), MACH_MSG_SUCCESS);
	mach_port_t peer = r.port;
	if (mode == REPORT_AND_RECEIVE)
		CHECK(name_type(peer) & MACH_PORT_TYPE_SEND, "send right to the child's port: type %x", name_type(peer));
	/* Wait until it blocks. */
	struct thread_basic_info ti;
	for (int i = 0; i < 500; i++) {
		mach_msg_type_number_t n = THREAD_BASIC_INFO_COUNT;
		CHECK_EQ(thread_info(th, THREAD_BASIC_INFO, (thread_info_t)&ti, &n), KERN_SUCCESS);
		if (ti.run_state == TH_STATE_WAITING)
			break;
		smrt_sleep_ms(2);
	}
	CHECK_EQ(ti.run_state, TH_STATE_WAITING);
	CHECK_EQ(task_terminate(child), KERN_SUCCESS);
	expect_dead_and_release(child, "a terminated blocked task");
	expect_dead_and_release(th, "its thread");
	if (mode == REPORT_AND_RECEIVE)
		expect_dead_and_release(peer, "a port of a terminated task");
	uint32_t last;
	drain(boot, &last);
	mach_port_destroy(self, boot);
}

static void test_terminate_blocked(void)
{
	natural_t b[4], a[4];
	for (int round = 0; round < 3; round++) {
		if (round == 2)
			CHECK_EQ(sm_kernel_stats(host, &b[0], &b[1], &b[2], &b[3]), KERN_SUCCESS);
		terminate_blocked(REPORT_AND_RECEIVE);
		terminate_blocked(FILL_QUEUE);
		terminate_blocked(RECEIVE_TIMEOUT);
	}
	CHECK_EQ(sm_kernel_stats(host, &a[0], &a[1], &a[2], &a[3]), KERN_SUCCESS);
	printf("test-task: kernel after a round of terminations: free pages %u -> %u, heap %u -> %u, ports %u -> %u\n",
	       b[0], a[0], b[1], a[1], b[2], a[2]);
	/* Our own address space may keep a page table more, depending on where
	 * stacks happened to go; anything else is a leak. */
	CHECK(a[0] + 2 >= b[0] && a[0] <= b[0], "free pages %u -> %u", b[0], a[0]);
	CHECK_EQ(a[1], b[1]);
	CHECK_EQ(a[2], b[2]);
}

/* A task whose thread exits or faults while another one is blocked. */
static void test_end_with_blocked_thread(int mode)
{
	mach_port_t boot = new_port_with_send();
	mach_port_t child = start_child(mode, boot, NULL);
	struct report r;
	CHECK_EQ(receive_report(boot, &r, 5000), MACH_MSG_SUCCESS);
	CHECK_EQ(r.words[0], KERN_SUCCESS);
	for (int i = 0; i < 1000 && !(name_type(child) & MACH_PORT_TYPE_DEAD_NAME); i++)
		smrt_sleep_ms(2);
	expect_dead_and_release(child, mode == TWO_THREADS_EXIT ? "a task that exited" : "a task that faulted");
	mach_port_destroy(self, boot);
}

/* Measured for the report. */
static void measure(void)
{
	uint64_t t0 = 0, t1 = 0;
	mach_port_t child;
	sm_host_uptime(host, &t0);
	for (int i = 0; i < 20; i++) {
		task_create(self, FALSE, &child);
		task_terminate(child);
		mach_port_deallocate(self, child);
	}
	sm_host_uptime(host, &t1);
	printf("test-task: task_create (empty) + task_terminate %u us\n", (unsigned)((t1 - t0) / 20000));
	struct task_basic_info bi;
	mach_msg_type_number_t n = TASK_BASIC_INFO_COUNT;
	task_info(self, TASK_BASIC_INFO, (task_info_t)&bi, &n);
	sm_host_uptime(host, &t0);
	for (int i = 0; i < 20; i++) {
		task_create(self, TRUE, &child);
		task_terminate(child);
		mach_port_deallocate(self, child);
	}
	sm_host_uptime(host, &t1);
	printf("test-task: task_create (copy of %u KiB) + task_terminate %u us\n", bi.virtual_size / 1024,
	       (unsigned)((t1 - t0) / 20000));
}

static void test_special_ports(void)
{
	mach_port_t p = MACH_PORT_NULL;
	CHECK_EQ(task_get_special_port(self, TASK_KERNEL_PORT, &p), KERN_SUCCESS);
	CHECK_EQ(p, self);                            /* one name per port */
	mach_port_deallocate(self, p);
	CHECK_EQ(task_get_special_port(self, TASK_BOOTSTRAP_PORT, &p), KERN_SUCCESS);
	CHECK_EQ(p, MACH_PORT_NULL);                  /* a boot task has none */
	CHECK_EQ(task_get_special_port(self, 2, &p), KERN_INVALID_ARGUMENT);
	CHECK_EQ(task_set_special_port(self, TASK_KERNEL_PORT, self), KERN_INVALID_ARGUMENT);
	mach_port_t e = new_port_with_send();
	CHECK_EQ(task_set_special_port(self, TASK_EXCEPTION_PORT, e), KERN_SUCCESS);
	CHECK_EQ(task_get_special_port(self, TASK_EXCEPTION_PORT, &p), KERN_SUCCESS);
	CHECK_EQ(p, e);
	mach_port_deallocate(self, p);
	/* A child inherits it. */
	mach_port_t child = MACH_PORT_NULL;
	CHECK_EQ(task_create(self, FALSE, &child), KERN_SUCCESS);
	CHECK_EQ(task_get_special_port(child, TASK_EXCEPTION_PORT, &p), KERN_SUCCESS);
	CHECK_EQ(p, e);
	mach_port_deallocate(self, p);
	CHECK_EQ(task_terminate(child), KERN_SUCCESS);
	mach_port_deallocate(self, child);
	CHECK_EQ(task_set_special_port(self, TASK_EXCEPTION_PORT, MACH_PORT_NULL), KERN_SUCCESS);
	CHECK_EQ(task_get_special_port(self, TASK_EXCEPTION_PORT, &p), KERN_SUCCESS);
	CHECK_EQ(p, MACH_PORT_NULL);
	mach_port_urefs_t refs = 0;
	CHECK_EQ(mach_port_get_refs(self, e, MACH_PORT_RIGHT_SEND, &refs), KERN_SUCCESS);
	CHECK_EQ(refs, 1);                            /* every copy handed out came back */
	mach_port_destroy(self, e);
}

static void test_bad_ports(void)
{
	mach_port_t thread = mach_thread_self(), p = MACH_PORT_NULL;
	struct task_basic_info bi;
	mach_msg_type_number_t n = TASK_BASIC_INFO_COUNT;
	CHECK_EQ(task_info(thread, TASK_BASIC_INFO, (task_info_t)&bi, &n), KERN_INVALID_ARGUMENT);
	CHECK_EQ(task_suspend(thread), KERN_INVALID_ARGUMENT);
	CHECK_EQ(task_terminate(thread), KERN_INVALID_ARGUMENT);
	CHECK_EQ(task_create(thread, FALSE, &p), KERN_INVALID_ARGUMENT);
	CHECK_EQ(task_create(host, FALSE, &p), KERN_INVALID_ARGUMENT);
	CHECK_EQ(thread_create(thread, &p), KERN_INVALID_ARGUMENT);
	CHECK_EQ(thread_suspend(self), KERN_INVALID_ARGUMENT);
	CHECK_EQ(thread_terminate(self), KERN_INVALID_ARGUMENT);
	CHECK_EQ(task_resume(self), KERN_FAILURE);    /* not suspended */
	integer_t info[HOST_BASIC_INFO_COUNT];
	n = HOST_BASIC_INFO_COUNT;
	CHECK_EQ(host_info(self, HOST_BASIC_INFO, info, &n), KERN_INVALID_HOST);
	CHECK_EQ(host_reboot(thread, 0), KERN_INVALID_HOST);
	CHECK_EQ(host_reboot(host, 0), KERN_INVALID_HOST);     /* the plain host port */
	time_value_t tv;
	CHECK_EQ(host_get_time(self, &tv), KERN_INVALID_HOST);
}

static void test_host(void)
{
	struct host_basic_info bi;
	mach_msg_type_number_t n = HOST_BASIC_INFO_COUNT;
	CHECK_EQ(host_info(host, HOST_BASIC_INFO, (host_info_t)&bi, &n), KERN_SUCCESS);
	CHECK_EQ(n, HOST_BASIC_INFO_COUNT);
	CHECK_EQ(bi.max_cpus, 1);
	CHECK_EQ(bi.avail_cpus, 1);
	CHECK(bi.memory_size >= 200u << 20 && bi.memory_size <= 256u << 20, "memory %u", bi.memory_size);
	CHECK_EQ(bi.cpu_type, CPU_TYPE_PENTIUMPRO);
	struct host_sched_info si;
	n = HOST_SCHED_INFO_COUNT;
	CHECK_EQ(host_info(host, HOST_SCHED_INFO, (host_info_t)&si, &n), KERN_SUCCESS);
	CHECK_EQ(si.min_timeout, 1);
	CHECK_EQ(si.min_quantum, 10);
	integer_t slots[4];
	n = 4;
	CHECK_EQ(host_info(host, HOST_PROCESSOR_SLOTS, slots, &n), KERN_SUCCESS);
	CHECK_EQ(n, 1);
	n = 2;
	CHECK_EQ(host_info(host, HOST_BASIC_INFO, (host_info_t)&bi, &n), KERN_INVALID_ARGUMENT);
	n = HOST_BASIC_INFO_COUNT;
	CHECK_EQ(host_info(host, 99, (host_info_t)&bi, &n), KERN_INVALID_ARGUMENT);

	kernel_version_t version;
	memset(version, 0, sizeof version);
	CHECK_EQ(host_kernel_version(host, version), KERN_SUCCESS);
	CHECK(strncmp(version, "swiftmach", 9) == 0, "kernel version \"%s\"", version);

	time_value_t t0, t1;
	uint64_t up = 0;
	CHECK_EQ(host_get_time(host, &t0), KERN_SUCCESS);
	CHECK_EQ(sm_host_uptime(host, &up), KERN_SUCCESS);
	smrt_sleep_ms(20);
	CHECK_EQ(host_get_time(host, &t1), KERN_SUCCESS);
	int64_t us0 = (int64_t)t0.seconds * 1000000 + t0.microseconds;
	int64_t us1 = (int64_t)t1.seconds * 1000000 + t1.microseconds;
	CHECK(t0.microseconds < 1000000 && t1.microseconds < 1000000, "microseconds in range");
	CHECK(us1 - us0 >= 19000 && us1 - us0 < 2000000, "20 ms sleep took %lld us", (long long)(us1 - us0));
	int64_t skew = (int64_t)(up / 1000) - us0;
	CHECK(skew >= 0 && skew < 100000, "host_get_time is uptime: skew %lld us", (long long)skew);
}

int main(void)
{
	self = mach_task_self();
	host = mach_host_self();
	test_host();
	test_bad_ports();
	test_special_ports();
	test_task_info();
	test_create_inherit();
	test_suspend_resume();
	test_terminate_blocked();
	test_end_with_blocked_thread(TWO_THREADS_EXIT);
	test_end_with_blocked_thread(TWO_THREADS_FAULT);
	measure();
	int status = guest_summary("test-task");
	/* Last: host_reboot halts the machine (the harness sees a clean halt);
	 * it takes the privileged host port, which boot modules hold at name 1. */
	if (status == 0)
		host_reboot(smrt_host_priv_port(), 0x1234);
	return status;
}
