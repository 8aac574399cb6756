/* test-mach-calls: routines and flavors GNU Mach programs rely on, each
 * against what the task can see for itself: mach_port_names agreeing with
 * the rights it holds; the time calls (host_get_time64 and the others of
 * sm/mach_host_ext.defs, host_set_time/host_adjust_time); task_info's
 * TASK_EVENTS_INFO and host_info's HOST_LOAD_INFO; thread_abort followed by
 * thread_set_state (the registers set win over the aborted call's result);
 * i386_FLOAT_STATE round trips through thread_get_state/thread_set_state. */
#include "guest-check.h"
#include <sm/traps.h>
#include <sm/threads.h>
#include <sm/gsync.h>
#include <mach/host_info.h>
#include <mach/task_info.h>
#include <mach/thread_info.h>
#include <mach/thread_status.h>
#include <mach/thread_switch.h>
#include <stdbool.h>
#include "mach.h"
#include "mach_port.h"
#include "mach_host.h"
#include "mach_host_ext.h"
#include "gnumach.h"
#include "smhost.h"
#include <sm/time_page.h>

#define HOST_PRIV 1               /* a boot module's privileged host port */

static mach_port_t self, host;

/* --- mach_port_names --------------------------------------------------- */

struct names { mach_port_t *name; mach_port_type_t *type; mach_msg_type_number_t n; };

static bool get_names(mach_port_t task, struct names *out)
{
	mach_port_name_array_t names = 0;
	mach_port_type_array_t types = 0;
	mach_msg_type_number_t nn = 0, nt = 0;
	kern_return_t kr = mach_port_names(task, &names, &nn, &types, &nt);
	CHECK_EQ(kr, KERN_SUCCESS);
	CHECK_EQ(nn, nt);
	out->name = ((mach_port_t *)(names));
	out->type = ((mach_port_type_t *)(types));
	out->n = nn;
	return kr == KERN_SUCCESS && nn == nt;
}

static void free_names(struct names *l)
{
	if (l->n) {
		vm_deallocate(self, (vm_address_t)l->name, l->n * sizeof *l->name);
		vm_deallocate(self, (vm_address_t)l->type, l->n * sizeof *l->type);
	}
}

/* The type listed for name, or ~0 if it is not listed. */
static mach_port_type_t listed(const struct names *l, mach_port_t name)
{
	for (mach_msg_type_number_t i = 0; i < l->n; i++)
		if (l->name[i] == name)
			return l->type[i];
	return ~0u;
}

