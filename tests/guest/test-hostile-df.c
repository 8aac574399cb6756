/* test-hostile-df: interrupts and preemption enter the kernel from a thread
 * that spins with the direction flag set. The kernel's memcpy and memset
 * are rep movs/stos: if an entry did not clear DF they would run backwards
 * over kernel memory. This task drives a virtio-blk disk (00:03.0, QEMU's
 * null-co) itself through include/sm/virtio.defs (tests/lib/virtio-guest.c)
 * and reads from it while the spinner runs, so each completion interrupt
 * (its message built and queued by the kernel) arrives during the spin; and
 * it makes IPC round trips while the spinner is preempted by clock ticks.
 * Every read must get its interrupt message and its data, every round trip
 * its message, and kernel object counts must return to their baseline. */
#include "virtio-guest.h"
#include <sm/threads.h>
#include "mach.h"
#include "mach_port.h"
#include "smhost.h"

#define BLK    SM_VIRTIO_FIRST_DEVICE_NAME
#define EFL_DF 0x400u
#define READS  200

static mach_port_t self, host;

/* Spins with DF set until told to stop, storing its flags as it goes. */
static volatile int spin_stop;
static volatile uint32_t spin_flags;

static void df_spinner(void *arg)
{
	(void)arg;
	uint32_t efl;
	__asm__ volatile("std\n"
			 "1:\tpushfl\n\tpopl %0\n\tmovl %0, spin_flags\n\t"
			 "cmpl $0, spin_stop\n\tje 1b\n\tcld" : "=&r"(efl) :: "memory", "cc");
}

/* One read of sector `sector` into m (header and status in its first page,
 * data at 4096), waiting for its interrupt message: 0 on success, else -1
 * with why. */
static int read_sector(struct vdev_u *d, struct vq_u *q, struct dma_u *m, uint64_t sector)
{
	struct virtio_blk_req_hdr *h = (struct virtio_blk_req_hdr *)m->va;
	volatile uint8_t *status = m->va + 64;
	h->type = VIRTIO_BLK_T_IN;
	h->reserved = 0;
	h->sector = sector;
	*status = 0xFF;
	memset(m->va + 4096, 0xA5, 512);
	struct vring_buf bufs[3] = { { m->pa, sizeof *h }, { m->pa + 4096, 512 }, { m->pa + 64, 1 } };
	int head = vring_add(&q->ring, bufs, 1, 2);
	if (head < 0)
		return -1;
	vg_kick(d, q);
	while (!vring_has_used(&q->ring)) {
		sm_virtio_irq_msg_t msg;
		memset(&msg, 0, sizeof msg);
		mach_msg_return_t r = mach_msg(&msg.head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof msg, d->irq, 2000,
					       MACH_PORT_NULL);
		if (r != MACH_MSG_SUCCESS || msg.head.msgh_id != SM_VIRTIO_IRQ_MSG_ID || msg.head.msgh_size != sizeof msg) {
			printf("test-hostile-df: sector %u: interrupt message 0x%x, id %d, size %u\n", (unsigned)sector, r,
			       msg.head.msgh_id, msg.head.msgh_size);
			return -1;
		}
		virtio_irq_ack(d->port);
	}
	uint32_t len = 0;
	if (vring_get_used(&q->ring, &len) != head || *status != VIRTIO_BLK_S_OK)
		return -1;
	for (int i = 0; i < 512; i++)
		if (m->va[4096 + i] != 0)              /* null-co reads zeroes */
			return -1;
	return 0;
}

/* Take the interrupt messages queued for d (an interrupt that came after
 * its request's used entry was seen leaves one); how many there were. */
static int drain_interrupts(struct vdev_u *d)
{
	int n = 0;
	for (;;) {
		sm_virtio_irq_msg_t msg;
		if (mach_msg(&msg.head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof msg, d->irq, 50, MACH_PORT_NULL) !=
		    MACH_MSG_SUCCESS)
			return n;
		n++;
		virtio_irq_ack(d->port);
	}
}

