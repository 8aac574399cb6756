/* A second task for test-ipc: it publishes the device name "ipc-peer", answers
 * one device_open with a send right to a port of its own, then waits for an
 * order on that port: id 1 = exit, id 2 = fault. Either way its ports die and
 * test-ipc watches what its rights turn into. Booted twice: the second copy
 * keeps trying to register until the first has died and the name is free
 * again, as a restarted driver would. */
#include <sm/runtime.h>
#include <sm/traps.h>
#include "smhost.h"
#include "device_reply.h"

int main(void)
{
	mach_port_t service = mach_reply_port(), port = mach_reply_port();
	kern_return_t kr;
	while ((kr = sm_device_register(2, "ipc-peer", service)) == KERN_NAME_EXISTS)
		swtch_pri(0);
	if (kr != KERN_SUCCESS) {
		printf("ipc-peer: cannot register (%x)\n", kr);
		return 1;
	}
	struct { mach_msg_header_t head; char body[256]; } msg;
	if (mach_msg(&msg.head, MACH_RCV_MSG, 0, sizeof msg, service, 0, 0) != MACH_MSG_SUCCESS)
		return 2;
	ds_device_open_reply(msg.head.msgh_remote_port, MACH_MSG_TYPE_MOVE_SEND_ONCE, KERN_SUCCESS, port);
	for (;;) {
		if (mach_msg(&msg.head, MACH_RCV_MSG, 0, sizeof msg, port, 0, 0) != MACH_MSG_SUCCESS)
			return 3;
		if (msg.head.msgh_id == 1) {
			printf("ipc-peer: exiting as asked\n");
			return 0;
		}
		if (msg.head.msgh_id == 2) {
			printf("ipc-peer: faulting as asked\n");
			smrt_console_flush();
			*(volatile int *)0 = 0;
		}
	}
}