static void test_port_names(void)
{
	enum { RECV, SEND_RECV, SET, DEAD, SEND_ONCE, NKINDS, EACH = 3 };
	static const mach_port_type_t want[NKINDS] = {
		MACH_PORT_TYPE_RECEIVE, MACH_PORT_TYPE_SEND_RECEIVE, MACH_PORT_TYPE_PORT_SET,
		MACH_PORT_TYPE_DEAD_NAME, MACH_PORT_TYPE_SEND_ONCE,
	};
	mach_port_t made[NKINDS][EACH];
	for (int i = 0; i < EACH; i++) {
		CHECK_EQ(mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &made[RECV][i]), KERN_SUCCESS);
		CHECK_EQ(mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &made[SEND_RECV][i]), KERN_SUCCESS);
		CHECK_EQ(mach_port_insert_right(self, made[SEND_RECV][i], made[SEND_RECV][i], MACH_MSG_TYPE_MAKE_SEND),
			 KERN_SUCCESS);
		CHECK_EQ(mach_port_allocate(self, MACH_PORT_RIGHT_PORT_SET, &made[SET][i]), KERN_SUCCESS);
		CHECK_EQ(mach_port_allocate(self, MACH_PORT_RIGHT_DEAD_NAME, &made[DEAD][i]), KERN_SUCCESS);
		/* A send-once right to one of our ports, under a name of its own. */
		mach_port_t so = MACH_PORT_NULL;
		mach_msg_type_name_t so_type = 0;
		CHECK_EQ(mach_port_extract_right(self, made[RECV][i], MACH_MSG_TYPE_MAKE_SEND_ONCE, &so, &so_type),
			 KERN_SUCCESS);
		CHECK_EQ(mach_port_insert_right(self, made[RECV][i] + 1000, so, MACH_MSG_TYPE_MOVE_SEND_ONCE),
			 KERN_SUCCESS);
		made[SEND_ONCE][i] = made[RECV][i] + 1000;
	}
	struct names l;
	if (get_names(self, &l)) {
		for (int k = 0; k < NKINDS; k++)
			for (int i = 0; i < EACH; i++)
				CHECK(listed(&l, made[k][i]) == want[k], "name %u: listed type %x, expected %x",
				      made[k][i], listed(&l, made[k][i]), want[k]);
		/* Every listed name is one the task holds, with the type
		 * mach_port_type gives, in ascending order. */
		for (mach_msg_type_number_t i = 0; i < l.n; i++) {
			mach_port_type_t t = 0;
			CHECK_EQ(mach_port_type(self, l.name[i], &t), KERN_SUCCESS);
			CHECK_EQ(t, l.type[i]);
			if (i)
				CHECK(l.name[i] > l.name[i - 1], "names %u then %u", l.name[i - 1], l.name[i]);
		}
		CHECK(l.n >= NKINDS * EACH + 2, "only %u names", l.n);
		free_names(&l);
	}
	/* Gone once destroyed. */
	for (int k = 0; k < NKINDS; k++)
		for (int i = 0; i < EACH; i++)
			CHECK_EQ(mach_port_destroy(self, made[k][i]), KERN_SUCCESS);
	if (get_names(self, &l)) {
		for (int k = 0; k < NKINDS; k++)
			for (int i = 0; i < EACH; i++)
				CHECK(listed(&l, made[k][i]) == ~0u, "destroyed name %u still listed", made[k][i]);
		free_names(&l);
	}
	/* A new task holds no rights at all. */
	mach_port_t child;
	CHECK_EQ(task_create(self, FALSE, &child), KERN_SUCCESS);
	if (get_names(child, &l)) {
		CHECK_EQ(l.n, 0);
		free_names(&l);
	}
	CHECK_EQ(task_terminate(child), KERN_SUCCESS);
	mach_port_deallocate(self, child);
	mach_port_name_array_t n = 0;
	mach_port_type_array_t t = 0;
	mach_msg_type_number_t nn = 0, nt = 0;
	CHECK_EQ(mach_port_names(host, &n, &nn, &t, &nt), KERN_INVALID_TASK);
}

/* --- Time ----------------------------------------------------------------- */

static int64_t ns_of(time_value64_t tv) { return tv.seconds * 1000000000LL + tv.nanoseconds; }

