/* The reader's side of GNU Mach's mapped time (the kernel's device "time",
 * mapped with device_map; the writer is kernel/kern/mapped_time.c): read
 * seconds, then microseconds, and again if check_seconds no longer equals
 * the seconds read, so a value read across a change of the second is never
 * used. For user programs (the console's bench time, the tests). */
#ifndef SM_MAPPED_TIME_H
#define SM_MAPPED_TIME_H
#include <stdint.h>
#include <mach/time_value.h>

/* The mapped time in microseconds since 1970. */
static inline int64_t sm_mapped_time_us(const volatile mapped_time_value_t *m)
{
	integer_t s, us;
	do {
		s = m->seconds;
		__asm__ volatile("" ::: "memory");
		us = m->microseconds;
		__asm__ volatile("" ::: "memory");
	} while (s != m->check_seconds);
	return (int64_t)s * 1000000 + us;
}
#endif
