/* The mach_msg trap: copy a message in from the sending task, queue it, and
 * receive one into the receiving task's buffer. */
#include "ipc/mach_msg.h"
#include "ipc/mqueue.h"
#include "ipc/direct_send.h"
#include "ipc/rpc_send.h"
#include "ipc/kmsg.h"
#include "ipc/port.h"
#include "ipc/space.h"
#include "ipc/kobject.h"
#include "kern/time_server_link.h"
#include "device/device_layer.h"
#include "kern/task.h"
#include "kern/thread.h"
#include "kern/sched.h"
#include "kern/printf.h"
#include "vm/copyio.h"
#include "vm/kalloc.h"
#include "kern/string.h"

mach_msg_return_t ipc_mqueue_wait_space(struct ipc_space *space, mach_port_name_t dest,
					uint32_t disposition, mach_msg_option_t option, uint32_t timeout_ms)
{
	if (disposition == MACH_MSG_TYPE_MOVE_SEND_ONCE || disposition == MACH_MSG_TYPE_MAKE_SEND_ONCE)
		return MACH_MSG_SUCCESS;
	for (;;) {
		struct ipc_entry *e = ipc_space_lookup(space, dest);
		if (!e || !e->port)
			return MACH_MSG_SUCCESS;          /* copyin reports the bad name */
		struct ipc_port *p = e->port;
		if (!p->active || p->kotype != IKOT_NONE || p->msgcount < p->qlimit)
			return MACH_MSG_SUCCESS;
		if ((option & MACH_SEND_TIMEOUT) && timeout_ms == 0)
			return MACH_SEND_TIMED_OUT;
		ipc_port_ref(p);
		enum wait_result r = thread_wait(&p->senders, (option & MACH_SEND_TIMEOUT) ? timeout_ms : 0);
		ipc_port_release(p);
		if (r == WAIT_TIMED_OUT)
			return MACH_SEND_TIMED_OUT;
		if (r == WAIT_INTERRUPTED && thread_should_unwind())   /* aborted or ending */
			return MACH_SEND_INTERRUPTED;
	}
}

mach_msg_return_t ipc_mqueue_send(struct kmsg *m)
{
	struct ipc_port *p = kmsg_remote(m);
	if (!p->active) {
		kmsg_destroy(m);
		return MACH_SEND_INVALID_DEST;
	}
	if (p->kotype == IKOT_DEVICE_MASTER) {
		device_master_receive(m);
		return MACH_MSG_SUCCESS;
	}
	if (p->kotype == IKOT_HOST_PRIV && time_server_forward(m))
		return MACH_MSG_SUCCESS;
	if (p->kotype != IKOT_NONE)
		return kobject_receive(m);
	return ipc_mqueue_enqueue(p, m);
}

/* Whether ipc_mqueue_wait_space could do more than return success at
 * once: its first pass, inline, so that a send that never waits (a
 * send-once right, a kernel object, a queue with room) makes no call. */
static inline bool may_wait_for_space(struct ipc_space *space, mach_port_name_t dest, uint32_t disposition)
{
	if (disposition == MACH_MSG_TYPE_MOVE_SEND_ONCE || disposition == MACH_MSG_TYPE_MAKE_SEND_ONCE)
		return false;
	struct ipc_entry *e = ipc_space_lookup(space, dest);
	struct ipc_port *p = e ? e->port : NULL;
	return p && p->active && p->kotype == IKOT_NONE && p->msgcount >= p->qlimit;
}

