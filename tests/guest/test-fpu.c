/* test-fpu: two tasks keep values in the x87 registers across system calls
 * and timer preemption; each must always read back its own value, so the
 * kernel keeps one FPU image per thread (switched lazily, see i386/fpu.h). */
#include "guest-check.h"
#include <sm/traps.h>
#include "fpu-load.h"
#include "smhost.h"

int main(void)
{
	mach_port_t done = mach_reply_port();
	CHECK_EQ(sm_device_register(2, "fpu-test", done), KERN_SUCCESS);
	int wrong = 0;
	for (int i = 0; i < 400; i++) {
		int32_t v = 12345 + i;
		if (fpu_hold(v, 20000) != v)
			wrong++;
	}
	CHECK(wrong == 0, "%d of 400 values came back changed", wrong);
	double x = 1.0;                       /* ordinary floating point still works */
	for (int i = 0; i < 10; i++)
		x = x * 3.0 + 0.5;
	CHECK(x == 73811.0, "x87 arithmetic gave %d", (int)x);

	/* Wait for the peer's report: a device_open whose mode is its failure count. */
	struct { mach_msg_header_t head; mach_msg_type_t t; int mode; char rest[200]; } msg;
	CHECK_EQ(mach_msg(&msg.head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof msg, done, 20000, 0), MACH_MSG_SUCCESS);
	CHECK_EQ(msg.mode, 0);
	return guest_summary("test-fpu");
}
