/* Single-copy delivery of a task's message to a receiver already waiting
 * for it (kernel/ipc/direct_send.c says what it takes and what it leaves to
 * the queued path). */
#ifndef IPC_DIRECT_SEND_H
#define IPC_DIRECT_SEND_H
#include <stdbool.h>
#include <stdint.h>
#include <mach/message.h>
#include "ipc/space.h"
#include "kern/task.h"
#include "ipc/rpc_send.h"
struct task;

/* A receiver's wait_data when its message was copied into its buffer whole
 * (its mach_msg result is in its rcv_result); never a kernel message's
 * address. */
#define IPC_HANDED_IN_PLACE ((void *)1)

/* Send task's message of size bytes at uaddr (a whole number of words, at
 * most KMSG_MAX_SIZE), which *src shows in the kernel (user_window,
 * vm/copyio.h), straight into its waiting receiver's buffer. False if this
 * path does not take it: then no right has moved and the queued path must
 * send it, from *src (which this may have taken again). True when it was
 * dealt with, *result being the send's result (a refusal is the queued
 * path's own). */
bool ipc_direct_send_to(struct task *task, uintptr_t uaddr, const char **src, uint32_t size, struct ipc_port *p,
			mach_msg_return_t *result);
static inline bool ipc_direct_send(struct task *task, uintptr_t uaddr, const char **src, uint32_t size,
				   mach_msg_return_t *result)
{
	/* Decided first on two words of the sender's header and the port's
	 * state, inline: most messages that do not go this way (to a kernel
	 * object, to a port nobody waits on) are turned away before anything
	 * is copied or called. */
	const mach_msg_header_t *uh = (const mach_msg_header_t *)*src;
	if (uh->msgh_bits & MACH_MSGH_BITS_COMPLEX)
		return false;
	struct ipc_entry *e = ipc_space_lookup(task->space, uh->msgh_remote_port);
	struct ipc_port *p = e ? e->port : NULL;
	if (!p || p->kotype != IKOT_NONE || p->msgs_head || (!p->receivers.head && !p->pset))
		return false;
	/* A request or reply: the same delivery, with less done for it
	 * (ipc/rpc_send.c). */
	if (ipc_rpc_shape(uh->msgh_bits) && ipc_rpc_send(task, *src, size, e, p)) {
		*result = MACH_MSG_SUCCESS;
		return true;
	}
	return ipc_direct_send_to(task, uaddr, src, size, p, result);
}
/* Messages delivered so since boot (this path's and ipc_rpc_send's). */
extern uint32_t ipc_direct_single_copies;
uint32_t ipc_direct_send_count(void);
#endif
