/* test-sched-counters: sm_sched_counters, which benchmarks read to tell
 * waiting for a device from work (tests/bench/virtiobench.c). Its idle
 * cycles must cover a sleep, in which nothing else runs, and stay far below
 * a busy loop of ours; its address-space switches must count the switch to
 * a child task and back. */
#include "guest-check.h"
#include <sm/traps.h>
#include "mach.h"
#include "smhost.h"

static mach_port_t self;
static uint8_t child_stack[8192] __attribute__((aligned(16)));

static uint64_t tsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static void counters(uint64_t *idle, natural_t *switches)
{
	*idle = 0, *switches = 0;
	CHECK_EQ(sm_sched_counters(smrt_host_port(), idle, switches), KERN_SUCCESS);
}

/* A sleep is idle time: at least half of it (the rest is our own way into
 * and out of the sleep, and timer ticks), never more than all of it. */
static void test_sleep_is_idle(void)
{
	uint64_t idle0, idle1;
	natural_t s0, s1;
	counters(&idle0, &s0);
	uint64_t t0 = tsc();
	smrt_sleep_ms(50);
	uint64_t t1 = tsc();
	counters(&idle1, &s1);
	uint64_t idle = idle1 - idle0, span = t1 - t0;
	CHECK(idle1 >= idle0 && idle >= span / 2, "idle %llu of %llu cycles asleep", idle, span);
	CHECK(idle <= span + span / 10, "idle %llu cycles, more than the %llu of the sleep", idle, span);
}

/* A busy loop of 20 ms (timed by a 5 ms sleep's TSC cycles) is not idle
 * time. */
static void test_busy_is_not_idle(void)
{
	uint64_t idle0, idle1, u0 = tsc();
	natural_t s0, s1;
	smrt_sleep_ms(5);
	uint64_t per_5ms = tsc() - u0;
	counters(&idle0, &s0);
	uint64_t t0 = tsc(), t1;
	while ((t1 = tsc()) - t0 < 4 * per_5ms)
		;
	counters(&idle1, &s1);
	CHECK(idle1 - idle0 < (t1 - t0) / 4, "idle %llu of %llu cycles busy", idle1 - idle0, t1 - t0);
}

static void __attribute__((noreturn, used)) child_main(void *arg)
{
	(void)arg;
	task_terminate(mach_task_self());
	for (;;)
		;
}

/* A child task that runs and ends: the switch to it and the one back. */
static void test_child_switches(void)
{
	uint64_t idle0, idle1;
	natural_t s0, s1;
	uint32_t *sp = (uint32_t *)(child_stack + sizeof child_stack - 20);
	sp[0] = sp[1] = 0;
	mach_port_t child = MACH_PORT_NULL, th = MACH_PORT_NULL;
	CHECK_EQ(task_create(self, TRUE, &child), KERN_SUCCESS);
	counters(&idle0, &s0);
	start_thread_at(child, (uintptr_t)child_main, (uintptr_t)sp, &th);
	smrt_sleep_ms(20);               /* it runs, and ends itself */
	counters(&idle1, &s1);
	CHECK(s1 - s0 >= 2, "%u address-space switches for a child task's run", s1 - s0);
	mach_port_deallocate(self, th);
	mach_port_deallocate(self, child);
}

/* Only the host port reads the counters: a task port, a receive right of
 * our own and a null name are refused, and nothing is written. */
static void test_not_the_host(void)
{
	mach_port_t mine = MACH_PORT_NULL;
	CHECK_EQ(mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &mine), KERN_SUCCESS);
	mach_port_t bad[] = { self, mine, MACH_PORT_NULL };
	for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		uint64_t idle = 7;
		natural_t switches = 7;
		kern_return_t kr = sm_sched_counters(bad[i], &idle, &switches);
		CHECK(kr == KERN_INVALID_HOST || kr == MACH_SEND_INVALID_DEST, "port %u: %#x", i, kr);
		CHECK(idle == 7 && switches == 7, "port %u: the counters were written", i);
	}
	mach_port_destroy(self, mine);
}

int main(void)
{
	self = mach_task_self();
	test_not_the_host();
	test_sleep_is_idle();
	test_busy_is_not_idle();
	test_child_switches();
	return guest_summary("test-sched-counters");
}
