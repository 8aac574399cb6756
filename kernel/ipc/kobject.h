/* Messages to kernel-owned ports (host, task, thread) are served in the kernel
 * by MIG server stubs, synchronously, in the sender's context. */
#ifndef IPC_KOBJECT_H
#define IPC_KOBJECT_H
#include <mach/message.h>
#include <mach/kern_return.h>
#include <stdbool.h>
#include <stdint.h>
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

/* The kernel-object call: a task's request to a kernel object, sent in a
 * mach_msg that receives the reply on the request's reply port at once
 * (the thread's reply_rcv_name), served without a kernel message queued:
 * the routine runs on the request as copied in, and its reply goes straight
 * into the caller's receive buffer when that receive would take it at once
 * (ipc_reply_in_place, ipc_reply_deliver), queued otherwise. task's
 * message of size bytes is shown at src (user_window). False, with nothing
 * changed, for every call this does not take (then the general way,
 * ipc_mqueue_send and kobject_receive, serves it with the same result):
 * another pair of header rights than COPY_SEND / MAKE_SEND_ONCE, a reply
 * port the caller does not receive on in this call or whose receive would
 * not take a reply at once, a destination that is not a kernel object, or
 * one (the device master, host_priv) that may hand the request on. True
 * when served, *result being the send's result. */
struct task;
bool kobject_call_serve(struct task *task, const char *src, uint32_t size, mach_msg_return_t *result);
/* Calls it has served since boot (sm_kobject_fast_calls). */
extern uint32_t kobject_fast_calls;
#endif
