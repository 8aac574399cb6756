/*
 * sys/time.h - gettimeofday for user tasks (servers/runtime/time.c): the
 * time page's CLOCK_REALTIME in seconds and microseconds.
 */
#ifndef _SMRT_SYS_TIME_H_
#define _SMRT_SYS_TIME_H_

#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef int32_t suseconds_t;

struct timeval {
	time_t		tv_sec;
	suseconds_t	tv_usec;
};

/* tz is ignored (always UTC). 0, or -1 for a null tv. */
int	gettimeofday(struct timeval *restrict tv, void *restrict tz);

#ifdef __cplusplus
}
#endif

#endif /* _SMRT_SYS_TIME_H_ */