static mach_msg_return_t send_from_user(struct task *task, uintptr_t uaddr, uint32_t size,
					mach_msg_option_t option, uint32_t timeout_ms)
{
	if (size < sizeof(mach_msg_header_t) || size % 4) {
		kwarn("task %u: mach_msg send size %u is not a whole message\n", task->id, size);
		return MACH_SEND_MSG_TOO_SMALL;
	}
	if (size > KMSG_MAX_SIZE) {
		kwarn("task %u: mach_msg send size %u exceeds %u\n", task->id, size, KMSG_MAX_SIZE);
		return MACH_SEND_NO_BUFFER;
	}
	/* A message within one page is read through a window onto it. */
	const char *src = user_window(&task->pmap, uaddr, size, false);
	mach_msg_return_t r;
	if (src && ipc_direct_send(task, uaddr, &src, size, &r))
		return r;
	if (src && current_thread()->reply_rcv_name &&
	    MACH_MSGH_BITS_PORTS(((const mach_msg_header_t *)src)->msgh_bits) == IPC_RPC_REQUEST &&
	    kobject_call_serve(task, src, size, &r))
		return r;
	/* Copied in first, as Mach does: a sender that waits for queue space
	 * sends what its buffer held when it called. */
	struct kmsg *m = kmsg_alloc(size);
	if (!m)
		return MACH_SEND_NO_BUFFER;
	if (src)
		msg_copy(m->hdr, src, size);
	else if (copyin(&task->pmap, uaddr, m->hdr, size) < 0) {
		kmsg_free(m);
		return MACH_SEND_INVALID_DATA;
	}
	uint32_t rd = MACH_MSGH_BITS_REMOTE(m->hdr->msgh_bits);
	r = may_wait_for_space(task->space, m->hdr->msgh_remote_port, rd)
		? ipc_mqueue_wait_space(task->space, m->hdr->msgh_remote_port, rd, option, timeout_ms)
		: MACH_MSG_SUCCESS;
	if (r != MACH_MSG_SUCCESS) {
		kmsg_free(m);
		return r;
	}
	m->hdr->msgh_size = size;
	r = kmsg_copyin(task->space, m);
	if (r != MACH_MSG_SUCCESS) {
		kmsg_free(m);
		return r;
	}
	return ipc_mqueue_send(m);
}

/* Where to write a received message m for task at uaddr: its kernel view
 * (user_window) when the message lies in one page and carries no
 * out-of-line memory, whose mapping at copyout could change the task's
 * pages; NULL otherwise. */
static char *receive_window(struct task *task, uintptr_t uaddr, const struct kmsg *m)
{
	if (m->hdr->msgh_bits & MACH_MSGH_BITS_COMPLEX)
		return NULL;
	return user_window(&task->pmap, uaddr, m->size, true);
}

/* Write m (in the receiver's form) to the buffer found writable at uaddr,
 * through dst if a window, and free it. */
static void write_received(struct task *task, uintptr_t uaddr, char *dst, struct kmsg *m)
{
	if (dst)
		msg_copy(dst, m->hdr, m->size);
	else
		copyout(&task->pmap, m->hdr, uaddr, m->size);
	kmsg_free(m);
}

/* Deliver a message the sender handed to this thread while it slept on
 * waitee (kernel/ipc/mqueue.c), if nothing it was received for has changed
 * since: the port still this receiver's, under the same name or in the same
 * set, and the buffer writable. Otherwise the message goes back to the head
 * of its port's queue (or, the port dead, is destroyed) and false is
 * returned: the caller then goes on as if woken without it, and finds it
 * there, or the change, the ordinary way. */
static bool deliver_handed(struct task *task, uintptr_t uaddr, struct ipc_port *waitee, mach_port_name_t name,
			   struct kmsg *m, mach_msg_return_t *result)
{
	struct ipc_port *p = kmsg_remote(m);
	bool same = p == waitee ? !p->pset && p->receiver_name == name
				: p->pset == waitee && waitee->active && waitee->receiver == task->space &&
				  waitee->receiver_name == name;
	char *dst = p->active && p->receiver == task->space && same ? receive_window(task, uaddr, m) : NULL;
	if (dst || (p->active && p->receiver == task->space && same && copyout_check(&task->pmap, uaddr, m->size) == 0)) {
		m->hdr->msgh_seqno = p->seqno++;
		m->hdr->msgh_size = m->size;
		*result = kmsg_copyout(task->space, m);       /* maps OOL memory */
		write_received(task, uaddr, dst, m);
		return true;
	}
	if (p->active)
		ipc_mqueue_requeue_head(p, m);
	else
		kmsg_destroy(m);
	return false;
}

