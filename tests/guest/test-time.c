/* test-time: the time page and the time server (docs/time.md).
 *
 * Booted beside the Swift time server (servers/time) with QEMU's RTC at
 * RTC_BASE (tests/user-qemu.mk). Checks: the page is told at start-up and
 * valid; monotonic time read by two tasks in turn never goes back
 * (1,000,000 reads in all); the page agrees with the kernel's clock within
 * AGREE_NS; UTC is the RTC's within a second; host_adjust_time (handed to
 * the server) slews at SM_TIME_ADJTIME_PPM without a step; changes from
 * unprivileged ports and bad updates are refused; a writer stepping the
 * time as fast as it can never shows a reader a torn page; no task can
 * write the page; killing the server leaves time running and right (and a
 * slew it started ends on its own); the GNU Mach "time" device advances. */
#include "guest-check.h"
#include <sm/traps.h>
#include <sm/threads.h>
#include <sm/time_page.h>
#include <time.h>
#include <sys/time.h>
#include <device/device_types.h>
#include <mach/time_value.h>
#include <mach/thread_switch.h>
#include "mach.h"
#include "mach_port.h"
#include "mach_host.h"
#include "mach_host_ext.h"
#include "device.h"
#include "smhost.h"
#include "smtime.h"

#define HOST_PRIV 1
#define DEVICE_MASTER 2
#define PAGE 4096
#define NS 1000000000LL
#define RTC_BASE 1767323045LL            /* 2026-01-02T03:04:05Z, QEMU's -rtc base */
#define AGREE_NS 1000                     /* page vs kernel: both read the same TSC rates */
#define READS_PER_TASK 500000

static mach_port_t self, host;
static const volatile struct sm_time_page *page = (const volatile struct sm_time_page *)SM_TIME_PAGE_ADDR;

static struct sm_time_reading now_page(void)
{
	struct sm_time_reading r = { 0, 0 };
	CHECK(sm_time_page_read(page, false, &r), "the time page answers");
	return r;
}

static bool is_dead(mach_port_t name)
{
	mach_port_type_t t = 0;
	return mach_port_type(self, name, &t) == KERN_SUCCESS && (t & MACH_PORT_TYPE_DEAD_NAME);
}

/* --- Start-up and the server's first step ----------------------------- */

static void test_startup(void)
{
	CHECK(smrt_time_page() == page, "told the page at %p", (const void *)smrt_time_page());
	CHECK(page->flags & SM_TIME_PAGE_VALID, "the page is valid");
	CHECK(page->tsc_hz > 1000000, "a TSC of %llu Hz", page->tsc_hz);
	/* The server steps UTC from the RTC as it starts; wait for it. */
	mach_port_t server = MACH_PORT_NULL;
	for (int i = 0; i < 500 && sm_time_server_task(HOST_PRIV, &server) != KERN_SUCCESS; i++)
		smrt_sleep_ms(10);
	CHECK(server != MACH_PORT_NULL, "the time server registered");
	if (server)
		mach_port_deallocate(self, server);
	CHECK(now_page().real_ns / NS >= RTC_BASE, "UTC set from the RTC: %lld s", now_page().real_ns / NS);
}

/* --- UTC is the RTC's ------------------------------------------------- */

static int64_t bcd(uint32_t v, bool binary) { return binary ? v : (v >> 4) * 10 + (v & 15); }

/* The RTC now, decoded here independently of the server. */
static int64_t rtc_seconds(void)
{
	uint32_t s, mi, h, d, mo, y, c, b;
	CHECK_EQ(sm_time_rtc_read(HOST_PRIV, &s, &mi, &h, &d, &mo, &y, &c, &b), KERN_SUCCESS);
	bool bin = b & 4;
	CHECK(b & 2, "QEMU's RTC keeps 24-hour time");
	CHECK(bcd(c, bin) == 20 && bcd(y, bin) == 26 && bcd(mo, bin) == 1 && bcd(d, bin) == 2,
	      "the RTC's date is QEMU's base: %lld%02lld-%02lld-%02lld", bcd(c, bin), bcd(y, bin), bcd(mo, bin),
	      bcd(d, bin));
	return RTC_BASE - (3 * 3600 + 4 * 60 + 5) + bcd(h, bin) * 3600 + bcd(mi, bin) * 60 + bcd(s, bin);
}

