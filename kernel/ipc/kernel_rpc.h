/* The kernel as a MIG client: a MIG user stub compiled into the kernel (so
 * far exc.defs' exception_raise, kern/exception.c) sends its request and
 * waits for the reply through these, which stand in for the library's
 * mach_msg and reply-port calls. kernel.mk force-includes this header into
 * such stubs, so the stub's own calls land here.
 *
 * Port "names" in such a stub are struct ipc_port pointers (0 for none):
 * the destination and every port item (MACH_MSG_TYPE_COPY_SEND only) must be
 * ports the caller holds a send right to, and keeps (each is copied for the
 * message). The reply port is a fresh kernel-held port per call, destroyed
 * when the stub puts it back (once, however often the stub does). The calling thread waits for the reply in
 * thread_wait, so only it blocks; the wait ends early with
 * MACH_RCV_INTERRUPTED when the thread must unwind (aborted, terminated, its
 * task ending). Only MACH_SEND_MSG|MACH_RCV_MSG without timeouts is
 * supported: that is what an RPC stub asks for. */
#ifndef IPC_KERNEL_RPC_H
#define IPC_KERNEL_RPC_H
#include <mach/message.h>

#define mach_msg kernel_rpc_msg
#define mig_get_reply_port kernel_rpc_reply_port
#define mig_put_reply_port kernel_rpc_put_reply_port
#define mig_dealloc_reply_port kernel_rpc_put_reply_port

mach_msg_return_t kernel_rpc_msg(mach_msg_header_t *msg, mach_msg_option_t option, mach_msg_size_t send_size,
				 mach_msg_size_t rcv_size, mach_port_t rcv_name, mach_msg_timeout_t timeout,
				 mach_port_t notify);
/* MACH_PORT_NULL when the kernel heap is exhausted (the send then fails
 * with MACH_SEND_INVALID_REPLY). */
mach_port_t kernel_rpc_reply_port(void);
void kernel_rpc_put_reply_port(mach_port_t reply);
#endif
