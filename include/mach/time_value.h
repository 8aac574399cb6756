/*
 * mach/time_value.h - times as Mach reports them: time_value_t (seconds
 * and microseconds, 32 bits each) and GNU Mach's newer time_value64_t
 * (64-bit seconds and nanoseconds), both defined in <mach/mach_types.h>
 * because the .defs use them, with the helpers to normalise and add them.
 */
#ifndef _MACH_TIME_VALUE_H_
#define _MACH_TIME_VALUE_H_

#include <stdint.h>
#include <mach/mach_types.h>

#define TIME_MICROS_MAX	1000000
#define TIME_NANOS_MAX	1000000000

/* time_value64_t (0 <= nanoseconds < TIME_NANOS_MAX) is defined in
 * <mach/mach_types.h>, beside time_value_t, since the .defs use it too. */

/* Add nanos (any size, not negative) to *tv, carrying into seconds. */
static __inline__ void time_value64_add_nanos(time_value64_t *tv, int64_t nanos)
{
	tv->nanoseconds += nanos;
	tv->seconds += tv->nanoseconds / TIME_NANOS_MAX;
	tv->nanoseconds %= TIME_NANOS_MAX;
}

static __inline__ void time_value64_add(time_value64_t *result, const time_value64_t *addend)
{
	result->seconds += addend->seconds;
	time_value64_add_nanos(result, addend->nanoseconds);
}

static __inline__ time_value64_t time_value64_from_time_value(time_value_t tv)
{
	time_value64_t r = { tv.seconds, (int64_t)tv.microseconds * 1000 };
	return r;
}

#endif /* _MACH_TIME_VALUE_H_ */
