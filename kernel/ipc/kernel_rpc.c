/* The kernel as a MIG client (ipc/kernel_rpc.h). */
#include "ipc/kernel_rpc.h"
#include "ipc/kmsg.h"
#include "ipc/mqueue.h"
#include "ipc/msg_body.h"
#include "ipc/port.h"
#include "kern/thread.h"
#include "kern/printf.h"
#include "kern/string.h"
#include "vm/kalloc.h"
#include <stdbool.h>

/* One reply port per thread and call, remembered by the thread: a MIG stub
 * may hand it back twice (put, then dealloc on a mismatched reply), and
 * only the first time may free it. */
mach_port_t kernel_rpc_reply_port(void)
{
	struct thread *th = current_thread();
	if (th->rpc_reply_port)
		kernel_rpc_put_reply_port((mach_port_t)(uintptr_t)th->rpc_reply_port);
	th->rpc_reply_port = ipc_port_alloc();         /* receive right held by the kernel */
	return (mach_port_t)(uintptr_t)th->rpc_reply_port;
}

void kernel_rpc_put_reply_port(mach_port_t reply)
{
	struct thread *th = current_thread();
	struct ipc_port *p = ipc_port_from_word(reply);
	if (!p || p != th->rpc_reply_port)
		return;                                  /* already put back */
	th->rpc_reply_port = NULL;
	ipc_port_destroy(p);                         /* a late reply dies with it */
	ipc_port_release(p);
}

/* Each port item of the request (checked by check_item) becomes a copy of
 * the caller's send right. */
static mach_msg_return_t copy_item_rights(void *ctx, uint8_t *msg, const struct msg_item *it)
{
	(void)ctx;
	if (!it->is_port)
		return MACH_MSG_SUCCESS;
	uint32_t *words = (uint32_t *)(msg + it->data_offset);
	for (uint32_t i = 0; i < it->number; i++)
		ipc_port_copy_send(ipc_port_from_word(words[i]));
	mach_msg_type_t *t = (mach_msg_type_t *)(msg + it->desc_offset);
	if (t->msgt_longform)
		((mach_msg_type_long_t *)t)->msgtl_name = MACH_MSG_TYPE_PORT_SEND;
	else
		t->msgt_name = MACH_MSG_TYPE_PORT_SEND;
	return MACH_MSG_SUCCESS;
}

/* Checks every item before any right is copied, so a refusal (a stub this
 * shim was not written for) leaves the caller's rights as they were. */
static mach_msg_return_t check_item(void *ctx, uint8_t *msg, const struct msg_item *it)
{
	(void)ctx;
	(void)msg;
	return it->is_port && (!it->is_inline || it->type_name != MACH_MSG_TYPE_COPY_SEND)
		? MACH_SEND_INVALID_TYPE : MACH_MSG_SUCCESS;
}

static mach_msg_return_t send_request(mach_msg_header_t *msg, mach_msg_size_t send_size)
{
	struct ipc_port *dest = ipc_port_from_word(msg->msgh_remote_port);
	struct ipc_port *reply = ipc_port_from_word(msg->msgh_local_port);
	if (!dest || !dest->active)
		return MACH_SEND_INVALID_DEST;
	if (!reply)
		return MACH_SEND_INVALID_REPLY;
	if (MACH_MSGH_BITS_REMOTE(msg->msgh_bits) != MACH_MSG_TYPE_COPY_SEND ||
	    MACH_MSGH_BITS_LOCAL(msg->msgh_bits) != MACH_MSG_TYPE_MAKE_SEND_ONCE)
		return MACH_SEND_INVALID_HEADER;
	if (send_size < sizeof *msg || send_size > KMSG_MAX_SIZE)
		return MACH_SEND_MSG_TOO_SMALL;
	struct kmsg *m = kmsg_alloc(send_size);
	if (!m)
		return MACH_SEND_NO_BUFFER;
	memcpy(m->hdr, msg, send_size);
	m->hdr->msgh_size = send_size;
	bool complex = m->hdr->msgh_bits & MACH_MSGH_BITS_COMPLEX;
	mach_msg_return_t r = complex ? msg_body_walk((uint8_t *)m->hdr, send_size, check_item, NULL) : MACH_MSG_SUCCESS;
	if (r != MACH_MSG_SUCCESS) {
		kmsg_free(m);                              /* holds no rights yet */
		return r;
	}
	if (complex)
		msg_body_walk((uint8_t *)m->hdr, send_size, copy_item_rights, NULL);
	ipc_port_copy_send(dest);
	ipc_port_make_send_once(reply);
	m->hdr->msgh_bits = MACH_MSGH_BITS_OTHER(m->hdr->msgh_bits) |
		MACH_MSGH_BITS(MACH_MSG_TYPE_PORT_SEND, MACH_MSG_TYPE_PORT_SEND_ONCE);
	return ipc_mqueue_send(m);                     /* on failure the message and its rights are gone */
}

mach_msg_return_t kernel_rpc_msg(mach_msg_header_t *msg, mach_msg_option_t option, mach_msg_size_t send_size,
				 mach_msg_size_t rcv_size, mach_port_t rcv_name, mach_msg_timeout_t timeout,
				 mach_port_t notify)
{
	(void)timeout;
	(void)notify;
	if (option != (MACH_SEND_MSG | MACH_RCV_MSG) || rcv_name != msg->msgh_local_port) {
		kwarn("kernel_rpc: unsupported mach_msg option %#x\n", option);
		return MACH_SEND_INVALID_HEADER;
	}
	struct ipc_port *reply = ipc_port_from_word(rcv_name);
	mach_msg_return_t r = send_request(msg, send_size);
	if (r != MACH_MSG_SUCCESS)
		return r;
	struct kmsg *m;
	while (!(m = ipc_mqueue_dequeue(reply))) {
		if (!reply->active)
			return MACH_RCV_PORT_DIED;
		if (thread_wait(&reply->receivers, 0) == WAIT_INTERRUPTED && thread_should_unwind())
			return MACH_RCV_INTERRUPTED;
	}
	/* The reply's destination right (our send-once right) is used up;
	 * anything else it carries is destroyed with it: the stubs this shim
	 * serves expect simple replies and check for that themselves. */
	ipc_right_release(reply, MACH_MSGH_BITS_REMOTE(m->hdr->msgh_bits));
	m->hdr->msgh_remote_port = 0;
	m->hdr->msgh_bits &= ~MACH_MSGH_BITS_REMOTE_MASK;
	uint32_t size = m->size;
	if (size <= rcv_size) {
		memcpy(msg, m->hdr, size);
		msg->msgh_size = size;
		/* As a receiver sees it: local is the port it came to (the
		 * stub hands it back to kernel_rpc_put_reply_port from there). */
		msg->msgh_local_port = rcv_name;
		msg->msgh_remote_port = MACH_PORT_NULL;
	}
	kmsg_destroy(m);
	return size <= rcv_size ? MACH_MSG_SUCCESS : MACH_RCV_TOO_LARGE;
}
