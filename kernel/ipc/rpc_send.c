/* The RPC-shaped send (docs/architecture.md, "Direct hand-off", "The RPC
 * shape"): a request (COPY_SEND destination, MAKE_SEND_ONCE reply port) or
 * a reply (MOVE_SEND_ONCE destination, no reply port), simple, to a task's
 * port a thread of another task waits on in mach_msg receive (on the port or
 * on its set), goes from the sender's buffer into the receiver's with its two
 * rights handled here, not through a header-only kernel message and
 * kmsg_copyin / kmsg_copyout.
 *
 * The single-copy path (direct_send.c) would deliver the same message; this
 * one writes what that path would write, and leaves to it (false, nothing
 * changed) every case it does not cover:
 * - another combination of rights, a reply port naming the destination's
 *   entry, a reply with a reply port, or a name that does not hold the
 *   right its disposition needs (the general path has the error to give);
 * - a dead destination, one with messages queued (checked by the caller) or
 *   a full queue, one with a dead-name request (moving its send-once right
 *   may send a notification that takes the receiver);
 * - no thread waiting on the port or its set (ipc_mqueue_waiting_receiver:
 *   on the set only while no member holds a message, oldest first), a
 *   buffer too small for the message (MACH_RCV_TOO_LARGE, and
 *   MACH_RCV_LARGE's answer, are the general path's), a receiver in the
 *   sender's task, or a receiver buffer that cannot be written within one
 *   page.
 * Every test is made before any right moves or byte is written. */
#include "ipc/rpc_send.h"
#include "ipc/direct_send.h"
#include "ipc/mqueue.h"
#include "ipc/kmsg.h"
#include "ipc/port.h"
#include "ipc/space.h"
#include "kern/task.h"
#include "kern/thread.h"
#include "kern/string.h"
#include "vm/copyio.h"

uint32_t ipc_rpc_send_count;

bool ipc_rpc_send(struct task *task, const char *src, uint32_t size, struct ipc_entry *de, struct ipc_port *p)
{
	const mach_msg_header_t *uh = (const mach_msg_header_t *)src;
	mach_msg_bits_t bits = uh->msgh_bits;
	mach_port_name_t dest = uh->msgh_remote_port, reply = uh->msgh_local_port;
	/* The receiver first: a server busy when a request comes (most of a
	 * block client's at QD32) is turned away before the names are read. */
	struct waitq *q;
	struct thread *t = ipc_mqueue_waiting_receiver(p, size, &q);
	if (!p->active || !t || t->task == task)
		return false;
	/* The port, and the set it waits on if so, are its space's: then the
	 * receiver names the port as the general path's kmsg_copyout would. */
	struct ipc_space *rspace = t->task->space;
	if (p->receiver != rspace || (q != &p->receivers && p->pset->receiver != rspace))
		return false;
	struct ipc_space *space = task->space;
	struct ipc_entry *re = NULL;
	if (MACH_MSGH_BITS_PORTS(bits) == IPC_RPC_REQUEST) {
		/* A send right's sender would wait for room in a full queue. */
		if (!(de->type & MACH_PORT_TYPE_SEND) || p->msgcount >= p->qlimit || reply == dest)
			return false;
		re = ipc_space_lookup(space, reply);
		if (!re || !(re->type & MACH_PORT_TYPE_RECEIVE))
			return false;
	} else {
		if (!(de->type & MACH_PORT_TYPE_SEND_ONCE) || reply != MACH_PORT_NULL || p->dnrequests)
			return false;
	}
	char *dst = user_window(&t->task->pmap, t->rcv_buffer, size, true);
	if (!dst)
		return false;

	/* The destination right: a copied send right would be used up on
	 * delivery (one more send right and reference, then one fewer), so
	 * it is not made at all; a moved send-once right leaves the sender's
	 * space (its entry's reference travels) and is used up below. */
	struct ipc_port *rp = re ? re->port : NULL;
	if (rp)
		ipc_port_make_send_once(rp);
	else
		ipc_space_free_entry(space, dest);
	mach_msg_id_t id = uh->msgh_id;
	if (size > sizeof(mach_msg_header_t))
		memcpy(dst + sizeof(mach_msg_header_t), src + sizeof(mach_msg_header_t), size - sizeof(mach_msg_header_t));
	/* Off the wait queue before the reply right is named in its space:
	 * as in direct_send.c, nothing that naming sends can be handed to it. */
	ipc_mqueue_wake_handed(q, IPC_HANDED_IN_PLACE);
	t->rcv_result = MACH_MSG_SUCCESS;
	mach_msg_header_t *h = (mach_msg_header_t *)dst;
	h->msgh_bits = MACH_MSGH_BITS_OTHER(bits) |
		       MACH_MSGH_BITS(rp ? MACH_MSG_TYPE_PORT_SEND_ONCE : 0,
				      rp ? MACH_MSG_TYPE_PORT_SEND : MACH_MSG_TYPE_PORT_SEND_ONCE);
	h->msgh_size = size;
	h->msgh_remote_port = rp ? ipc_right_copyout(rspace, rp, MACH_MSG_TYPE_PORT_SEND_ONCE) : MACH_PORT_NULL;
	h->msgh_local_port = p->receiver_name;
	h->msgh_seqno = p->seqno++;
	h->msgh_id = id;
	if (!rp)
		ipc_port_release_send_once(p);   /* delivered: the destination right is used up */
	ipc_direct_single_copies++;
	ipc_rpc_send_count++;
	return true;
}
