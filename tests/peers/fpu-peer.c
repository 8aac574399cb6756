/* The other FPU user for test-fpu: holds its own values in the x87 registers
 * while test-fpu does the same, then tells test-fpu how it went by opening
 * the device "fpu-test" that test-fpu registered, with its failure count as
 * the open mode. */
#include <sm/runtime.h>
#include <sm/traps.h>
#include "fpu-load.h"
#include "device_request.h"

int main(void)
{
	int failed = 0;
	for (int i = 0; i < 300; i++) {
		int32_t v = -1000000 - i;
		if (fpu_hold(v, 20000) != v)
			failed++;
	}
	printf("fpu-peer: %d passed, %d failed\n", 300 - failed, failed);
	mach_port_t reply = mach_reply_port();
	kern_return_t kr;
	while ((kr = device_open_request(2, reply, failed, "fpu-test")) != KERN_SUCCESS)
		swtch_pri(0);
	return 0;
}
