/*
 * ipc_stubs.h - the kernel environment kernel/ipc/{port,space,right,notify,
 * kmsg,msg_body}.c need to run unchanged as a host program (tests/host/
 * ipc_stubs.c), and what it lets a test observe:
 *
 *   kalloc, panic, kprintf: tests/host/kernel_stubs.h (shared with vm_stubs).
 *   waitq_wake_*   there are no threads on the host: the calls are recorded
 *                  (stub_wakes); a queue with a waiter panics.
 *   thread_wait    recorded; returns stub_thread_wait_result.
 *   ipc_mqueue_send, kobject_receive
 *                  capture the message (a kernel-form struct kmsg) in a list
 *                  instead of queueing it: notifications end up there.  The
 *                  test owns captured messages and must dispose of each one
 *                  (stub_msg_consume, stub_msg_receive, kmsg_destroy, or
 *                  stub_msgs_drain for all).
 *   ool_*          out-of-line items are not supported here: any use that
 *                  would hold memory panics.
 *   current_thread a zeroed thread of no task (sched_running), so
 *                  current_task() is NULL.
 */
#ifndef TESTS_HOST_IPC_STUBS_H
#define TESTS_HOST_IPC_STUBS_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel_stubs.h"

#include "ipc/kmsg.h"
#include "kern/thread.h"

struct ipc_space;
struct task;

/* waits and wake-ups */
#define STUB_MAX_WAKES 64
struct stub_wake { struct waitq *q; enum wait_result r; bool all; };
extern struct stub_wake stub_wakes[STUB_MAX_WAKES];	/* the first STUB_MAX_WAKES */
extern int stub_nwakes;					/* all of them */
extern int stub_thread_wait_calls;
extern enum wait_result stub_thread_wait_result;
/* Whether q was woken (wake_all or wake_one) with result r since the reset. */
bool stub_woken(const struct waitq *q, enum wait_result r);
void stub_wakes_reset(void);

/* captured messages, oldest first */
#define STUB_MAX_MSGS 4096
struct stub_msg {
	struct kmsg *m;
	bool kobject;			/* came through kobject_receive */
	bool dest_active;		/* its destination was active when sent */
};
extern struct stub_msg stub_msgs[STUB_MAX_MSGS];
extern int stub_nmsgs;
extern unsigned long stub_msgs_total;	/* ever captured */
/* Remove message i from the list (the caller now owns it). */
struct kmsg *stub_msg_take(int i);
/* What a receiver that reads and discards the message does: the destination
 * right is used up (ipc_right_release), every other right it carries is
 * destroyed (kmsg_destroy), and the message is freed. */
void stub_msg_consume(struct kmsg *m);
/* Receive it into space (kmsg_copyout); the header and the first body word
 * after the first type descriptor are returned in *hdr / *body if non-NULL;
 * the message is freed. */
mach_msg_return_t stub_msg_receive(struct kmsg *m, struct ipc_space *space,
				   mach_msg_header_t *hdr, uint32_t *body);
/* Dispose of every captured message, and of those that doing so sends, the
 * way the kernel would: one whose destination is dead is destroyed
 * (kmsg_destroy), the others are consumed.  Returns how many. */
int stub_msgs_drain(void);

#endif
