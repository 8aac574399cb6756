/* The mach_msg system call (GNU Mach trap -25). */
#ifndef IPC_MACH_MSG_H
#define IPC_MACH_MSG_H
#include <stdint.h>
#include <stdbool.h>
#include <mach/message.h>
mach_msg_return_t mach_msg_trap_impl(uintptr_t msg, mach_msg_option_t option, uint32_t send_size,
				     uint32_t rcv_size, mach_port_name_t rcv_name, uint32_t timeout_ms);
struct ipc_port;
/* A kernel object's reply (simple, in kernel form, for reply with a right of
 * kernel type rtype), written straight into the buffer of the current
 * thread's receive if that receive, run next, would take it at once: the
 * thread is in a send-and-receive mach_msg whose receive names reply, which
 * is its own (not in a set, nothing queued, no other thread of its task
 * receiving on it), and the reply fits the buffer, which is writable. The
 * result is what that receive would see, and the right is used up. Returns
 * false and changes nothing otherwise: the caller queues the reply. */
bool ipc_reply_in_place(struct ipc_port *reply, uint32_t rtype, const mach_msg_header_t *out);
/* The same for a kernel object's reply r in queued form (remote reply with
 * its right, any body): delivered, through kmsg_copyout, as the receive
 * would take it off reply's queue, its result left for that receive. False,
 * nothing changed, when that receive would not take it at once, or its
 * buffer cannot be written (the caller queues it: the receive then gives
 * its error). */
struct kmsg;
bool ipc_reply_deliver(struct ipc_port *reply, struct kmsg *r);
#endif
