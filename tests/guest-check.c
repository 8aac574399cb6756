#include "guest-check.h"
#include <string.h>
#include <sm/traps.h>
#include "smhost.h"

int guest_passed, guest_failed;

int guest_summary(const char *topic)
{
	printf("%s: %d passed, %d failed\n", topic, guest_passed, guest_failed);
	return guest_failed ? 1 : 0;
}

void kernel_counts(uint32_t c[4])
{
	CHECK_EQ(sm_kernel_stats(smrt_host_port(), &c[0], &c[1], &c[2], &c[3]), KERN_SUCCESS);
}

void check_counts_back(const uint32_t base[4], const char *after)
{
	uint32_t now[4];
	for (int i = 0; i < 100; i++) {
		kernel_counts(now);
		if (!memcmp(now, base, sizeof now))
			break;
		smrt_sleep_ms(10);
	}
	CHECK(!memcmp(now, base, sizeof now), "after %s: free pages %u->%u, heap %u->%u, ports %u->%u, ool %u->%u",
	      after, base[0], now[0], base[1], now[1], base[2], now[2], base[3], now[3]);
}