static void check_utc_is_rtc(const char *when)
{
	int64_t rtc = rtc_seconds();
	int64_t utc = now_page().real_ns / NS;
	printf("test-time: %s: uptime %llu ms, UTC %lld s, RTC %lld s\n", when, now_page().mono_ns / 1000000, utc, rtc);
	CHECK(utc - rtc <= 1 && rtc - utc <= 1, "%s: UTC %lld s, RTC %lld s", when, utc, rtc);
	CHECK(rtc >= RTC_BASE && rtc < RTC_BASE + 120, "%s: the RTC started at QEMU's base (%lld s)", when, rtc);
}

/* --- Monotonic across two tasks --------------------------------------- */

struct shared {
	volatile uint64_t latest;         /* the largest time any reader has seen */
	volatile uint32_t writer;         /* who stored it last: 1 parent, 2 child */
	volatile uint32_t switches[3];    /* times a reader found the other's value */
	volatile uint32_t backwards[3];
	volatile uint32_t done[3];
};

static struct shared *sh;
static char child_stack[16384] __attribute__((aligned(16)));

static uint64_t load64(volatile uint64_t *p) { return __sync_val_compare_and_swap(p, 0, 0); }

/* Every value in sh->latest was read before this reader loaded it, so the
 * clock read after must not be smaller. */
static void read_monotonic(int who)
{
	struct timespec ts;
	for (int i = 0; i < READS_PER_TASK; i++) {
		uint64_t seen = load64(&sh->latest);
		uint32_t by = sh->writer;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		uint64_t t = (uint64_t)ts.tv_sec * NS + (uint64_t)ts.tv_nsec;
		if (t < seen)
			sh->backwards[who]++;
		if (by != (uint32_t)who && by != 0)
			sh->switches[who]++;
		if (t > seen && __sync_bool_compare_and_swap(&sh->latest, seen, t))
			sh->writer = who;
	}
	sh->done[who] = 1;
}

static void __attribute__((noreturn, used)) child_main(void *arg)
{
	(void)arg;
	smrt_task_forked();
	read_monotonic(2);
	task_terminate(mach_task_self());
	for (;;)
		thread_switch(MACH_PORT_NULL, SWITCH_OPTION_WAIT, 1000);
}

static void test_two_tasks(void)
{
	vm_address_t a = 0;
	CHECK_EQ(vm_allocate(self, &a, PAGE, TRUE), KERN_SUCCESS);
	CHECK_EQ(vm_inherit(self, a, PAGE, VM_INHERIT_SHARE), KERN_SUCCESS);
	sh = (struct shared *)a;
	mach_port_t child = MACH_PORT_NULL, th = MACH_PORT_NULL;
	CHECK_EQ(task_create(self, TRUE, &child), KERN_SUCCESS);
	uint32_t *sp = (uint32_t *)(child_stack + sizeof child_stack - 20);
	sp[0] = sp[1] = 0;
	start_thread_at(child, (uintptr_t)child_main, (uintptr_t)sp, &th);
	mach_port_deallocate(self, th);
	read_monotonic(1);
	for (int i = 0; i < 3000 && !sh->done[2]; i++)
		smrt_sleep_ms(10);
	CHECK(sh->done[1] && sh->done[2], "both tasks finished their %d reads", READS_PER_TASK);
	CHECK(sh->backwards[1] == 0 && sh->backwards[2] == 0, "monotonic time went back %u + %u times",
	      sh->backwards[1], sh->backwards[2]);
	CHECK(sh->switches[1] > 0 && sh->switches[2] > 0, "the tasks interleaved (%u, %u readings of the other's)",
	      sh->switches[1], sh->switches[2]);
	for (int i = 0; i < 300 && !is_dead(child); i++)
		smrt_sleep_ms(10);
	mach_port_deallocate(self, child);
	CHECK_EQ(vm_deallocate(self, a, PAGE), KERN_SUCCESS);
}