static void test_time(void)
{
	time_value64_t up0, up1, now;
	uint64_t sm_ns = 0;
	CHECK_EQ(host_get_uptime64(host, &up0), KERN_SUCCESS);
	CHECK_EQ(sm_host_uptime(host, &sm_ns), KERN_SUCCESS);
	smrt_sleep_ms(20);
	CHECK_EQ(host_get_uptime64(host, &up1), KERN_SUCCESS);
	CHECK(up0.nanoseconds >= 0 && up0.nanoseconds < 1000000000, "nanoseconds %lld", up0.nanoseconds);
	CHECK(ns_of(up1) - ns_of(up0) >= 20000000, "20 ms of uptime took %lld ns", ns_of(up1) - ns_of(up0));
	CHECK((int64_t)sm_ns >= ns_of(up0) && (int64_t)sm_ns - ns_of(up0) < 50000000, "two uptimes disagree");

	/* Setting needs the privileged port; then both readings follow. */
	time_value64_t when = { 1700000000, 250000000 };
	CHECK_EQ(host_set_time64(host, when), KERN_INVALID_HOST);
	CHECK_EQ(host_set_time64(HOST_PRIV, (time_value64_t){ 1, 1000000000 }), KERN_INVALID_ARGUMENT);
	CHECK_EQ(host_set_time64(HOST_PRIV, when), KERN_SUCCESS);
	CHECK_EQ(host_get_time64(host, &now), KERN_SUCCESS);
	CHECK(ns_of(now) >= ns_of(when) && ns_of(now) - ns_of(when) < 50000000, "time %lld.%09lld after setting",
	      now.seconds, now.nanoseconds);
	time_value_t old_style;
	CHECK_EQ(host_get_time(host, &old_style), KERN_SUCCESS);
	CHECK_EQ(old_style.seconds, 1700000000);
	CHECK_EQ(host_set_time(host, (time_value_t){ 5, 0 }), KERN_INVALID_HOST);
	CHECK_EQ(host_set_time(HOST_PRIV, (time_value_t){ 1800000000, 0 }), KERN_SUCCESS);
	CHECK_EQ(host_get_time64(host, &now), KERN_SUCCESS);
	CHECK_EQ(now.seconds, 1800000000);

	/* An adjustment is absorbed gradually: the clock runs fast, and the
	 * next call gets back what was still pending. */
	time_value64_t old = { -1, -1 };
	CHECK_EQ(host_adjust_time64(host, (time_value64_t){ 1, 0 }, &old), KERN_INVALID_HOST);
	CHECK_EQ(host_adjust_time64(HOST_PRIV, (time_value64_t){ 1, 0 }, &old), KERN_SUCCESS);
	CHECK_EQ(ns_of(old), 0);
	/* The time page gives both clocks in one reading, so the gain is exact:
	 * SM_TIME_ADJTIME_PPM of the uptime, give or take rounding. */
	const volatile struct sm_time_page *page = (const volatile struct sm_time_page *)SM_TIME_PAGE_ADDR;
	struct sm_time_reading r0, r1;
	CHECK(sm_time_page_read(page, false, &r0), "the time page is valid");
	smrt_sleep_ms(200);
	CHECK(sm_time_page_read(page, false, &r1), "the time page is valid");
	int64_t up = (int64_t)(r1.mono_ns - r0.mono_ns), gained = (r1.real_ns - r0.real_ns) - up;
	int64_t expected = up / 1000000 * SM_TIME_ADJTIME_PPM;
	CHECK(up >= 200000000 && gained > expected - 2000 && gained < expected + 2000,
	      "the clock gained %lld ns in %lld ns of uptime (%lld expected)", gained, up, expected);
	CHECK_EQ(host_adjust_time64(HOST_PRIV, (time_value64_t){ 0, 0 }, &old), KERN_SUCCESS);
	CHECK(ns_of(old) > 999000000 && ns_of(old) < 1000000000, "pending %lld ns", ns_of(old));
	time_value_t old32;
	CHECK_EQ(host_adjust_time(HOST_PRIV, (time_value_t){ 0, -500000 }, &old32), KERN_SUCCESS);
	CHECK_EQ(old32.seconds, 0);
	CHECK_EQ(old32.microseconds, 0);
	CHECK_EQ(host_adjust_time(HOST_PRIV, (time_value_t){ 0, 0 }, &old32), KERN_SUCCESS);
	CHECK(old32.seconds == 0 && old32.microseconds <= 0 && old32.microseconds > -500000, "pending %d us",
	      old32.microseconds);
	CHECK_EQ(host_adjust_time64(HOST_PRIV, (time_value64_t){ 100000, 0 }, &old), KERN_INVALID_ARGUMENT);

	/* The version, under both names. */
	kernel_version_t v1;
	new_kernel_version_t v2;
	CHECK_EQ(host_kernel_version(host, v1), KERN_SUCCESS);
	CHECK_EQ(host_get_kernel_version(host, v2), KERN_SUCCESS);
	CHECK(strcmp(v1, v2) == 0 && strncmp(v2, "swiftmach", 9) == 0, "versions '%s' and '%s'", v1, v2);
}

/* --- task_info and host_info flavors --------------------------------------- */

static volatile int stop_spinning;
static void spinner(void *arg) { (void)arg; while (!stop_spinning) ; }

