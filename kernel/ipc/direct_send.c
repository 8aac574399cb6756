/* Single-copy delivery (docs/architecture.md, "Direct hand-off"): a task's
 * message to a port whose receiver already sleeps in mach_msg goes from the
 * sender's buffer straight into the receiver's, with no kernel message
 * allocated. Only the header is read into the kernel (its rights are
 * translated there); the body is copied user to user once.
 *
 * The fast path takes what it can do exactly as the queued path would, and
 * leaves everything else to that path untouched (it returns false before any
 * right moves): a complex message (port rights or out-of-line memory in the
 * body), a destination that is not a task's port, a port with messages
 * queued or no waiting receiver, a receiver whose buffer is too small (its
 * MACH_RCV_LARGE answer and MACH_RCV_TOO_LARGE are the queued path's), a
 * sender buffer that cannot be read or a receiver buffer that cannot be
 * written (their errors too), buffers of one task that overlap, and a
 * message that does not lie within one page on each side (read and written
 * through user_window, vm/copyio.h). So every
 * error a sender or receiver sees is the queued path's, from the same code:
 * kmsg_copyin and kmsg_copyout on the header. */
#include "ipc/direct_send.h"
#include "ipc/mqueue.h"
#include "ipc/kmsg.h"
#include "ipc/port.h"
#include "ipc/space.h"
#include "kern/task.h"
#include "kern/thread.h"
#include "kern/printf.h"
#include "kern/string.h"
#include "vm/copyio.h"
#include "vm/kalloc.h"

uint32_t ipc_direct_single_copies;

uint32_t ipc_direct_send_count(void) { return ipc_direct_single_copies; }

/* The waiting receiver of p able to take a simple message of size bytes
 * in place, or NULL; *dst is then where its buffer lies in the kernel's
 * view. The sender's message is in task's memory at *src, a window onto
 * uaddr (copyio.h), which is taken again if filling the receiver's buffer
 * may have replaced the sender's frame (one task: copy on write). */
static struct thread *receiver_for(struct task *task, uintptr_t uaddr, const char **src, uint32_t size,
				   struct ipc_port *p, struct waitq **q, char **dst)
{
	if (!p->active || p->kotype != IKOT_NONE || p->msgcount >= p->qlimit)
		return NULL;
	struct thread *t = ipc_mqueue_waiting_receiver(p, size, q);
	if (!t)
		return NULL;
	struct ipc_port *waitee = *q == &p->receivers ? p : p->pset;
	if (waitee->receiver != t->task->space)
		return NULL;
	uintptr_t rcv = t->rcv_buffer;
	if (t->task == task && uaddr < rcv + size && rcv < uaddr + size)
		return NULL;
	/* Both buffers are known good before a right moves: the copies below
	 * cannot fail, interrupts being off in the kernel. A receiver buffer
	 * that cannot be written gets the queued path's MACH_RCV_INVALID_DATA. */
	*dst = user_window(&t->task->pmap, rcv, size, true);
	if (!*dst)
		return NULL;
	if (t->task == task && !(*src = user_window(&task->pmap, uaddr, size, false)))
		return NULL;
	return t;
}

/* The message could not go in place after all (its rights were copied in):
 * queue it as the ordinary path would have. */
static mach_msg_return_t queue_instead(const char *src, struct kmsg *header_only)
{
	struct kmsg *m = kmsg_alloc(header_only->size);
	if (!m) {
		kwarn("ipc: no memory to queue a message its receiver could not take in place: destroyed\n");
		ipc_right_destroy(kmsg_remote(header_only), MACH_MSGH_BITS_REMOTE(header_only->hdr->msgh_bits));
		ipc_right_destroy(kmsg_local(header_only), MACH_MSGH_BITS_LOCAL(header_only->hdr->msgh_bits));
		return MACH_SEND_NO_BUFFER;
	}
	memcpy(m->hdr + 1, src + sizeof(mach_msg_header_t), header_only->size - sizeof(mach_msg_header_t));
	msg_header_copy(m->hdr, header_only->hdr);
	return ipc_mqueue_send(m);
}

bool ipc_direct_send_to(struct task *task, uintptr_t uaddr, const char **src, uint32_t size, struct ipc_port *p,
			mach_msg_return_t *result)
{
	struct waitq *q;
	char *dst;
	struct thread *t = receiver_for(task, uaddr, src, size, p, &q, &dst);
	if (!t)
		return false;
	/* A kernel message with room for the header alone: kmsg_copyin and
	 * kmsg_copyout read no further in a message that is not complex. */
	union { struct kmsg k; uint8_t bytes[sizeof(struct kmsg) + sizeof(mach_msg_header_t)]; } header_only;
	struct kmsg *m = &header_only.k;
	/* The fields before the header are the kernel's own, as kmsg_alloc
	 * leaves them: no stale stack word may pass for one (a device_event
	 * mark would make kmsg_copyout re-arm an interrupt source). */
	m->next = NULL;                      /* every field, one store each */
	m->size = 0;
	m->arrival = 0;
	m->beyond_qlimit = false;
	m->noted = 0;
	m->event = NULL;
	m->room = 0;
	mach_msg_header_t *h = m->hdr;
	msg_header_copy(h, (const mach_msg_header_t *)*src);   /* the window as receiver_for left it */
	if (h->msgh_bits & MACH_MSGH_BITS_COMPLEX)
		return false;                    /* as read above, but stay safe if it moved */

	m->size = size;
	h->msgh_size = size;
	mach_msg_return_t r = kmsg_copyin(task->space, m);
	if (r != MACH_MSG_SUCCESS) {
		*result = r;                  /* the queued path's answer: it checks first too */
		return true;
	}
	/* Copying in the reply right may have sent a notification (a dead-name
	 * request's port-deleted) that took the receiver or queued ahead: a
	 * message queued on p, or on a member of p's set, wakes t. */
	if (q->head != t || p->msgs_head) {
		*result = queue_instead(*src, m);
		return true;
	}
	if (size > sizeof *h)
		memcpy(dst + sizeof *h, *src + sizeof *h, size - sizeof *h);
	/* The receiver's half, as it does for a handed kernel message
	 * (kernel/ipc/mach_msg.c): it is off the wait queue first, so a
	 * notification the copyout sends cannot be handed to it too. */
	ipc_mqueue_wake_handed(q, IPC_HANDED_IN_PLACE);
	h->msgh_seqno = p->seqno++;
	t->rcv_result = kmsg_copyout(t->task->space, m);
	msg_header_copy((mach_msg_header_t *)dst, h);
	ipc_direct_single_copies++;
	*result = MACH_MSG_SUCCESS;
	return true;
}
