/*
 * ipc_stubs.c - the minimal kernel environment for host tests of the IPC
 * data structures (see ipc_stubs.h for what each stub does and records).
 * Compiled with the kernel's include paths, like the kernel sources it
 * serves, so every prototype is checked against the kernel headers.
 */
#include "ipc_stubs.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device/device_layer.h"
#include "ipc/kobject.h"
#include "ipc/mqueue.h"
#include "ipc/ool.h"
#include "ipc/port.h"
#include "kern/printf.h"
#include "kern/sched.h"
#include "kern/task.h"
#include "vm/kalloc.h"

/* ----- waits ----- */

struct stub_wake stub_wakes[STUB_MAX_WAKES];
int stub_nwakes, stub_thread_wait_calls;
enum wait_result stub_thread_wait_result = WAIT_AWAKENED;

static void record_wake(struct waitq *q, enum wait_result r, bool all)
{
	if (q->head || q->tail)
		panic("ipc_stubs: waitq %p has a waiter, and the host has no threads", (void *)q);
	if (stub_nwakes < STUB_MAX_WAKES)
		stub_wakes[stub_nwakes] = (struct stub_wake){ q, r, all };
	stub_nwakes++;
}

struct thread *waitq_wake_one(struct waitq *q, enum wait_result r, void *data)
{
	record_wake(q, r, false);
	return NULL;			/* nobody was waiting */
}

void waitq_wake_all(struct waitq *q, enum wait_result r) { record_wake(q, r, true); }

bool waitq_empty(const struct waitq *q) { return !q->head; }

/* Only a hand-off to a waiting receiver names a thread, and the host has none. */
void sched_prefer_next(struct thread *t)
{
	panic("ipc_stubs: sched_prefer_next(%p), and the host has no threads", (void *)t);
}

/* waitq_wake_direct is inline (kern/sched.h): with no thread ever waiting
 * on the host it returns at its first test, but it names these. */
struct thread *sched_direct;
void sched_settle_direct_now(void)
{
	panic("ipc_stubs: sched_settle_direct_now, and the host has no threads");
}
void timeout_cancel_armed(struct timeout *t)
{
	panic("ipc_stubs: timeout_cancel_armed(%p), and the host has no threads", (void *)t);
}

/* The host has no threads: the running one is a zeroed thread of no task. */
static struct thread stub_thread;
struct thread *sched_running = &stub_thread;

enum wait_result thread_wait(struct waitq *q, uint32_t timeout_ms)
{
	stub_thread_wait_calls++;
	return stub_thread_wait_result;
}

bool stub_woken(const struct waitq *q, enum wait_result r)
{
	int n = stub_nwakes < STUB_MAX_WAKES ? stub_nwakes : STUB_MAX_WAKES;
	for (int i = 0; i < n; i++)
		if (stub_wakes[i].q == q && stub_wakes[i].r == r)
			return true;
	return false;
}

void stub_wakes_reset(void) { stub_nwakes = 0; }

/* ----- messages ----- */

struct stub_msg stub_msgs[STUB_MAX_MSGS];
int stub_nmsgs;
unsigned long stub_msgs_total;

static mach_msg_return_t capture(struct kmsg *m, bool kobject)
{
	if (stub_nmsgs == STUB_MAX_MSGS)
		panic("ipc_stubs: more than %d captured messages", STUB_MAX_MSGS);
	struct ipc_port *dest = kmsg_remote(m);
	stub_msgs[stub_nmsgs++] = (struct stub_msg){ m, kobject, dest && dest->active };
	stub_msgs_total++;
	return MACH_MSG_SUCCESS;
}

mach_msg_return_t ipc_mqueue_send(struct kmsg *m) { return capture(m, false); }
mach_msg_return_t kobject_receive(struct kmsg *m) { return capture(m, true); }

struct kmsg *stub_msg_take(int i)
{
	if (i < 0 || i >= stub_nmsgs)
		panic("stub_msg_take: no message %d (%d captured)", i, stub_nmsgs);
	struct kmsg *m = stub_msgs[i].m;
	memmove(&stub_msgs[i], &stub_msgs[i + 1], (size_t)(stub_nmsgs - i - 1) * sizeof stub_msgs[0]);
	stub_nmsgs--;
	return m;
}

void stub_msg_consume(struct kmsg *m)
{
	mach_msg_header_t *h = m->hdr;
	ipc_right_release(kmsg_remote(m), MACH_MSGH_BITS_REMOTE(h->msgh_bits));
	h->msgh_remote_port = 0;
	kmsg_destroy(m);
}

mach_msg_return_t stub_msg_receive(struct kmsg *m, struct ipc_space *space,
				   mach_msg_header_t *hdr, uint32_t *body)
{
	mach_msg_return_t r = kmsg_copyout(space, m);
	if (hdr)
		*hdr = *m->hdr;
	if (body)
		*body = m->size >= sizeof(mach_msg_header_t) + 8
			? *(uint32_t *)((uint8_t *)m->hdr + sizeof(mach_msg_header_t) + 4) : 0;
	kfree(m);
	return r;
}

int stub_msgs_drain(void)
{
	int n = 0;
	while (stub_nmsgs) {
		bool active = kmsg_remote(stub_msgs[0].m) && kmsg_remote(stub_msgs[0].m)->active;
		struct kmsg *m = stub_msg_take(0);
		if (active)
			stub_msg_consume(m);
		else
			kmsg_destroy(m);
		n++;
	}
	return n;
}

/* ----- device events (device/device_layer.h): no message here carries one ----- */

void device_event_taken(struct kmsg *m)
{
	panic("ipc_stubs: device_event_taken called (no host test sends an interrupt message)");
}

/* ----- out-of-line items: not in the host tests ----- */

mach_msg_return_t ool_copyin(struct ipc_space *space, uint8_t *msg, const struct msg_item *it)
{
	panic("ipc_stubs: ool_copyin called (out-of-line items are not stubbed)");
}

mach_msg_return_t ool_copyout(struct ipc_space *space, uint8_t *msg, const struct msg_item *it)
{
	panic("ipc_stubs: ool_copyout called (out-of-line items are not stubbed)");
}

void ool_destroy_slot(ool_slot_t *slot)
{
	if (*slot)
		panic("ipc_stubs: ool_destroy_slot of a full slot (out-of-line items are not stubbed)");
}

struct ool *ool_from_slot(ool_slot_t slot)
{
	if (slot)
		panic("ipc_stubs: ool_from_slot of a full slot (out-of-line items are not stubbed)");
	return NULL;
}

