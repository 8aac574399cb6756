/* A token bucket for log lines: up to `burst` lines at once, then one more
 * every `ms_per_line` milliseconds. A burst of bad requests from a task thus
 * shows its first lines in full, then a trickle, and the console (and the
 * machine, which writes it byte by byte) is never flooded. Pure logic over a
 * caller-supplied millisecond clock, so it is unit-tested on the host. */
#ifndef KERN_RATELIMIT_H
#define KERN_RATELIMIT_H
#include <stdbool.h>
#include <stdint.h>

struct ratelimit {
	uint32_t burst;          /* lines the bucket holds (at least 1) */
	uint32_t ms_per_line;    /* refill: one line per this many ms (at least 1) */
	uint32_t tokens;         /* lines that may go out now */
	uint32_t last_ms;        /* clock reading the tokens were last counted at */
	uint32_t suppressed;     /* lines refused since the last one let through */
	bool started;            /* tokens and last_ms are set (a full bucket at first) */
};

#define RATELIMIT_INIT(burst_lines, ms) { .burst = (burst_lines), .ms_per_line = (ms) }

/* May a line go out at now_ms? If so, *suppressed is how many were refused
 * since the last line let through (for a "N suppressed" line before it). The
 * clock may wrap around 2^32 ms; an interval longer than that counts short. */
bool ratelimit_admit(struct ratelimit *r, uint32_t now_ms, uint32_t *suppressed);
#endif