static mach_msg_return_t receive_to_user(struct task *task, uintptr_t uaddr, uint32_t rcv_size,
					 mach_port_name_t name, mach_msg_option_t option, uint32_t timeout_ms)
{
	for (;;) {
		struct ipc_entry *e = ipc_space_lookup(task->space, name);
		if (!e || !(e->type & (MACH_PORT_TYPE_RECEIVE | MACH_PORT_TYPE_PORT_SET)))
			return MACH_RCV_INVALID_NAME;
		/* From a port set: the member whose first message is the oldest. */
		struct ipc_port *waitee = e->port, *p = waitee;
		if (waitee->is_set)
			p = ipc_pset_ready_member(waitee);
		else if (waitee->pset)
			return MACH_RCV_IN_SET;
		struct kmsg *m = p ? p->msgs_head : NULL;
		if (m) {
			if (m->size > rcv_size) {
				if (option & MACH_RCV_LARGE) {
					/* Leave it queued and tell the caller the size it needs,
					 * in its header's msgh_size: through copyout like every
					 * user write, so a buffer that is not the caller's to
					 * write (read-only, unmapped, the kernel half) gets an
					 * error and no byte is written. */
					if (copyout(&task->pmap, &m->size, uaddr + offsetof(mach_msg_header_t, msgh_size),
						    sizeof m->size) < 0) {
						kwarn("task %u: mach_msg MACH_RCV_LARGE buffer at %p is not writable\n",
						      task->id, (void *)uaddr);
						return MACH_RCV_INVALID_DATA;
					}
					return MACH_RCV_TOO_LARGE;
				}
				ipc_mqueue_dequeue(p);
				kmsg_destroy(m);
				return MACH_RCV_TOO_LARGE;
			}
			char *dst = receive_window(task, uaddr, m);
			if (!dst && copyout_check(&task->pmap, uaddr, m->size) < 0)
				return MACH_RCV_INVALID_DATA;  /* the message stays queued */
			ipc_mqueue_dequeue(p);
			m->hdr->msgh_seqno = p->seqno++;
			m->hdr->msgh_size = m->size;
			mach_msg_return_t body = kmsg_copyout(task->space, m);   /* maps OOL memory */
			write_received(task, uaddr, dst, m);
			return body;
		}
		if ((option & MACH_RCV_TIMEOUT) && timeout_ms == 0)
			return MACH_RCV_TIMED_OUT;
		ipc_port_ref(waitee);
		struct thread *self = current_thread();
		self->rcv_handoff_limit = rcv_size;
		self->rcv_buffer = uaddr;
		enum wait_result r = thread_wait(&waitee->receivers, (option & MACH_RCV_TIMEOUT) ? timeout_ms : 0);
		self->rcv_handoff_limit = 0;
		struct kmsg *handed = self->wait_data;
		self->wait_data = NULL;
		if (handed == IPC_HANDED_IN_PLACE) {          /* already in the buffer */
			ipc_port_release(waitee);
			return self->rcv_result;
		}
		mach_msg_return_t delivered;
		if (handed && deliver_handed(task, uaddr, waitee, name, handed, &delivered)) {
			ipc_port_release(waitee);
			return delivered;
		}
		bool died = !waitee->active;
		/* Moved to another holder or renamed while this thread slept
		 * (ipc_port_set_receiver, ipc_port_receiver_gone wake it). */
		bool changed = !died && (waitee->receiver != task->space || waitee->receiver_name != name);
		ipc_port_release(waitee);
		if (r == WAIT_TIMED_OUT)
			return MACH_RCV_TIMED_OUT;
		if (died)
			return MACH_RCV_PORT_DIED;
		if (changed)
			return MACH_RCV_PORT_CHANGED;
		if (r == WAIT_INTERRUPTED)
			return MACH_RCV_INTERRUPTED;
	}
}

/* Whether the current thread's receive, run next, would take a message of
 * size bytes from reply at once, into its own buffer: the receive names
 * reply, its own, not in a set, with nothing queued and no other thread of
 * its task receiving on it, and the message fits. */
static inline bool reply_receivable(struct thread *self, struct ipc_port *reply, uint32_t size)
{
	struct ipc_space *space = self->task->space;
	if (!self->reply_rcv_name || reply->receiver_name != self->reply_rcv_name || reply->receiver != space ||
	    !reply->active || reply->is_set || reply->pset || reply->msgs_head || reply->receivers.head ||
	    size > self->reply_rcv_size)
		return false;
	struct ipc_entry *e = ipc_space_lookup(space, self->reply_rcv_name);
	return e && e->port == reply && (e->type & MACH_PORT_TYPE_RECEIVE);
}

