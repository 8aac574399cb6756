#include "ipc/kobject.h"
#include "ipc/kmsg.h"
#include "ipc/mqueue.h"
#include "ipc/port.h"
#include "kern/printf.h"
#include "vm/kalloc.h"
#include <mach/mig_errors.h>
#include <stdbool.h>

#define KOBJECT_REPLY_MAX 4096

/* Every interface the kernel serves: the MIG demux for each. A demux returns
 * false, with a MIG_BAD_ID reply, for a message id outside its subsystem. */
typedef boolean_t (*demux_t)(mach_msg_header_t *in, mach_msg_header_t *out);
extern boolean_t smhost_server(mach_msg_header_t *in, mach_msg_header_t *out);
static const demux_t interfaces[] = { smhost_server };

static void bad_id_reply(const mach_msg_header_t *in, mig_reply_header_t *out)
{
	out->Head.msgh_bits = MACH_MSGH_BITS(MACH_MSGH_BITS_REMOTE(in->msgh_bits), 0);
	out->Head.msgh_size = sizeof *out;
	out->Head.msgh_remote_port = in->msgh_remote_port;
	out->Head.msgh_local_port = MACH_PORT_NULL;
	out->Head.msgh_seqno = 0;
	out->Head.msgh_id = in->msgh_id + 100;
	out->RetCodeType = (mach_msg_type_t){ MACH_MSG_TYPE_INTEGER_32, 32, 1, 1, 0, 0, 0 };
	out->RetCode = MIG_BAD_ID;
}

mach_msg_return_t kobject_receive(struct kmsg *m)
{
	mach_msg_header_t *in = m->hdr;
	struct ipc_port *dest = kmsg_remote(m), *reply = kmsg_local(m);
	uint32_t dtype = MACH_MSGH_BITS_REMOTE(in->msgh_bits), rtype = MACH_MSGH_BITS_LOCAL(in->msgh_bits);
	/* Present the request as a receiver sees it: remote = reply, local = dest. */
	in->msgh_remote_port = (uint32_t)reply;
	in->msgh_local_port = (uint32_t)dest;
	in->msgh_bits = MACH_MSGH_BITS_OTHER(in->msgh_bits) | MACH_MSGH_BITS(rtype, dtype);

	struct kmsg *r = kmsg_alloc(KOBJECT_REPLY_MAX);
	if (!r) {
		kmsg_destroy(m);
		return MACH_SEND_NO_BUFFER;
	}
	bool served = false;
	for (unsigned i = 0; i < sizeof interfaces / sizeof interfaces[0] && !served; i++)
		served = interfaces[i](in, r->hdr);
	if (!served) {
		kwarn("kernel object: no routine for message id %d\n", in->msgh_id);
		bad_id_reply(in, (mig_reply_header_t *)r->hdr);
	}

	/* The request is used up: the destination right and any body rights go. */
	in->msgh_local_port = 0;
	in->msgh_remote_port = (uint32_t)dest;
	in->msgh_bits = MACH_MSGH_BITS_OTHER(in->msgh_bits) | MACH_MSGH_BITS(dtype, 0);
	kmsg_destroy(m);

	mig_reply_header_t *out = (mig_reply_header_t *)r->hdr;
	if (!reply || out->RetCode == MIG_NO_REPLY || out->Head.msgh_size > KOBJECT_REPLY_MAX) {
		if (reply)
			ipc_right_release(reply, rtype);
		kfree(r);
		return MACH_MSG_SUCCESS;
	}
	r->size = out->Head.msgh_size;
	out->Head.msgh_remote_port = (uint32_t)reply;
	out->Head.msgh_local_port = 0;
	out->Head.msgh_bits = MACH_MSGH_BITS_OTHER(out->Head.msgh_bits) | MACH_MSGH_BITS(rtype, 0);
	ipc_mqueue_send(r);
	return MACH_MSG_SUCCESS;
}
