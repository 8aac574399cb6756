/* Console input (kern/console_input.h): COM1's receive interrupt, the ring
 * of received bytes, and device_read_inband requests waiting for them. */
#include "kern/console_input.h"
#include "kern/console.h"
#include "kern/printf.h"
#include "kern/string.h"
#include "kern/task.h"
#include "device/irq.h"
#include "i386/cpu.h"
#include "ipc/kmsg.h"
#include "ipc/kobject.h"
#include "ipc/mqueue.h"
#include "ipc/port.h"
#include <device/device_types.h>
#include <stddef.h>
#include <mach/mig_errors.h>

#define COM1 0x3F8
#define COM1_IRQ 4
#define UART_IER 1               /* interrupt enable: bit 0, data received */
#define UART_LSR 5               /* line status: bit 0, data ready */

#define RING_SIZE 1024           /* a pasted line or two; more is dropped */
#define READ_MAX 128             /* io_buf_ptr_inband_t */
#define WAITERS 4                /* reads waiting at once (one console task needs one) */
#define DEVICE_READ_INBAND_ID 2805

static char ring[RING_SIZE];
static uint32_t head, tail;      /* bytes [tail, head) are waiting; free-running */
static uint32_t received, dropped;

static struct waiter {
	struct ipc_port *reply;      /* NULL: slot free */
	uint32_t reply_type;
	int wanted;
} waiters[WAITERS];

static mach_msg_type_number_t take(char *data, int wanted)
{
	mach_msg_type_number_t n = 0;
	while (tail != head && (int)n < wanted)
		data[n++] = ring[tail++ % RING_SIZE];
	return n;
}

/* The device_read_inband reply, as device.defs' server stub would build it:
 * header, return code, then the bytes as an inline char array. */
struct read_inband_reply {
	mach_msg_header_t head;
	mach_msg_type_t ret_code_type;
	kern_return_t ret_code;
	mach_msg_type_t data_type;
	char data[READ_MAX];
};

static void answer(struct waiter *w)
{
	struct kmsg *m = kmsg_alloc(sizeof(struct read_inband_reply));
	if (!m)
		return;                  /* stays waiting; the next byte tries again */
	struct read_inband_reply *r = (struct read_inband_reply *)m->hdr;
	memset(r, 0, sizeof *r);
	mach_msg_type_number_t n = take(r->data, w->wanted);
	r->head.msgh_bits = MACH_MSGH_BITS(w->reply_type, 0);
	r->head.msgh_size = offsetof(struct read_inband_reply, data) + ((n + 3) & ~3u);
	r->head.msgh_remote_port = (uint32_t)w->reply;
	r->head.msgh_id = DEVICE_READ_INBAND_ID + 100;
	r->ret_code_type = KMSG_INT32_TYPE;
	r->ret_code = D_SUCCESS;
	r->data_type = (mach_msg_type_t){ MACH_MSG_TYPE_CHAR, 8, n, 1, 0, 0, 0 };
	m->size = r->head.msgh_size;
	w->reply = NULL;
	ipc_mqueue_send(m);              /* a dead reply port: the kernel drops it and the right */
}

/* Waiters whose reply port died (their task ended) give their slot back,
 * and the dead port its last reference: at every read and every input. */
static void sweep_dead(void)
{
	for (int i = 0; i < WAITERS; i++)
		if (waiters[i].reply && !waiters[i].reply->active) {
			ipc_right_destroy(waiters[i].reply, waiters[i].reply_type);
			waiters[i].reply = NULL;
		}
}

static void serve_waiters(void)
{
	sweep_dead();
	for (int i = 0; i < WAITERS && tail != head; i++)
		if (waiters[i].reply)
			answer(&waiters[i]);
}

static bool com1_interrupt(int irq, void *arg)
{
	(void)irq, (void)arg;
	bool mine = false;
	for (int spin = 0; spin < RING_SIZE && (inb(COM1 + UART_LSR) & 1); spin++) {
		char c = (char)inb(COM1);
		mine = true;
		received++;
		if (head - tail < RING_SIZE)
			ring[head++ % RING_SIZE] = c;
		else
			dropped++;
	}
	if (mine)
		serve_waiters();
	return mine;
}

void console_input_init(void)
{
	if (irq_register(COM1_IRQ, com1_interrupt, NULL) != 0)
		panic("console: cannot hook IRQ %d", COM1_IRQ);
	outb(COM1 + UART_IER, 0x01);
}

kern_return_t console_input_read(struct ipc_port *reply, uint32_t reply_type, int mode, int wanted,
				 char *data, mach_msg_type_number_t *count)
{
	struct task *t = current_task();
	sweep_dead();
	if (wanted <= 0) {
		kwarn("task %u (%s): console read of %d bytes\n", t->id, t->name, wanted);
		return D_INVALID_SIZE;
	}
	if (wanted > READ_MAX)
		wanted = READ_MAX;
	if (tail != head) {
		*count = take(data, wanted);
		return D_SUCCESS;
	}
	if ((mode & D_NOWAIT) || !reply)
		return D_WOULD_BLOCK;
	for (int i = 0; i < WAITERS; i++)
		if (!waiters[i].reply) {
			waiters[i] = (struct waiter){ reply, reply_type, wanted };
			kobject_take_reply();
			return MIG_NO_REPLY;
		}
	kwarn("task %u (%s): console read: %d reads already wait\n", t->id, t->name, WAITERS);
	return D_WOULD_BLOCK;
}

void console_input_counts(uint32_t *rx, uint32_t *drop)
{
	*rx = received;
	*drop = dropped;
}