static void test_info_flavors(void)
{
	/* Zero fill on demand: vm_allocate only reserves, so it zero-fills
	 * nothing and resolves no fault; the first touch of each page is one
	 * fault and one zero fill, a second touch of it neither. e2 is written
	 * before the baseline so its copyout touches nothing new. */
	struct task_events_info e0, e1, e2;
	memset(&e2, 0, sizeof e2);
	mach_msg_type_number_t n = TASK_EVENTS_INFO_COUNT;
	CHECK_EQ(task_info(self, TASK_EVENTS_INFO, (task_info_t)&e0, &n), KERN_SUCCESS);
	CHECK_EQ(n, TASK_EVENTS_INFO_COUNT);
	vm_address_t a = 0;
	CHECK_EQ(vm_allocate(self, &a, 4 * 4096, TRUE), KERN_SUCCESS);
	n = TASK_EVENTS_INFO_COUNT;
	CHECK_EQ(task_info(self, TASK_EVENTS_INFO, (task_info_t)&e1, &n), KERN_SUCCESS);
	CHECK_EQ(e1.zero_fills - e0.zero_fills, 0);
	CHECK_EQ(e1.faults - e0.faults, 0);
	/* Between the two task_info calls: the vm_allocate RPC and the first
	 * task_info's own reply (each RPC is one send and one receive). */
	CHECK_EQ(e1.messages_sent - e0.messages_sent, 2);
	CHECK_EQ(e1.messages_received - e0.messages_received, 2);
	volatile char *pages = (volatile char *)a;
	for (int i = 0; i < 4; i++)
		pages[i * 4096 + 100] = (char)(i + 1);      /* first touch: a write */
	for (int i = 0; i < 4; i++)
		CHECK_EQ(pages[i * 4096 + 100], i + 1);     /* backed: no new fault */
	n = TASK_EVENTS_INFO_COUNT;
	CHECK_EQ(task_info(self, TASK_EVENTS_INFO, (task_info_t)&e2, &n), KERN_SUCCESS);
	CHECK_EQ(e2.zero_fills - e1.zero_fills, 4);
	CHECK_EQ(e2.faults - e1.faults, 4);
	CHECK_EQ(e2.cow_faults, 0);
	CHECK_EQ(e2.pageins, 0);
	vm_deallocate(self, a, 4 * 4096);
	n = TASK_EVENTS_INFO_COUNT - 1;
	CHECK_EQ(task_info(self, TASK_EVENTS_INFO, (task_info_t)&e1, &n), KERN_INVALID_ARGUMENT);

	/* Load: two busy threads for a few seconds raise the averages. */
	struct host_load_info li;
	n = HOST_LOAD_INFO_COUNT;
	CHECK_EQ(host_info(host, HOST_LOAD_INFO, (host_info_t)&li, &n), KERN_SUCCESS);
	CHECK_EQ(n, HOST_LOAD_INFO_COUNT);
	for (int i = 0; i < 3; i++)
		CHECK(li.mach_factor[i] >= 0 && li.mach_factor[i] <= LOAD_SCALE, "mach factor %d", li.mach_factor[i]);
	mach_port_t s1, s2;
	stop_spinning = 0;
	CHECK_EQ(smrt_thread_start(spinner, NULL, NULL, 0, &s1), KERN_SUCCESS);
	CHECK_EQ(smrt_thread_start(spinner, NULL, NULL, 0, &s2), KERN_SUCCESS);
	smrt_sleep_ms(3000);
	n = HOST_LOAD_INFO_COUNT;
	CHECK_EQ(host_info(host, HOST_LOAD_INFO, (host_info_t)&li, &n), KERN_SUCCESS);
	stop_spinning = 1;
	CHECK_EQ(smrt_thread_join(s1), KERN_SUCCESS);
	CHECK_EQ(smrt_thread_join(s2), KERN_SUCCESS);
	printf("test-mach-calls: load %d %d %d, mach factor %d %d %d\n", li.avenrun[0], li.avenrun[1],
	       li.avenrun[2], li.mach_factor[0], li.mach_factor[1], li.mach_factor[2]);
	CHECK(li.avenrun[0] > 500 && li.avenrun[0] <= 2 * LOAD_SCALE, "5 s load %d with two busy threads", li.avenrun[0]);
	CHECK(li.avenrun[0] > li.avenrun[2], "the 5 s average rises before the 1 min one");
	CHECK(li.mach_factor[0] < 900, "mach factor %d with two busy threads", li.mach_factor[0]);
	n = HOST_LOAD_INFO_COUNT - 1;
	CHECK_EQ(host_info(host, HOST_LOAD_INFO, (host_info_t)&li, &n), KERN_INVALID_ARGUMENT);
}

/* --- thread_abort, then thread_set_state --------------------------------- */

static mach_port_t rcv_port;
static volatile uint32_t rcv_result;
static volatile int rcv_done;

