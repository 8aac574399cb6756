#include "guest-check.h"

int guest_passed, guest_failed;

int guest_summary(const char *topic)
{
	printf("%s: %d passed, %d failed\n", topic, guest_passed, guest_failed);
	return guest_failed ? 1 : 0;
}
