/*
 * time.h - clock_gettime for user tasks (servers/runtime/time.c).
 *
 * CLOCK_MONOTONIC is nanoseconds since boot, CLOCK_REALTIME the UTC time of
 * day, both read from the kernel's time page (<sm/time_page.h>) without a
 * kernel call; the _COARSE clocks give the last tick's values (1 ms) without
 * reading the TSC. Clock numbers are Linux's. time_t is 64 bits, so there
 * is no 2038 limit.
 */
#ifndef _SMRT_TIME_H_
#define _SMRT_TIME_H_

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef int64_t time_t;
typedef int clockid_t;

struct timespec {
	time_t	tv_sec;
	long	tv_nsec;
};

#define CLOCK_REALTIME		0
#define CLOCK_MONOTONIC		1
#define CLOCK_REALTIME_COARSE	5
#define CLOCK_MONOTONIC_COARSE	6

/* 0, or -1 for an unknown clock or a null ts. */
int	clock_gettime(clockid_t clock, struct timespec *ts);

#ifdef __cplusplus
}
#endif

#endif /* _SMRT_TIME_H_ */
