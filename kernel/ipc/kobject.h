/* Messages to kernel-owned ports (host, task, thread) are served in the kernel
 * by MIG server stubs, synchronously, in the sender's context. */
#ifndef IPC_KOBJECT_H
#define IPC_KOBJECT_H
#include <mach/message.h>
#include <mach/kern_return.h>
struct kmsg;
/* Consume m (a request in kernel form) and send the reply to its reply port,
 * or write it into the sender's receive buffer (ipc_reply_in_place). */
mach_msg_return_t kobject_receive(struct kmsg *m);
/* Consume m and answer its reply port with a reply carrying only code. */
void kobject_reply_error(struct kmsg *m, kern_return_t code);
/* Called by a routine that keeps its request's reply right (a pointer in its
 * reply_port argument, of type reply_portPoly) to answer later, and then
 * returns MIG_NO_REPLY: the kernel neither answers nor destroys that right. */
void kobject_take_reply(void);
#endif
