/* The RPC-shaped send: a request or a reply straight into the buffer of a
 * receiver already waiting for it, its two header rights handled without a
 * kernel message (kernel/ipc/rpc_send.c says what it takes and what it
 * leaves to the single-copy path of direct_send.c). */
#ifndef IPC_RPC_SEND_H
#define IPC_RPC_SEND_H
#include <stdbool.h>
#include <stdint.h>
#include <mach/message.h>
struct task;
struct ipc_entry;
struct ipc_port;

/* The header rights of the two shapes: a MIG request (a send right to the
 * server, a send-once right made from the reply port) and its reply. */
#define IPC_RPC_REQUEST MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE)
#define IPC_RPC_REPLY MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND_ONCE, 0)
static inline bool ipc_rpc_shape(mach_msg_bits_t bits)
{
	return MACH_MSGH_BITS_PORTS(bits) == IPC_RPC_REQUEST || MACH_MSGH_BITS_PORTS(bits) == IPC_RPC_REPLY;
}

/* Send task's simple message of size bytes (a whole number of words, at
 * least a header) shown in the kernel at src (user_window), whose header
 * has one of the two shapes above and names entry de of the task's space,
 * holding port p, a task's port with no message queued. True if delivered
 * (the send's result is MACH_MSG_SUCCESS, the receiver wakes to its own);
 * false, with nothing changed, if this path does not take it. */
bool ipc_rpc_send(struct task *task, const char *src, uint32_t size, struct ipc_entry *de, struct ipc_port *p);
/* Messages it has delivered since boot (sm_ipc_rpc_sends); each is counted
 * among the single copies too (ipc_direct_send_count). */
extern uint32_t ipc_rpc_send_count;
#endif