/* --- Agreement with the kernel's clock -------------------------------- */

static void test_agrees_with_kernel(void)
{
	int bad_mono = 0, bad_real = 0;
	for (int i = 0; i < 1000; i++) {
		struct sm_time_reading a = now_page();
		uint64_t k = 0;
		sm_host_uptime(host, &k);
		time_value64_t kt = { 0, 0 };
		host_get_time64(host, &kt);
		struct sm_time_reading b = now_page();
		int64_t kreal = kt.seconds * NS + kt.nanoseconds;
		if (!(a.mono_ns <= k + AGREE_NS && k <= b.mono_ns + AGREE_NS))
			bad_mono++;
		if (!(a.real_ns <= kreal + AGREE_NS && kreal <= b.real_ns + AGREE_NS))
			bad_real++;
	}
	CHECK(bad_mono == 0, "%d of 1000 kernel uptimes outside the page's readings around them", bad_mono);
	CHECK(bad_real == 0, "%d of 1000 kernel times of day outside the page's readings around them", bad_real);

	struct timespec fine, coarse;
	CHECK_EQ(clock_gettime(CLOCK_MONOTONIC_COARSE, &coarse), 0);
	CHECK_EQ(clock_gettime(CLOCK_MONOTONIC, &fine), 0);
	int64_t lag = (fine.tv_sec - coarse.tv_sec) * NS + (fine.tv_nsec - coarse.tv_nsec);
	CHECK(lag >= 0 && lag < 250000000, "the coarse clock trails by %lld ns", lag);
	/* gettimeofday reads the same clock: it falls between two
	 * CLOCK_REALTIME readings around it (to the microsecond), however long
	 * a loaded host stalls the guest in between. */
	struct timeval tv;
	struct timespec after;
	CHECK_EQ(clock_gettime(CLOCK_REALTIME, &fine), 0);
	CHECK_EQ(gettimeofday(&tv, NULL), 0);
	CHECK_EQ(clock_gettime(CLOCK_REALTIME, &after), 0);
	int64_t tv_us = (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
	int64_t lo_us = (int64_t)fine.tv_sec * 1000000 + fine.tv_nsec / 1000;
	int64_t hi_us = (int64_t)after.tv_sec * 1000000 + after.tv_nsec / 1000;
	CHECK(lo_us <= tv_us && tv_us <= hi_us, "gettimeofday %lld us is outside the clock_gettime readings %lld..%lld",
	      tv_us, lo_us, hi_us);
	CHECK_EQ(clock_gettime(42, &fine), -1);
	CHECK_EQ(clock_gettime(CLOCK_MONOTONIC, NULL), -1);
}

/* --- Slew: host_adjust_time through the server ------------------------ */

/* Read UTC for ms milliseconds: it must never go back, nor gain more per
 * read than the slew allows; returns the gain over the uptime. */
static int64_t watch_slew(int ms, int32_t ppm)
{
	struct sm_time_reading first = now_page(), last = first, r;
	int steps = 0;
	do {
		r = now_page();
		int64_t up = (int64_t)(r.mono_ns - last.mono_ns), moved = r.real_ns - last.real_ns;
		if (moved < 0 || moved > up + up / 1000000 * (ppm < 0 ? -ppm : ppm) + 1000)
			steps++;
		last = r;
	} while (r.mono_ns - first.mono_ns < (uint64_t)ms * 1000000);
	CHECK(steps == 0, "UTC stepped %d times while slewing", steps);
	return (last.real_ns - first.real_ns) - (int64_t)(last.mono_ns - first.mono_ns);
}

static void test_adjust(void)
{
	time_value_t old = { -1, -1 };
	CHECK_EQ(host_adjust_time(HOST_PRIV, (time_value_t){ 0, 200000 }, &old), KERN_SUCCESS);
	CHECK(old.seconds == 0 && old.microseconds == 0, "nothing was pending: %d.%06d", old.seconds, old.microseconds);
	CHECK_EQ(page->slew_ppm, SM_TIME_ADJTIME_PPM);
	struct sm_time_reading a = now_page();
	int64_t gained = watch_slew(200, SM_TIME_ADJTIME_PPM);
	struct sm_time_reading b = now_page();
	int64_t expected = (int64_t)(b.mono_ns - a.mono_ns) / 1000000 * SM_TIME_ADJTIME_PPM;
	CHECK(gained > expected * 9 / 10 - 2000 && gained < expected + 2000,
	      "gained %lld ns at %d ppm (%lld expected)", gained, SM_TIME_ADJTIME_PPM, expected);
	CHECK_EQ(host_adjust_time(HOST_PRIV, (time_value_t){ 0, 0 }, &old), KERN_SUCCESS);
	int64_t left = old.seconds * 1000000LL + old.microseconds;
	CHECK(left < 200000 && left > 200000 - 2 * expected / 1000 - 10, "%lld us of 200000 left", left);
	CHECK_EQ(page->slew_ppm, 0);
	/* Backwards too, through the 64-bit call; then off. */
	time_value64_t old64;
	CHECK_EQ(host_adjust_time64(HOST_PRIV, (time_value64_t){ 0, -100000000 }, &old64), KERN_SUCCESS);
	CHECK_EQ(page->slew_ppm, -SM_TIME_ADJTIME_PPM);
	gained = watch_slew(50, -SM_TIME_ADJTIME_PPM);
	CHECK(gained < 0, "a negative adjustment slows the clock (%lld ns)", gained);
	CHECK_EQ(host_adjust_time64(HOST_PRIV, (time_value64_t){ 0, 0 }, &old64), KERN_SUCCESS);
	CHECK(old64.seconds == 0 && old64.nanoseconds < 0 && old64.nanoseconds > -100000000, "pending %lld ns",
	      old64.nanoseconds);
	/* The server's limits (its log says so: test-time.expect). */
	CHECK_EQ(host_adjust_time64(HOST_PRIV, (time_value64_t){ 100000, 0 }, &old64), KERN_INVALID_ARGUMENT);
	CHECK_EQ(host_adjust_time(HOST_PRIV, (time_value_t){ 0, 1000000 }, &old), KERN_INVALID_ARGUMENT);
}

/* --- Refusals ---------------------------------------------------------- */

static void test_refusals(void)
{
	int64_t before = now_page().real_ns;
	int64_t old = 0;
	CHECK_EQ(host_set_time(host, (time_value_t){ 5, 0 }), KERN_INVALID_HOST);
	CHECK_EQ(host_set_time64(host, (time_value64_t){ 5, 0 }), KERN_INVALID_HOST);
	time_value_t oldtv;
	CHECK_EQ(host_adjust_time(host, (time_value_t){ 1, 0 }, &oldtv), KERN_INVALID_HOST);
	CHECK_EQ(sm_time_update(host, SM_TIME_STEP, 5 * NS, 0, 0, &old), KERN_INVALID_HOST);
	uint32_t r[8];
	CHECK_EQ(sm_time_rtc_read(host, &r[0], &r[1], &r[2], &r[3], &r[4], &r[5], &r[6], &r[7]), KERN_INVALID_HOST);
	mach_port_t t = MACH_PORT_NULL;
	CHECK_EQ(sm_time_server_task(host, &t), KERN_INVALID_HOST);
	mach_port_t mine = MACH_PORT_NULL;
	CHECK_EQ(mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &mine), KERN_SUCCESS);
	CHECK_EQ(sm_time_register(host, mine), KERN_INVALID_HOST);
	CHECK_EQ(mach_port_destroy(self, mine), KERN_SUCCESS);
	/* Updates the kernel must refuse even from the privileged port. */
	CHECK_EQ(sm_time_update(HOST_PRIV, SM_TIME_SLEW, 0, 1001, NS, &old), KERN_INVALID_ARGUMENT);
	CHECK_EQ(sm_time_update(HOST_PRIV, SM_TIME_SLEW, 0, -1001, -NS, &old), KERN_INVALID_ARGUMENT);
	CHECK_EQ(sm_time_update(HOST_PRIV, SM_TIME_SLEW, 0, 500, -NS, &old), KERN_INVALID_ARGUMENT);
	CHECK_EQ(sm_time_update(HOST_PRIV, SM_TIME_SLEW, 0, 500, 0, &old), KERN_INVALID_ARGUMENT);
	CHECK_EQ(sm_time_update(HOST_PRIV, SM_TIME_SLEW, 0, 500, 2 * 86400 * NS, &old), KERN_INVALID_ARGUMENT);
	CHECK_EQ(sm_time_update(HOST_PRIV, SM_TIME_STEP, -1, 0, 0, &old), KERN_INVALID_ARGUMENT);
	CHECK_EQ(sm_time_update(HOST_PRIV, 0, 0, 0, 0, &old), KERN_INVALID_ARGUMENT);
	CHECK_EQ(sm_time_update(HOST_PRIV, 0x80, 0, 0, 0, &old), KERN_INVALID_ARGUMENT);
	int64_t after = now_page().real_ns;
	CHECK(after >= before && after - before < NS, "refused changes left UTC alone (%lld ns later)",
	      after - before);
	CHECK_EQ(page->slew_ppm, 0);

	/* The server's public port answers queries, refuses changes. */
	mach_port_t pub = MACH_PORT_NULL;
	CHECK_EQ(device_open(DEVICE_MASTER, D_READ, "time-server", &pub), D_SUCCESS);
	time_value64_t tv = { 0, 0 };
	CHECK_EQ(host_get_time64(pub, &tv), KERN_SUCCESS);
	int64_t d = tv.seconds * NS + tv.nanoseconds - now_page().real_ns;
	CHECK(d <= 0 && d > -10000000, "the server's time is the page's (%lld ns apart)", d);
	time_value_t tv32;
	CHECK_EQ(host_get_time(pub, &tv32), KERN_SUCCESS);
	CHECK(tv32.seconds >= RTC_BASE, "the server's host_get_time: %d s", tv32.seconds);
	CHECK_EQ(host_set_time(pub, (time_value_t){ 5, 0 }), KERN_INVALID_HOST);
	CHECK_EQ(host_set_time64(pub, (time_value64_t){ 5, 0 }), KERN_INVALID_HOST);
	CHECK_EQ(host_adjust_time(pub, (time_value_t){ 1, 0 }, &tv32), KERN_INVALID_HOST);
	CHECK_EQ(device_close(pub), D_SUCCESS);
	mach_port_deallocate(self, pub);
}