static void receiver(void *arg)
{
	(void)arg;
	mach_msg_header_t buf[8];
	rcv_result = mach_msg_trap(buf, MACH_RCV_MSG, 0, sizeof buf, rcv_port, 0, MACH_PORT_NULL);
	rcv_done = 1;
}

static void wait_done(volatile int *done)
{
	for (int i = 0; i < 2000 && !*done; i++)
		smrt_sleep_ms(1);
	CHECK(*done, "the thread did not go on");
}

static void test_abort_then_set_state(void)
{
	mach_port_t th;
	CHECK_EQ(mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &rcv_port), KERN_SUCCESS);
	/* Aborted alone, the receive ends with MACH_RCV_INTERRUPTED. */
	rcv_done = 0;
	CHECK_EQ(smrt_thread_start(receiver, NULL, NULL, 0, &th), KERN_SUCCESS);
	CHECK(thread_blocks(th), "the receiver did not block");
	CHECK_EQ(thread_abort(th), KERN_SUCCESS);
	wait_done(&rcv_done);
	CHECK_EQ(rcv_result, MACH_RCV_INTERRUPTED);
	CHECK_EQ(smrt_thread_join(th), KERN_SUCCESS);

	/* Suspended, aborted and given a new eax before it gets to run again
	 * (it is less urgent than we are): it resumes with that eax, which
	 * the trap stub returns. */
	rcv_done = 0;
	CHECK_EQ(smrt_thread_start(receiver, NULL, NULL, 0, &th), KERN_SUCCESS);
	CHECK(thread_blocks(th), "the receiver did not block");
	CHECK_EQ(thread_priority(th, 20, FALSE), KERN_SUCCESS);
	CHECK_EQ(thread_suspend(th), KERN_SUCCESS);
	CHECK_EQ(thread_abort(th), KERN_SUCCESS);
	struct i386_thread_state st;
	mach_msg_type_number_t n = i386_THREAD_STATE_COUNT;
	CHECK_EQ(thread_get_state(th, i386_THREAD_STATE, (thread_state_t)&st, &n), KERN_SUCCESS);
	st.eax = 0x1234;
	CHECK_EQ(thread_set_state(th, i386_THREAD_STATE, (thread_state_t)&st, n), KERN_SUCCESS);
	CHECK_EQ(thread_resume(th), KERN_SUCCESS);
	wait_done(&rcv_done);
	CHECK_EQ(rcv_result, 0x1234);
	CHECK_EQ(smrt_thread_join(th), KERN_SUCCESS);
	mach_port_destroy(self, rcv_port);
}

/* --- i386_FLOAT_STATE ---------------------------------------------------- */

#define DOUBLE_1_5   0x3FF8000000000000ull
#define DOUBLE_2_5   0x4004000000000000ull
#define DOUBLE_INDEF 0xFFF8000000000000ull   /* fstp of an empty register, masked */

static volatile uint64_t fp_in = DOUBLE_1_5, fp_out;
static volatile uint32_t fp_gate;
static volatile int fp_done;

/* Holds 1.5 in ST(0) while it waits, then stores ST(0). */
static void fp_holder(void *arg)
{
	(void)arg;
	__asm__ volatile("fninit\n\tfldl %0" : : "m"(fp_in));
	gsync_wait(mach_task_self(), (vm_address_t)&fp_gate, 0, 0, 0, 0);
	__asm__ volatile("fstpl %0" : "=m"(fp_out));
	fp_done = 1;
}

static bool get_float(mach_port_t th, struct i386_float_state *fs, struct i386_fp_save *env,
		      struct i386_fp_regs *regs)
{
	mach_msg_type_number_t n = i386_FLOAT_STATE_COUNT;
	kern_return_t kr = thread_get_state(th, i386_FLOAT_STATE, (thread_state_t)fs, &n);
	CHECK_EQ(kr, KERN_SUCCESS);
	CHECK_EQ(n, i386_FLOAT_STATE_COUNT);
	memcpy(env, fs->hw_state, sizeof *env);
	memcpy(regs, fs->hw_state + sizeof *env, sizeof *regs);
	return kr == KERN_SUCCESS;
}