static void test_disk_reads_beside_df(void)
{
	struct vdev_u d;
	struct vq_u q;
	struct dma_u m;
	CHECK_EQ(vg_bring_up(&d, BLK, 0), KERN_SUCCESS);
	CHECK_EQ(vg_queue(&d, &q, 0, 0), KERN_SUCCESS);
	CHECK_EQ(virtio_driver_ok(BLK), KERN_SUCCESS);
	CHECK_EQ(vg_dma(&d, &m, 4096 + 512), KERN_SUCCESS);
	CHECK_EQ(read_sector(&d, &q, &m, 1), 0);             /* the disk works before */
	drain_interrupts(&d);     /* its interrupt may still be queued: not in the baseline */

	/* Its interrupt may come after its used entry was seen: take that
	 * message now, so the counts below start with no message queued. */
	int early = 0;
	for (;;) {
		sm_virtio_irq_msg_t msg;
		if (mach_msg(&msg.head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof msg, d.irq, 50, MACH_PORT_NULL) !=
		    MACH_MSG_SUCCESS)
			break;
		early++;
		virtio_irq_ack(d.port);
	}
	printf("test-hostile-df: %d interrupt messages queued before the spinner\n", early);
	uint32_t before[4], after[4];
	kernel_counts(before);
	mach_port_t th = MACH_PORT_NULL;
	spin_stop = 0;
	spin_flags = 0;
	CHECK_EQ(smrt_thread_start(df_spinner, NULL, NULL, 0, &th), KERN_SUCCESS);
	int good = 0;
	for (int i = 0; i < READS; i++)
		good += read_sector(&d, &q, &m, (uint64_t)(i * 7 % 32768)) == 0;
	CHECK_EQ(good, READS);
	CHECK(spin_flags & EFL_DF, "the spinner ran with DF set (flags 0x%x)", spin_flags);
	spin_stop = 1;
	CHECK_EQ(smrt_thread_join(th), KERN_SUCCESS);
	CHECK_EQ(read_sector(&d, &q, &m, 2), 0);             /* and after */
	/* An interrupt that came after its request's used entry was seen
	 * leaves its message queued: take those (at most one per read). */
	int extra = drain_interrupts(&d);
	CHECK(extra <= READS + 2, "%d interrupt messages left over", extra);
	printf("test-hostile-df: %d interrupt messages were left over\n", extra);
	kernel_counts(after);
	CHECK(!memcmp(before, after, sizeof after), "free pages %u->%u, heap %u->%u, ports %u->%u, ool %u->%u",
	      before[0], after[0], before[1], after[1], before[2], after[2], before[3], after[3]);
}

struct msg { mach_msg_header_t head; mach_msg_type_t type; uint32_t words[8]; };

static void test_ipc_beside_df(void)
{
	uint32_t before[4], after[4];
	kernel_counts(before);
	mach_port_t p = MACH_PORT_NULL, th = MACH_PORT_NULL;
	CHECK_EQ(mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &p), KERN_SUCCESS);
	spin_stop = 0;
	spin_flags = 0;
	CHECK_EQ(smrt_thread_start(df_spinner, NULL, NULL, 0, &th), KERN_SUCCESS);
	int good = 0;
	for (int i = 0; i < 300; i++) {
		struct msg m;
		memset(&m, 0, sizeof m);
		m.head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0);
		m.head.msgh_size = sizeof m;
		m.head.msgh_remote_port = p;
		m.head.msgh_id = i;
		m.type = (mach_msg_type_t){ MACH_MSG_TYPE_INTEGER_32, 32, 8, 1, 0, 0, 0 };
		for (int j = 0; j < 8; j++)
			m.words[j] = (uint32_t)(i * 8 + j);
		mach_msg_return_t r = mach_msg(&m.head, MACH_SEND_MSG | MACH_RCV_MSG | MACH_RCV_TIMEOUT, sizeof m, sizeof m,
					       p, 1000, MACH_PORT_NULL);
		int ok = r == MACH_MSG_SUCCESS && m.head.msgh_id == i && m.head.msgh_size == sizeof m;
		for (int j = 0; j < 8; j++)
			ok &= m.words[j] == (uint32_t)(i * 8 + j);
		good += ok;
		if (i % 50 == 0)
			smrt_sleep_ms(20);           /* let the spinner run through clock ticks */
	}
	CHECK_EQ(good, 300);
	CHECK(spin_flags & EFL_DF, "the spinner ran with DF set (flags 0x%x)", spin_flags);
	spin_stop = 1;
	CHECK_EQ(smrt_thread_join(th), KERN_SUCCESS);
	mach_port_destroy(self, p);
	kernel_counts(after);
	CHECK(!memcmp(before, after, sizeof after), "free pages %u->%u, heap %u->%u, ports %u->%u, ool %u->%u",
	      before[0], after[0], before[1], after[1], before[2], after[2], before[3], after[3]);
}

int main(void)
{
	self = mach_task_self();
	host = mach_host_self();
	test_ipc_beside_df();
	test_disk_reads_beside_df();
	printf("test-hostile-df: the kernel is still running\n");
	return guest_summary("test-hostile-df");
}