/* --- A writer as fast as it can, readers checking consistency --------- */

#define OFF_A (1500000000LL * NS)
#define OFF_B (1600000000LL * NS)
static volatile bool writer_stop;
static volatile int writer_updates;

static void writer(void *arg)
{
	(void)arg;
	int64_t old;
	for (int i = 0; !writer_stop; i++) {
		int64_t off = i & 1 ? OFF_B : OFF_A;
		if (sm_time_update(HOST_PRIV, SM_TIME_STEP, off + (int64_t)smrt_now_ns(), 0, 0, &old) == KERN_SUCCESS)
			writer_updates++;
		if (i % 3 == 2)
			swtch();                  /* now and then, let the readers see this one */
	}
}

static int64_t near(int64_t v, int64_t target) { return v - target < 0 ? target - v : v - target; }

static void test_torn_reads(void)
{
	struct sm_time_reading start = now_page();
	int64_t offset = start.real_ns - (int64_t)start.mono_ns;
	mach_port_t th;
	writer_stop = false;
	writer_updates = 0;
	CHECK_EQ(smrt_thread_start(writer, NULL, NULL, 0, &th), KERN_SUCCESS);
	int torn = 0, a = 0, b = 0, reads = 0;
	while (writer_updates < 2000 && reads < 5000000) {
		struct sm_time_reading r;
		if (reads % 512 == 511)
			swtch();
		if (!sm_time_page_read(page, false, &r))
			continue;
		reads++;
		int64_t off = r.real_ns - (int64_t)r.mono_ns;
		/* The offsets are 1e17 ns apart and alternate, so fields of two
		 * updates mixed are far from both; 100 ms covers a writer
		 * preempted between reading the clock and stepping it. */
		if (near(off, OFF_A) < 100000000)
			a++;
		else if (near(off, OFF_B) < 100000000)
			b++;
		else if (near(off, offset) >= 100000000 || a + b > 0)
			torn++;
	}
	writer_stop = true;
	smrt_thread_join(th);
	CHECK(writer_updates >= 2000, "the writer made %d updates", writer_updates);
	CHECK(torn == 0, "%d of %d readings mixed two updates", torn, reads);
	CHECK(a > 0 && b > 0, "the readers saw both offsets (%d, %d)", a, b);
	int64_t old;
	CHECK_EQ(sm_time_update(HOST_PRIV, SM_TIME_STEP, offset + (int64_t)smrt_now_ns(), 0, 0, &old), KERN_SUCCESS);
	check_utc_is_rtc("after the writer");
}