static mach_port_t start_fp_holder(void)
{
	mach_port_t th;
	fp_done = 0;
	fp_out = 0;
	CHECK_EQ(smrt_thread_start(fp_holder, NULL, NULL, 0, &th), KERN_SUCCESS);
	CHECK(thread_blocks(th), "the FPU holder did not block");
	return th;
}

static void release_fp_holder(mach_port_t th)
{
	CHECK_EQ(gsync_wake(self, (vm_address_t)&fp_gate, 0, 0), KERN_SUCCESS);
	wait_done(&fp_done);
	CHECK_EQ(smrt_thread_join(th), KERN_SUCCESS);
}

static void test_float_state(void)
{
	struct i386_float_state fs;
	struct i386_fp_save env;
	struct i386_fp_regs regs;
	mach_port_t th = start_fp_holder();
	if (get_float(th, &fs, &env, &regs)) {
		CHECK(fs.fpkind == FP_387FX || fs.fpkind == FP_387, "fpkind %d", fs.fpkind);
		CHECK_EQ(fs.initialized, 1);
		CHECK_EQ(env.fp_control, 0x37f);          /* fninit's */
		CHECK_EQ((env.fp_status >> 11) & 7, 7);   /* one value pushed */
		CHECK_EQ(env.fp_tag, 0x3fff);             /* physical register 7 valid, the rest empty */
		CHECK(regs.fp_reg_word[0][3] == 0xC000 && regs.fp_reg_word[0][4] == 0x3FFF &&
		      regs.fp_reg_word[0][0] == 0, "ST(0) is not 1.5: %x %x", regs.fp_reg_word[0][3],
		      regs.fp_reg_word[0][4]);
		/* Make ST(0) 2.5 and change the control word; it reads back. */
		regs.fp_reg_word[0][3] = 0xA000;
		regs.fp_reg_word[0][4] = 0x4000;
		env.fp_control = 0x77f;
		memcpy(fs.hw_state, &env, sizeof env);
		memcpy(fs.hw_state + sizeof env, &regs, sizeof regs);
		CHECK_EQ(thread_set_state(th, i386_FLOAT_STATE, (thread_state_t)&fs, i386_FLOAT_STATE_COUNT - 1),
			 KERN_INVALID_ARGUMENT);
		CHECK_EQ(thread_set_state(th, i386_FLOAT_STATE, (thread_state_t)&fs, i386_FLOAT_STATE_COUNT),
			 KERN_SUCCESS);
		struct i386_float_state again;
		if (get_float(th, &again, &env, &regs)) {
			CHECK(memcmp(again.hw_state, fs.hw_state, FP_STATE_BYTES) == 0, "the state did not round-trip");
			CHECK_EQ(env.fp_control, 0x77f);
			CHECK_EQ(env.fp_tag, 0x3fff);
		}
	}
	mach_msg_type_number_t small = i386_FLOAT_STATE_COUNT - 1;
	CHECK_EQ(thread_get_state(th, i386_FLOAT_STATE, (thread_state_t)&fs, &small), KERN_INVALID_ARGUMENT);
	release_fp_holder(th);
	CHECK(fp_out == DOUBLE_2_5, "the thread stored %llx, not 2.5", (unsigned long long)fp_out);

	/* initialized = 0 resets the FPU: the value is gone. */
	th = start_fp_holder();
	memset(&fs, 0, sizeof fs);
	CHECK_EQ(thread_set_state(th, i386_FLOAT_STATE, (thread_state_t)&fs, i386_FLOAT_STATE_COUNT), KERN_SUCCESS);
	if (get_float(th, &fs, &env, &regs)) {
		CHECK_EQ(env.fp_tag, 0xffff);
		CHECK_EQ(env.fp_control, 0x37f);
	}
	release_fp_holder(th);
	/* The stack is empty: real x87 stores the indefinite NaN, QEMU's
	 * emulation the empty register's zero; never the 1.5 loaded before. */
	CHECK(fp_out == DOUBLE_INDEF || fp_out == 0, "after a reset the thread stored %llx",
	      (unsigned long long)fp_out);
}

int main(void)
{
	self = mach_task_self();
	host = mach_host_self();
	test_port_names();
	test_time();
	test_info_flavors();
	test_abort_then_set_state();
	test_float_state();
	return guest_summary("test-mach-calls");
}
