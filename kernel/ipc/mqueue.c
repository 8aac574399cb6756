/* A port's message queue: putting messages on it and taking them off, and
 * the bound on messages queued beyond a port's queue limit.
 *
 * A sender with a send right waits for room (ipc_mqueue_wait_space), but a
 * send-once right never waits, as in Mach, and neither does the kernel: its
 * replies, notifications and forwarded device requests are queued at once.
 * Without a bound, a task that sends requests to kernel objects naming a
 * reply port it never receives from grows that queue until the machine runs
 * out of memory (a hostile task got it down to 7 free pages). So a message
 * past the queue limit is accepted only while the port holds fewer than
 * MQUEUE_OVERFLOW_PER_PORT such messages and the kernel as a whole fewer than
 * MQUEUE_OVERFLOW_TOTAL; beyond that it is dropped with a log line: its
 * destination right counts as used (a dropped send-once message does not come
 * back as a send-once notification to the same full queue), every other right
 * it carries is destroyed, and the sender, if a task, gets
 * MACH_SEND_NO_BUFFER. A queue that is received from never gets near these
 * bounds: they cost only the tasks that let replies pile up. */
#include "ipc/mqueue.h"
#include "ipc/kmsg.h"
#include "ipc/port.h"
#include "kern/printf.h"
#include "kern/thread.h"
#include "kern/sched.h"
#include "kern/assert.h"

static uint32_t overflow_total;      /* messages queued past their port's limit */
static uint32_t arrivals;            /* stamps kmsg.arrival */
uint32_t ipc_mqueue_handoffs;        /* messages handed straight to a waiting receiver */

uint32_t ipc_mqueue_overflow_count(void) { return overflow_total; }
uint32_t ipc_mqueue_handoff_count(void) { return ipc_mqueue_handoffs; }

/* Direct hand-off (docs/architecture.md): a receiver already asleep in
 * mach_msg on p (or on p's set) with a buffer the message fits gets it in
 * its wait_data instead of finding it queued. Only an empty queue can have
 * such a receiver, so the message is the oldest either way and order holds;
 * a receiver that cannot use it after all (kernel/ipc/mach_msg.c) puts it
 * back at the head with ipc_mqueue_requeue_head. */
static bool hand_off(struct ipc_port *p, struct kmsg *m)
{
	struct waitq *q;
	if (!ipc_mqueue_waiting_receiver(p, m->size, &q))
		return false;
	assert(!p->msgs_tail == !p->msgs_head && !p->msgs_head == (p->msgcount == 0));
	m->arrival = arrivals++;
	m->next = NULL;
	ipc_mqueue_wake_handed(q, m);
	return true;
}

mach_msg_return_t ipc_mqueue_enqueue(struct ipc_port *p, struct kmsg *m)
{
	if (hand_off(p, m))
		return MACH_MSG_SUCCESS;
	if (p->msgcount >= p->qlimit) {
		if (p->msgcount - p->qlimit >= MQUEUE_OVERFLOW_PER_PORT || overflow_total >= MQUEUE_OVERFLOW_TOTAL) {
			/* One line for the 1st, 2nd, 4th, 8th ... drop: a flood
			 * shows, without a line per message. */
			static uint32_t dropped;
			dropped++;
			if ((dropped & (dropped - 1)) == 0)
				kwarn("ipc: %u messages dropped past queue bounds; now port %p with %u (limit %u), "
				      "%u past limits in all, message id %d\n", dropped, (void *)p, p->msgcount,
				      p->qlimit, overflow_total, m->hdr->msgh_id);
			ipc_right_release(p, MACH_MSGH_BITS_REMOTE(m->hdr->msgh_bits));
			m->hdr->msgh_remote_port = 0;
			kmsg_destroy(m);
			return MACH_SEND_NO_BUFFER;
		}
		m->beyond_qlimit = true;
		overflow_total++;
	}
	m->arrival = arrivals++;
	m->next = NULL;
	if (p->msgs_tail) {
		p->msgs_tail->next = m;
	} else {
		p->msgs_head = m;
		if (p->pset)
			ipc_pset_first_queued(p);
	}
	p->msgs_tail = m;
	p->msgcount++;
	if (!waitq_wake_one(&p->receivers, WAIT_AWAKENED, NULL) && p->pset)
		waitq_wake_one(&p->pset->receivers, WAIT_AWAKENED, NULL);
	return MACH_MSG_SUCCESS;
}

struct kmsg *ipc_mqueue_dequeue(struct ipc_port *p)
{
	struct kmsg *m = p->msgs_head;
	if (!m)
		return NULL;
	assert(p->msgcount > 0 && p->msgs_tail);
	p->msgs_head = m->next;
	if (!p->msgs_head)
		p->msgs_tail = NULL;
	p->msgcount--;
	if (m->beyond_qlimit) {
		m->beyond_qlimit = false;
		overflow_total--;
	}
	waitq_wake_one(&p->senders, WAIT_AWAKENED, NULL);
	/* Last, after the call: the set's work then keeps nothing but p live
	 * across it (fewer registers saved), and a port in no set pays one
	 * test. */
	if (p->pset)
		ipc_pset_dequeued(p);
	return m;
}

void ipc_mqueue_requeue_head(struct ipc_port *p, struct kmsg *m)
{
	assert(m != p->msgs_head);
	m->next = p->msgs_head;
	p->msgs_head = m;
	if (!p->msgs_tail)
		p->msgs_tail = m;
	p->msgcount++;
	if (p->pset)
		ipc_pset_place(p);            /* its first message is older now */
	if (!waitq_wake_one(&p->receivers, WAIT_AWAKENED, NULL) && p->pset)
		waitq_wake_one(&p->pset->receivers, WAIT_AWAKENED, NULL);
}