/* --- No task writes the page ------------------------------------------ */

static void __attribute__((noreturn, used)) scribbler_main(void *arg)
{
	(void)arg;
	smrt_task_forked();
	*(volatile uint32_t *)SM_TIME_PAGE_ADDR = 0x7fffffff;
	for (;;)
		thread_switch(MACH_PORT_NULL, SWITCH_OPTION_WAIT, 1000);
}

static void test_read_only(void)
{
	uint32_t base[4];
	kernel_counts_settled(base);
	mach_port_t child = MACH_PORT_NULL, th = MACH_PORT_NULL;
	CHECK_EQ(task_create(self, TRUE, &child), KERN_SUCCESS);
	CHECK_EQ(task_set_name(child, "time-scribbler"), KERN_SUCCESS);
	uint32_t *sp = (uint32_t *)(child_stack + sizeof child_stack - 20);
	sp[0] = sp[1] = 0;
	start_thread_at(child, (uintptr_t)scribbler_main, (uintptr_t)sp, &th);
	mach_port_deallocate(self, th);
	for (int i = 0; i < 500 && !is_dead(child); i++)
		smrt_sleep_ms(10);
	CHECK(is_dead(child), "the task that wrote the time page was killed");
	mach_port_deallocate(self, child);
	vm_address_t a = SM_TIME_PAGE_ADDR;
	CHECK(vm_protect(self, a, PAGE, FALSE, VM_PROT_READ | VM_PROT_WRITE) != KERN_SUCCESS, "vm_protect of the page");
	static uint32_t junk[4] = { 1, 2, 3, 4 };
	CHECK(vm_write(self, a, (vm_offset_t)junk, sizeof junk) != KERN_SUCCESS, "vm_write to the page");
	CHECK(vm_allocate(self, &a, PAGE, FALSE) != KERN_SUCCESS, "vm_allocate over the page");
	(void)vm_deallocate(self, SM_TIME_PAGE_ADDR, PAGE);
	CHECK(receive_into((void *)SM_TIME_PAGE_ADDR) != MACH_MSG_SUCCESS, "a message received into the page");
	CHECK(page->flags == SM_TIME_PAGE_VALID && page->tsc_window != 0x7fffffff, "the page is intact");
	struct sm_time_reading r0 = now_page();
	smrt_sleep_ms(5);
	CHECK(now_page().mono_ns > r0.mono_ns, "and still running");
	check_utc_is_rtc("after the write attempts");
	check_counts_back(base, "after the scribbler");
}

