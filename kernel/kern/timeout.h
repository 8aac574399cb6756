/* One-shot timeouts on the clock tick, kept in a list sorted by deadline. */
#ifndef KERN_TIMEOUT_H
#define KERN_TIMEOUT_H
#include <stdint.h>
#include <stdbool.h>

struct timeout {
	uint64_t deadline;            /* in clock ticks */
	void (*fn)(void *arg);
	void *arg;
	struct timeout *next;
	bool armed;
};

void timeout_set(struct timeout *t, uint64_t deadline, void (*fn)(void *), void *arg);
void timeout_cancel(struct timeout *t);
void timeout_expire(uint64_t now);
#endif
