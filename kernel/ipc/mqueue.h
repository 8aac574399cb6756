/* Sending a kernel-form message to a port and receiving from one. */
#ifndef IPC_MQUEUE_H
#define IPC_MQUEUE_H
#include <mach/message.h>
#include "ipc/port.h"
#include "kern/sched.h"
struct kmsg;
struct ipc_space;
struct ipc_port;

/* Queue m on its destination (or hand it to the kernel object it names). The
 * caller has already waited for queue space; this never blocks. */
mach_msg_return_t ipc_mqueue_send(struct kmsg *m);
/* Block until dest (a name in space, with disposition) has room for one more
 * message, honouring MACH_SEND_TIMEOUT. Send-once rights never wait. */
mach_msg_return_t ipc_mqueue_wait_space(struct ipc_space *space, mach_port_name_t dest,
					uint32_t disposition, mach_msg_option_t option, uint32_t timeout_ms);

/* Messages a port may hold past its queue limit, and the kernel in all
 * (kernel/ipc/mqueue.c says why and what happens to the next one). */
#define MQUEUE_OVERFLOW_PER_PORT 64
#define MQUEUE_OVERFLOW_TOTAL 2048
/* Put m at the tail of p's queue and wake a receiver; a message past the
 * bounds above is dropped instead (MACH_SEND_NO_BUFFER). */
mach_msg_return_t ipc_mqueue_enqueue(struct ipc_port *p, struct kmsg *m);
/* Take the message at the head of p's queue (NULL if none); a sender waiting
 * for room is woken. */
struct kmsg *ipc_mqueue_dequeue(struct ipc_port *p);
/* Put back at the head of p's queue a message handed to a receiver that
 * could not take it (kernel/ipc/mach_msg.c); a receiver is woken. */
void ipc_mqueue_requeue_head(struct ipc_port *p, struct kmsg *m);
/* The thread asleep receiving on p, or on p's set (then *q is the set's
 * wait queue, else p's), that takes a message of size bytes handed over:
 * NULL if p holds messages, if no thread waits, or if the first one's
 * buffer is smaller. */
static inline struct thread *ipc_mqueue_waiting_receiver(struct ipc_port *p, uint32_t size, struct waitq **q)
{
	if (p->msgs_head)
		return NULL;
	*q = &p->receivers;
	if (!(*q)->head) {                     /* no receiver on the port itself */
		/* Through the set only while no member holds an older message
		 * (one whose woken receiver has not run yet): the set delivers
		 * oldest first. */
		if (!p->pset || ipc_pset_has_ready(p->pset))
			return NULL;
		*q = &p->pset->receivers;
	}
	struct thread *t = (*q)->head;
	if (!t || t->rcv_handoff_limit < size)
		return NULL;                  /* the ordinary wake: it sees the size itself */
	return t;
}
/* Wake the first thread of q (found as above) with a message handed over
 * (data: its wait_data), and count it. It runs next: in a send-and-receive
 * mach_msg straight from the sender's switch, through no run queue
 * (sched_wake_direct); otherwise from the run queue, ahead of its equals
 * (sched_prefer_next). Inline: every handed message makes it. */
extern uint32_t ipc_mqueue_handoffs;     /* ipc_mqueue_handoff_count's (mqueue.c) */
static inline void ipc_mqueue_wake_handed(struct waitq *q, void *data)
{
	ipc_mqueue_handoffs++;
	if (current_thread()->send_then_receive) {
		waitq_wake_direct(q, data);
	} else {
		struct thread *t = waitq_wake_one(q, WAIT_AWAKENED, data);
		sched_prefer_next(t);
	}
}
/* Messages handed straight to a waiting receiver since boot (never queued). */
uint32_t ipc_mqueue_handoff_count(void);
/* Messages now queued past their port's limit, kernel-wide. */
uint32_t ipc_mqueue_overflow_count(void);
#endif