/* --- The server dies; time does not ------------------------------------ */

static void test_server_dies(void)
{
	/* A short slew the server asks for, which must end without it. */
	time_value64_t old;
	struct sm_time_reading a = now_page();
	CHECK_EQ(host_adjust_time64(HOST_PRIV, (time_value64_t){ 0, 50000 }, &old), KERN_SUCCESS);
	mach_port_t server = MACH_PORT_NULL;
	CHECK_EQ(sm_time_server_task(HOST_PRIV, &server), KERN_SUCCESS);
	CHECK_EQ(task_terminate(server), KERN_SUCCESS);
	mach_port_deallocate(self, server);
	CHECK_EQ(sm_time_server_task(HOST_PRIV, &server), KERN_INVALID_NAME);
	smrt_sleep_ms(200);                       /* 50 us at 500 ppm: 100 ms */
	struct sm_time_reading b = now_page();
	CHECK(b.mono_ns - a.mono_ns >= 200000000, "time runs on: %llu ns in 200 ms", b.mono_ns - a.mono_ns);
	int64_t gained = (b.real_ns - a.real_ns) - (int64_t)(b.mono_ns - a.mono_ns);
	CHECK(gained >= 49998 && gained <= 50002, "the dead server's slew ended by itself after %lld ns", gained);
	CHECK_EQ(page->slew_ppm, 0);
	check_utc_is_rtc("after the server died");
	/* The kernel answers the privileged calls again. */
	time_value64_t now;
	CHECK_EQ(host_get_time64(host, &now), KERN_SUCCESS);
	CHECK_EQ(host_set_time64(HOST_PRIV, now), KERN_SUCCESS);
	check_utc_is_rtc("after the kernel set the time");
	mach_port_t pub = MACH_PORT_NULL;
	CHECK(device_open(DEVICE_MASTER, D_READ, "time-server", &pub) != D_SUCCESS, "the dead server's device is gone");
}

