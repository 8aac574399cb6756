/* The kernel's warnings (kwarn, kern/printf.h) share one rate limit: any task
 * can make the kernel warn as often as it can make calls, and each line costs
 * the machine its serial output. The first KWARN_BURST lines of a burst all
 * appear; after that one line per KWARN_MS_PER_LINE ms, and when lines flow
 * again a count of those dropped comes first. */
#include "kern/printf.h"
#include "kern/ratelimit.h"
#include "kern/clock.h"

#define KWARN_BURST       100
#define KWARN_MS_PER_LINE 50          /* 20 lines a second, sustained */

static struct ratelimit kwarn_limit = RATELIMIT_INIT(KWARN_BURST, KWARN_MS_PER_LINE);

bool kwarn_admit(void)
{
	uint32_t suppressed;
	/* HZ is 1000: a tick is a millisecond. */
	if (!ratelimit_admit(&kwarn_limit, (uint32_t)clock_ticks(), &suppressed))
		return false;
	if (suppressed)
		kprintf("warning: %u warnings suppressed\n", (unsigned)suppressed);
	return true;
}