bool ipc_reply_deliver(struct ipc_port *reply, struct kmsg *r)
{
	struct thread *self = current_thread();
	struct task *task = self->task;
	if (!reply_receivable(self, reply, r->size))
		return false;
	uintptr_t uaddr = self->reply_rcv_buffer;
	char *dst = receive_window(task, uaddr, r);
	if (!dst && copyout_check(&task->pmap, uaddr, r->size) < 0)
		return false;                             /* the receive's MACH_RCV_INVALID_DATA */
	/* As receive_to_user would take it off the queue. */
	r->hdr->msgh_seqno = reply->seqno++;
	r->hdr->msgh_size = r->size;
	self->rcv_result = kmsg_copyout(task->space, r);   /* maps OOL memory */
	write_received(task, uaddr, dst, r);
	self->reply_rcv_name = 0;
	self->reply_in_place = true;
	return true;
}

bool ipc_reply_in_place(struct ipc_port *reply, uint32_t rtype, const mach_msg_header_t *out)
{
	struct thread *self = current_thread();
	struct task *task = self->task;
	uint32_t size = out->msgh_size;
	if ((out->msgh_bits & MACH_MSGH_BITS_COMPLEX) || !reply_receivable(self, reply, size))
		return false;
	char *dst = user_window(&task->pmap, self->reply_rcv_buffer, size, true);
	if (!dst)
		return false;
	/* As receive_to_user and kmsg_copyout would deliver it: the next
	 * sequence number, no reply right, local the name received on. */
	mach_msg_header_t *h = (mach_msg_header_t *)dst;
	h->msgh_bits = MACH_MSGH_BITS_OTHER(out->msgh_bits) | MACH_MSGH_BITS(0, rtype);
	h->msgh_size = out->msgh_size;
	h->msgh_remote_port = MACH_PORT_NULL;
	h->msgh_local_port = self->reply_rcv_name;
	h->msgh_seqno = reply->seqno++;
	h->msgh_id = out->msgh_id;
	memcpy(dst + sizeof *h, out + 1, size - sizeof *h);
	ipc_right_release(reply, rtype);              /* delivered: the destination right is used up */
	self->reply_rcv_name = 0;
	self->reply_in_place = true;
	self->rcv_result = MACH_MSG_SUCCESS;
	return true;
}

mach_msg_return_t mach_msg_trap_impl(uintptr_t msg, mach_msg_option_t option, uint32_t send_size,
				     uint32_t rcv_size, mach_port_name_t rcv_name, uint32_t timeout_ms)
{
	struct thread *self = current_thread();
	struct task *task = self->task;
	if (option & MACH_SEND_MSG) {
		/* A receiver the send wakes runs straight from this thread's
		 * switch in the receive below (sched_wake_direct); a kernel
		 * object may write its reply where that receive would put it. */
		self->send_then_receive = option & MACH_RCV_MSG;
		self->reply_rcv_name = option & MACH_RCV_MSG ? rcv_name : 0;
		self->reply_rcv_buffer = msg;
		self->reply_rcv_size = rcv_size;
		mach_msg_return_t r = send_from_user(task, msg, send_size, option, timeout_ms);
		self->send_then_receive = false;
		self->reply_rcv_name = 0;
		if (r != MACH_MSG_SUCCESS) {
			self->reply_in_place = false;
			sched_settle_direct();
			return r;
		}
		task->messages_sent++;
	}
	if (option & MACH_RCV_MSG) {
		mach_msg_return_t r = self->reply_in_place ? self->rcv_result
			: receive_to_user(task, msg, rcv_size, rcv_name, option, timeout_ms);
		self->reply_in_place = false;
		sched_settle_direct();                  /* it did not block: the receiver is queued */
		if (r == MACH_MSG_SUCCESS || (r & ~MACH_MSG_MASK) == MACH_RCV_BODY_ERROR)
			task->messages_received++;
		return r;
	}
	return MACH_MSG_SUCCESS;
}
