/* The server side of the IPC benchmark: publishes "bench" behind the device
 * master port, answers the device_open that clients use to find it with a
 * send right to its service port, and serves include/sm/bench.defs there. */
#include <sm/runtime.h>
#include <sm/traps.h>
#include <mach/mig_errors.h>
#include "smhost.h"
#include "mach.h"
#include "device_reply.h"
#include "bench_server.h"

boolean_t bench_server(mach_msg_header_t *in, mach_msg_header_t *out);   /* the MIG demux */

static mach_port_t service;

kern_return_t bench_null(mach_port_t server)
{
	return KERN_SUCCESS;
}

kern_return_t bench_ool(mach_port_t server, pointer_t data, mach_msg_type_number_t count, int *checksum)
{
	unsigned char *bytes = ((unsigned char *)(data));
	*checksum = count ? bytes[0] + bytes[count - 1] : 0;
	if (count)
		vm_deallocate(mach_task_self(), (vm_address_t)bytes, count);
	return KERN_SUCCESS;
}

int main(void)
{
	service = mach_reply_port();
	if (sm_device_register(2, "bench", service) != KERN_SUCCESS) {
		printf("bench-server: cannot register\n");
		return 1;
	}
	/* The usual MIG server loop: each reply is sent by the same mach_msg
	 * call that receives the next request, into the reply's buffer. */
	static union { mach_msg_header_t head; char buf[8192]; } a, b;
	mach_msg_header_t *request = &a.head, *reply = &b.head;
	mach_msg_option_t send = 0;
	for (;;) {
		mach_msg_return_t mr = mach_msg(reply, send | MACH_RCV_MSG, send ? reply->msgh_size : 0,
						sizeof a, service, 0, 0);
		send = 0;
		if (mr != MACH_MSG_SUCCESS)
			continue;
		mach_msg_header_t *t = request;          /* what arrived is the next request */
		request = reply;
		reply = t;
		if (request->msgh_id == 2800) {          /* device_open: hand out the service port */
			ds_device_open_reply(request->msgh_remote_port, MACH_MSGH_BITS_REMOTE(request->msgh_bits),
					     KERN_SUCCESS, service);
			continue;
		}
		bench_server(request, reply);
		if (((mig_reply_header_t *)reply)->RetCode != MIG_NO_REPLY && MACH_PORT_VALID(reply->msgh_remote_port))
			send = MACH_SEND_MSG;
	}
}
