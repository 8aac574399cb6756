/*
 * The time page: what every task reads to learn the time without entering
 * the kernel (docs/time.md).
 *
 * The kernel maps one page read-only into every task at SM_TIME_PAGE_ADDR,
 * the page just above user space (kernel/i386/layout.h), and only the
 * kernel writes it: at every clock tick and when the time server (or a
 * privileged host_set_time / host_adjust_time) changes the time of day.
 * It holds the TSC reading at the last refresh, the monotonic and UTC
 * nanoseconds at that reading, and the fixed-point rates that carry both
 * forward:  ns = base + ((tsc - tsc_base) * mult) >> shift.
 * The delta is used only while it is below tsc_window (< 2^32, so the
 * product is one 32x32->64 multiplication); past it, or while the page is
 * not valid, a reader asks the kernel instead (sm_host_uptime /
 * host_get_time64).
 *
 * Update protocol (a sequence counter): the writer makes seq odd, writes
 * the fields, then makes seq even again. A reader takes seq, retries while
 * it is odd, reads the fields and the TSC, and retries unless seq is
 * unchanged. A TSC behind tsc_base (read out of order) counts as no time
 * at all, so monotonic time never goes backwards; the kernel likewise
 * never publishes a base below what the previous parameters reached.
 */
#ifndef _SM_TIME_PAGE_H_
#define _SM_TIME_PAGE_H_

#include <stdint.h>
#include <stdbool.h>

#define SM_TIME_PAGE_ADDR	0xBFFFF000u	/* = USER_TOP, one page below KERNBASE */

/* The start-up block's auxiliary vector ((tag, value) words after envp's
 * NULL, ended by SM_AT_NULL) names the page under this tag. */
#define SM_AT_NULL		0
#define SM_AT_TIME_PAGE		0x534d5401u	/* "SMT\1" */

/* sm_time_update's flags (sm/smtime.defs). */
#define SM_TIME_STEP		0x1u
#define SM_TIME_SLEW		0x2u

#define SM_TIME_PAGE_VALID	0x1u	/* the rates are calibrated */

/* The largest slew the kernel accepts, either way, in parts per million. */
#define SM_TIME_SLEW_MAX_PPM	1000
/* The rate at which an adjtime-style adjustment (host_adjust_time) is
 * absorbed, as BSD and Linux adjtime do: 0.5 ms per second. */
#define SM_TIME_ADJTIME_PPM	500

struct sm_time_page {
	uint32_t seq;		/* odd while the kernel is writing */
	uint32_t flags;		/* SM_TIME_PAGE_VALID */
	uint64_t tsc_base;	/* TSC at the last refresh */
	uint64_t mono_base_ns;	/* monotonic (uptime) ns at tsc_base */
	int64_t real_base_ns;	/* UTC ns since 1970 at tsc_base */
	uint32_t mono_mult;	/* ns per TSC cycle << shift */
	uint32_t real_mult;	/* the same with the current slew */
	uint32_t shift;
	uint32_t tsc_window;	/* deltas at or above this: ask the kernel */
	int32_t slew_ppm;	/* the slew in force, 0 if none */
	uint32_t reserved;
	int64_t slew_pending_ns; /* what the slew still has to absorb */
	uint64_t tsc_hz;	/* the calibrated TSC rate, for information */
	/* The bases again as seconds and nanoseconds (0 <= nsec < 1e9), so
	 * that a timespec needs no 64-bit division. */
	int64_t mono_base_sec, real_base_sec;
	uint32_t mono_base_nsec, real_base_nsec;
};

/* One consistent reading of the page. */
struct sm_time_reading {
	uint64_t mono_ns;
	int64_t real_ns;
};

/* The same as seconds and nanoseconds (0 <= nsec < 1e9), for timespec. */
struct sm_time_split {
	int64_t mono_sec, real_sec;
	uint32_t mono_nsec, real_nsec;
};

static inline uint64_t
sm_time_rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* The fields a reading needs, copied under the sequence counter, with the
 * nanoseconds since tsc_base for both clocks (under the window, so under
 * a second: 32 bits). False if the page is not valid or the TSC has run
 * past its window (then ask the kernel). coarse: no TSC, the values at
 * the last refresh. */
struct sm_time_snapshot {
	uint64_t mono_base_ns;
	int64_t real_base_ns;
	int64_t mono_base_sec, real_base_sec;
	uint32_t mono_base_nsec, real_base_nsec;
	uint32_t mono_delta_ns, real_delta_ns;
};

static inline bool
sm_time_page_snapshot(const volatile struct sm_time_page *p, bool coarse, struct sm_time_snapshot *s)
{
	uint32_t seq, flags, mono_mult, real_mult, shift, window;
	uint64_t tsc_base, delta;

	do {
		seq = p->seq;
		__asm__ volatile("" ::: "memory");
		flags = p->flags;
		tsc_base = p->tsc_base;
		s->mono_base_ns = p->mono_base_ns;
		s->real_base_ns = p->real_base_ns;
		s->mono_base_sec = p->mono_base_sec;
		s->real_base_sec = p->real_base_sec;
		s->mono_base_nsec = p->mono_base_nsec;
		s->real_base_nsec = p->real_base_nsec;
		mono_mult = p->mono_mult;
		real_mult = p->real_mult;
		shift = p->shift;
		window = p->tsc_window;
		delta = coarse ? 0 : sm_time_rdtsc() - tsc_base;
		__asm__ volatile("" ::: "memory");
	} while ((seq & 1) || seq != p->seq);
	if (!(flags & SM_TIME_PAGE_VALID))
		return false;
	if ((int64_t)delta < 0)
		delta = 0;	/* the clamp: never before the base */
	if (delta >= window)
		return false;
	s->mono_delta_ns = (uint32_t)(((uint64_t)(uint32_t)delta * mono_mult) >> shift);
	s->real_delta_ns = (uint32_t)(((uint64_t)(uint32_t)delta * real_mult) >> shift);
	return true;
}

/* The time in nanoseconds; false as for sm_time_page_snapshot. */
static inline bool
sm_time_page_read(const volatile struct sm_time_page *p, bool coarse, struct sm_time_reading *out)
{
	struct sm_time_snapshot s;

	if (!sm_time_page_snapshot(p, coarse, &s))
		return false;
	out->mono_ns = s.mono_base_ns + s.mono_delta_ns;
	out->real_ns = s.real_base_ns + s.real_delta_ns;
	return true;
}

/* nsec, both parts under 1e9, as a second carried (0 or 1) and the rest. */
static inline int
sm_time_carry(uint32_t *out, uint32_t nsec)
{
	int carry = nsec >= 1000000000u;

	*out = carry ? nsec - 1000000000u : nsec;
	return carry;
}

/* The time as seconds and nanoseconds, without a 64-bit division (the
 * page carries the bases split, and a delta is under a second). */
static inline bool
sm_time_page_read_split(const volatile struct sm_time_page *p, bool coarse, struct sm_time_split *out)
{
	struct sm_time_snapshot s;

	if (!sm_time_page_snapshot(p, coarse, &s))
		return false;
	out->mono_sec = s.mono_base_sec + sm_time_carry(&out->mono_nsec, s.mono_base_nsec + s.mono_delta_ns);
	out->real_sec = s.real_base_sec + sm_time_carry(&out->real_nsec, s.real_base_nsec + s.real_delta_ns);
	return true;
}

#endif /* _SM_TIME_PAGE_H_ */
