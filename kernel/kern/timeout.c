#include "kern/timeout.h"
#include <stddef.h>
#include "kern/clock.h"

static struct timeout *pending;

void timeout_set(struct timeout *t, uint64_t deadline, void (*fn)(void *), void *arg)
{
	timeout_cancel(t);
	t->deadline = deadline;
	t->fn = fn;
	t->arg = arg;
	t->armed = true;
	struct timeout **p = &pending;
	while (*p && (*p)->deadline <= deadline)
		p = &(*p)->next;
	t->next = *p;
	*p = t;
}

uint64_t timeout_after_ms(uint32_t ms)
{
	return clock_uptime_ns() + (uint64_t)ms * 1000000u;
}

void timeout_cancel_armed(struct timeout *t)
{
	for (struct timeout **p = &pending; *p; p = &(*p)->next)
		if (*p == t) {
			*p = t->next;
			break;
		}
	t->armed = false;
}

void timeout_expire(uint64_t now_ns)
{
	while (pending && pending->deadline <= now_ns) {
		struct timeout *t = pending;
		pending = t->next;
		t->armed = false;
		t->fn(t->arg);
	}
}
