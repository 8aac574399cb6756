/*
 * time.c - the time of day and the uptime without entering the kernel:
 * clock_gettime, gettimeofday and smrt_now_ns read the kernel's time page
 * (<sm/time_page.h>), whose address the kernel tells the task at start-up
 * in the auxiliary vector (start.c). Where the page cannot answer (a task
 * not told of it, a page not valid, a TSC delta past its window) they ask
 * the kernel: sm_host_uptime or host_get_time64.
 */
#include <sm/runtime.h>
#include <sm/traps.h>
#include <sm/time_page.h>
#include <time.h>
#include <sys/time.h>
#include "smhost.h"
#include "mach_host_ext.h"

#define NS_PER_S 1000000000LL

static const volatile struct sm_time_page *time_page;

void
_smrt_set_time_page(uintptr_t addr)
{
	time_page = (const volatile struct sm_time_page *)addr;
}

const volatile struct sm_time_page *
smrt_time_page(void)
{
	return time_page;
}

static struct sm_time_reading
read_kernel(void)
{
	struct sm_time_reading r = { 0, 0 };
	time_value64_t tv = { 0, 0 };

	(void)sm_host_uptime(smrt_host_port(), &r.mono_ns);
	if (host_get_time64(smrt_host_port(), &tv) == KERN_SUCCESS)
		r.real_ns = tv.seconds * NS_PER_S + tv.nanoseconds;
	return r;
}

static struct sm_time_reading
read_time(bool coarse)
{
	struct sm_time_reading r;

	if (time_page != NULL && sm_time_page_read(time_page, coarse, &r))
		return r;
	return read_kernel();
}

uint64_t
smrt_now_ns(void)
{
	return read_time(false).mono_ns;
}

int64_t
smrt_utc_ns(void)
{
	return read_time(false).real_ns;
}

/* Nanoseconds as a timespec, 0 <= tv_nsec < 1e9 (floor division, for a
 * time before 1970). Only the kernel fallback needs it. */
static void
split(int64_t ns, struct timespec *ts)
{
	ts->tv_sec = ns / NS_PER_S;
	ts->tv_nsec = (long)(ns % NS_PER_S);
	if (ts->tv_nsec < 0) {
		ts->tv_sec--;
		ts->tv_nsec += NS_PER_S;
	}
}

int
clock_gettime(clockid_t clock, struct timespec *ts)
{
	bool coarse = clock == CLOCK_MONOTONIC_COARSE || clock == CLOCK_REALTIME_COARSE;
	bool real = clock == CLOCK_REALTIME || clock == CLOCK_REALTIME_COARSE;
	struct sm_time_split t;

	if (ts == NULL || (!real && clock != CLOCK_MONOTONIC && clock != CLOCK_MONOTONIC_COARSE))
		return -1;
	if (time_page != NULL && sm_time_page_read_split(time_page, coarse, &t)) {
		ts->tv_sec = real ? t.real_sec : t.mono_sec;
		ts->tv_nsec = (long)(real ? t.real_nsec : t.mono_nsec);
		return 0;
	}
	struct sm_time_reading r = read_kernel();
	split(real ? r.real_ns : (int64_t)r.mono_ns, ts);
	return 0;
}

int
gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
	struct timespec ts;

	(void)tz;
	if (tv == NULL || clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return -1;
	tv->tv_sec = ts.tv_sec;
	tv->tv_usec = (suseconds_t)(ts.tv_nsec / 1000);
	return 0;
}