/* --- GNU Mach's mapped time -------------------------------------------- */

static void test_mapped_time(void)
{
	mach_port_t dev = MACH_PORT_NULL, object = MACH_PORT_NULL;
	CHECK_EQ(device_open(DEVICE_MASTER, D_READ, "time", &dev), D_SUCCESS);
	CHECK_EQ(device_map(dev, VM_PROT_READ, 0, sizeof(mapped_time_value_t), &object, 0), D_SUCCESS);
	vm_address_t addr = 0;
	CHECK_EQ(vm_map(self, &addr, sizeof(mapped_time_value_t), 0, TRUE, object, 0, FALSE, VM_PROT_READ, VM_PROT_READ,
			VM_INHERIT_NONE), KERN_SUCCESS);
	const volatile mapped_time_value_t *m = (const volatile mapped_time_value_t *)addr;
	int64_t t0 = (int64_t)m->seconds * 1000000 + m->microseconds;
	smrt_sleep_ms(20);
	int64_t t1 = (int64_t)m->seconds * 1000000 + m->microseconds;
	CHECK(t1 - t0 >= 15000, "the mapped time moved %lld us in 20 ms", t1 - t0);
	int64_t page_us = now_page().real_ns / 1000;
	CHECK(page_us - t1 >= 0 && page_us - t1 < 5000, "the mapped time is the page's: %lld us behind", page_us - t1);
	vm_deallocate(self, addr, PAGE);
	mach_port_deallocate(self, object);
	device_close(dev);
	mach_port_deallocate(self, dev);
}

int main(void)
{
	self = mach_task_self();
	host = mach_host_self();
	test_startup();
	check_utc_is_rtc("at start");
	test_two_tasks();
	test_agrees_with_kernel();
	test_adjust();
	test_refusals();
	test_torn_reads();
	test_read_only();
	test_server_dies();
	test_mapped_time();
	return guest_summary("test-time");
}
