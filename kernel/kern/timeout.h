/* One-shot timeouts, kept in a list sorted by deadline. Deadlines are in
 * nanoseconds of uptime (clock_uptime_ns, from the TSC) and are checked on
 * every clock tick, so a timeout fires no earlier than asked and at most one
 * tick late. (Counting ticks instead would fire early when QEMU delivers
 * missed timer interrupts in a burst.) */
#ifndef KERN_TIMEOUT_H
#define KERN_TIMEOUT_H
#include <stdint.h>
#include <stdbool.h>

struct timeout {
	uint64_t deadline;            /* uptime in ns */
	void (*fn)(void *arg);
	void *arg;
	struct timeout *next;
	bool armed;
};

void timeout_set(struct timeout *t, uint64_t deadline, void (*fn)(void *), void *arg);
/* A deadline ms milliseconds from now. */
uint64_t timeout_after_ms(uint32_t ms);
void timeout_cancel_armed(struct timeout *t);
/* Disarm t if armed. Inline, since every wait and wake cancels its
 * timeout and almost none has one armed. */
static inline void timeout_cancel(struct timeout *t)
{
	if (t->armed)
		timeout_cancel_armed(t);
}
void timeout_expire(uint64_t now_ns);
#endif
