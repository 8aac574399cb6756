/* test-blk-hostile: requests meant to kill or wedge the virtio-blk server
 * (servers/blk, device "vda" on a scratch image whose sectors hold their
 * own numbers, tools/mkdisk.py), each answered with its error code while
 * the server keeps serving:
 *
 * - numbers that do not fit the server's arithmetic: status flavors of
 *   2^31 and more (once a failed Int32 conversion), discard and write
 *   zeroes of 2^22 records and more (once an overflowing multiplication),
 *   record numbers, sizes and modes at the ends of their ranges, device_map
 *   and device_set_filter with wild arguments;
 * - requests the receive loop cannot take in: out-of-line data beyond the
 *   server's page limit (MACH_RCV_BODY_ERROR, once the end of the server;
 *   now answered D_NO_MEMORY), a request over its size limit (dropped by
 *   the kernel: the client's send-once right comes back as a notification),
 *   an unknown message id (MIG_BAD_ID);
 * - replies the server cannot deliver without waiting: reads and writes
 *   whose "reply port" is the open's own port (the server once blocked
 *   forever sending to its own full queue) or a send right to a client port
 *   nobody drains;
 * - notifications forged by the client: a no-senders for its open, a
 *   dead-name for every small name (the server once let go of the right),
 *   and these and an interrupt message with a reply right the server must
 *   release (it once kept it);
 * - a client task that dies with requests in flight.
 *
 * After every attack the server must still answer, read the image's known
 * content back and be the one serving "vda".  After a first round, a round
 * must leave the kernel's free pages, heap, ports and out-of-line items
 * where they were. */
#include "vdisk.h"
#include "blkmsg.h"
#include <mach/mig_errors.h>
#include <mach/notify.h>
#include "mach.h"
#include "mach_port.h"
#include "smhost.h"
#include <sm/virtio_types.h>
#include <sm/threads.h>
#include <mach/thread_status.h>

#define T		5000		/* ms for any answer */
#define SCRATCH		2048		/* sectors from here on may be written */
#define BIG_OOL		(40u << 20)	/* two of these exceed the server's 64 MiB of pages */

static struct vd_disk disk;
static int discard_ok, zeroes_ok;
static struct bm_msg reply;
static uint8_t *buf;

static mach_port_t new_port(void)
{
	mach_port_t p = MACH_PORT_NULL;
	CHECK_EQ(mach_port_allocate(smrt_task_port(), MACH_PORT_RIGHT_RECEIVE, &p), KERN_SUCCESS);
	return p;
}

static void drop_port(mach_port_t p)
{
	mach_port_mod_refs(smrt_task_port(), p, MACH_PORT_RIGHT_RECEIVE, -1);
}

/* The server still answers on dev and reads the image's content back. */
static void still_serving(mach_port_t dev, const char *after)
{
	struct vd_disk d = disk;
	d.port = dev;
	uint32_t got = 0;
	kern_return_t kr = bm_read(dev, 0, 0, 4096, T);
	CHECK(kr == D_SUCCESS, "after %s: a read answers %x", after, kr);
	if (kr != D_SUCCESS)
		return;
	CHECK_EQ(vd_read(&d, 8, 65536, buf, &got), D_SUCCESS);
	int bad = vd_verify(buf, 0, 8, 128, 0, NULL);
	CHECK(got == 65536 && bad < 0, "after %s: %u bytes read, sector %d wrong", after, got, bad);
}

static void flavors(void)
{
	static const uint32_t wild[] = { 0x80000000u, 0xffffffffu, 0x7fffffffu, 0x424b00ffu };
	int32_t words[3] = { 0, 1, 0 };
	for (unsigned i = 0; i < sizeof wild / sizeof wild[0]; i++) {
		CHECK_EQ(bm_get_status(disk.port, wild[i], 32, T), D_INVALID_OPERATION);
		CHECK_EQ(bm_set_status(disk.port, wild[i], words, 3, T), D_INVALID_OPERATION);
	}
	CHECK_EQ(bm_get_status(disk.port, DEV_GET_SIZE, 0, T), D_INVALID_SIZE);
	still_serving(disk.port, "wild flavors");
}

/* Discard and write zeroes of absurd record counts and places. */
static void ranges(void)
{
	static const uint32_t counts[] = { 1u << 22, 0x7fffffffu, 0x80000000u, 0xffffffffu, 0, 4097 };
	for (int kind = 0; kind < 2; kind++) {
		uint32_t flavor = kind ? BLK_SET_WRITE_ZEROES : BLK_SET_DISCARD;
		kern_return_t want = (kind ? zeroes_ok : discard_ok) ? D_INVALID_SIZE : D_INVALID_OPERATION;
		for (unsigned i = 0; i < sizeof counts / sizeof counts[0]; i++) {
			int32_t w[3] = { SCRATCH, (int32_t)counts[i], 1 };
			kern_return_t kr = bm_set_status(disk.port, flavor, w, 3, T);
			CHECK(kr == want, "flavor %x of %u records: %x, expected %x", flavor, counts[i], kr, want);
		}
		int32_t w[3] = { -1, 1, 0 };
		want = (kind ? zeroes_ok : discard_ok) ? D_INVALID_RECNUM : D_INVALID_OPERATION;
		CHECK_EQ(bm_set_status(disk.port, flavor, w, 3, T), want);
	}
	still_serving(disk.port, "absurd ranges");
}

static void reads_and_modes(void)
{
	static struct bm_msg m;
	CHECK_EQ(bm_read(disk.port, 0, 0xffffffffu, 512, T), D_INVALID_RECNUM);
	CHECK_EQ(bm_read(disk.port, 0, disk.records, 512, T), D_INVALID_RECNUM);
	CHECK_EQ(bm_read(disk.port, 0, 0, -1, T), D_INVALID_SIZE);
	CHECK_EQ(bm_read(disk.port, 0, 0, (int32_t)0x80000000u, T), D_INVALID_SIZE);
	CHECK_EQ(bm_read(disk.port, 0, 0, 0x7ffffe00, T), D_INVALID_SIZE);
	CHECK_EQ(bm_read(disk.port, 0xffffffffu, 0, 512, T), D_SUCCESS);	/* read modes are hints */
	bm_start(&m, BM_READ_INBAND);
	bm_int(&m, 0);
	bm_int(&m, 0xffffffffu);
	bm_int(&m, 0xffffffffu);
	CHECK_EQ(bm_call(&m, disk.port, T, NULL), D_INVALID_SIZE);
	/* The kernel carries no out-of-line item of 2 GiB: either the send
	 * fails or the server refuses the count. */
	bm_start(&m, BM_WRITE);
	bm_int(&m, 0);
	bm_int(&m, SCRATCH);
	bm_ool(&m, buf, 0x80000000u, 0);
	kern_return_t kr = bm_call(&m, disk.port, T, NULL);
	CHECK(kr == D_INVALID_SIZE || ((uint32_t)kr & ~0x3fffu) == 0x10000000u, "2 GiB write: %x", kr);
	static const dev_mode_t modes[] = { 0xffffffffu, 0x80000000u, D_READ | 0x100u };
	for (unsigned i = 0; i < sizeof modes / sizeof modes[0]; i++) {
		mach_port_t dev = MACH_PORT_NULL;
		CHECK_EQ(device_open(VD_MASTER, modes[i], "vda", &dev), D_INVALID_OPERATION);
	}
	bm_start(&m, BM_MAP);
	bm_int(&m, 0xffffffffu);
	bm_int(&m, 0xfffff000u);
	bm_int(&m, 0xffffffffu);
	bm_int(&m, 0xffffffffu);
	CHECK_EQ(bm_call(&m, disk.port, T, NULL), D_INVALID_OPERATION);
	/* set_filter carries a send right the server must let go of. */
	mach_port_t p = new_port();
	bm_start(&m, BM_SET_FILTER);
	bm_port(&m, p, MACH_MSG_TYPE_MAKE_SEND);
	bm_int(&m, 0x80000000u);
	bm_chars(&m, "\xff\xff\xff\xff", 4);
	m.w[4] = MACH_MSG_TYPE_INTEGER_16 | 16u << 8 | 2u << 16 | 1u << 28;
	CHECK_EQ(bm_call(&m, disk.port, T, NULL), D_INVALID_OPERATION);
	drop_port(p);
	still_serving(disk.port, "wild numbers");
}

/* Requests the receive loop cannot take in, and ids nobody serves. */
static void unreceivable(void)
{
	static struct bm_msg m;
	/* Out-of-line data the server has no room for: the loop used to return. */
	vm_address_t big = 0;
	CHECK_EQ(vm_allocate(smrt_task_port(), &big, BIG_OOL, 1), KERN_SUCCESS);
	memset((void *)big, 0x5a, BIG_OOL);
	bm_start(&m, BM_WRITE);
	bm_int(&m, 0);
	bm_int(&m, SCRATCH);
	bm_ool(&m, (void *)big, BIG_OOL, 0);
	bm_ool(&m, (void *)big, BIG_OOL, 0);
	kern_return_t kr = bm_call(&m, disk.port, 4 * T, &reply);
	CHECK(kr == D_NO_MEMORY, "write with 2 x %u bytes out of line: %x, reply id %d", BIG_OOL, kr, reply.h.msgh_id);
	if (kr == D_NO_MEMORY || reply.h.msgh_id)
		bm_destroy(&reply);
	vm_deallocate(smrt_task_port(), big, BIG_OOL);
	still_serving(disk.port, "out-of-line data beyond the limit");

	/* Over the server's request size limit: dropped, and the unused reply
	 * right tells us so. */
	mach_port_t rp = new_port();
	bm_start(&m, BM_WRITE_INBAND);
	bm_int(&m, 0);
	bm_int(&m, SCRATCH);
	static uint8_t junk[12000];
	bm_chars(&m, junk, sizeof junk);
	CHECK_EQ(bm_send(&m, disk.port, rp, MACH_MSG_TYPE_MAKE_SEND_ONCE, 0, T), MACH_MSG_SUCCESS);
	CHECK_EQ(bm_receive(rp, &reply, T), MACH_MSG_SUCCESS);
	CHECK_EQ(reply.h.msgh_id, MACH_NOTIFY_SEND_ONCE);
	drop_port(rp);

	bm_start(&m, 2899);
	bm_int(&m, 1);
	CHECK_EQ(bm_call(&m, disk.port, T, NULL), MIG_BAD_ID);
	/* A reply message sent to the server as if it were a request. */
	bm_start(&m, 2904);
	bm_int(&m, D_SUCCESS);
	CHECK_EQ(bm_call(&m, disk.port, T, NULL), MIG_BAD_ID);
	still_serving(disk.port, "unreceivable requests");
}

/* Replies that would block: to the open's own port and to a full queue.
 * The reproducer of the fuzzer's stall: the server sent a read or write
 * reply to its own open port, whose queue these requests keep full, and
 * waited for room forever. */
static void blocking_replies(void)
{
	static struct bm_msg m;
	int sent = 0;
	memset(buf, 0, 4096);
	for (int i = 0; i < 40; i++) {
		bm_start(&m, i % 2 ? BM_WRITE : BM_READ);
		bm_int(&m, 0);
		bm_int(&m, SCRATCH + (uint32_t)i);
		if (i % 2)
			bm_ool(&m, buf, 4096, 0);
		else
			bm_int(&m, 65536);
		mach_msg_return_t mr = bm_send(&m, disk.port, disk.port, MACH_MSG_TYPE_COPY_SEND, 0, T);
		sent += mr == MACH_MSG_SUCCESS;
		if (mr != MACH_MSG_SUCCESS)
			break;
	}
	CHECK(sent == 40, "requests replying to the open's own port: %d of 40 sent", sent);
	still_serving(disk.port, "replies to the server's own port");

	/* A send right to a port nobody drains: five replies fit its queue, the
	 * rest cannot be delivered at once and are dropped. */
	mach_port_t rp = new_port();
	sent = 0;
	for (int i = 0; i < 12; i++) {
		bm_start(&m, BM_READ);
		bm_int(&m, 0);
		bm_int(&m, (uint32_t)i * 8);
		bm_int(&m, 4096);
		sent += bm_send(&m, disk.port, rp, MACH_MSG_TYPE_MAKE_SEND, 0, T) == MACH_MSG_SUCCESS;
	}
	CHECK_EQ(sent, 12);
	still_serving(disk.port, "replies to a full queue");
	int replies = 0;
	while (bm_receive(rp, &reply, 200) == MACH_MSG_SUCCESS) {
		CHECK(reply.h.msgh_id == 2904 && bm_code(&reply) == D_SUCCESS, "queued reply %d: id %d code %x",
		      replies, reply.h.msgh_id, bm_code(&reply));
		bm_destroy(&reply);
		replies++;
	}
	CHECK(replies >= 1 && replies < 12, "%d of 12 replies to a queue nobody drained", replies);
	drop_port(rp);
}

/* Notifications forged by a client: anyone with a send right to a port can
 * send it a message with a notification's id.  A false no-senders would
 * retire our open; a false dead-name notification would make the server
 * let go of whatever right it names (its device, its port set, ...). */
static void forged_notifications(void)
{
	static struct bm_msg m;
	bm_start(&m, MACH_NOTIFY_NO_SENDERS);
	bm_int(&m, 1);
	CHECK_EQ(bm_send(&m, disk.port, MACH_PORT_NULL, 0, 0, T), MACH_MSG_SUCCESS);
	for (uint32_t name = 1; name < 64; name++) {
		bm_start(&m, MACH_NOTIFY_DEAD_NAME);
		bm_int(&m, name);
		CHECK_EQ(bm_send(&m, disk.port, MACH_PORT_NULL, 0, 0, T), MACH_MSG_SUCCESS);
	}
	/* With a reply right: the server must not keep it. A notification id
	 * that did not come from the kernel is no notification, and an
	 * interrupt message counts only on the interrupt port (which no client
	 * can reach), so each is answered as an unknown routine (MIG_BAD_ID). */
	static const int ids[] = { MACH_NOTIFY_NO_SENDERS, MACH_NOTIFY_DEAD_NAME, SM_VIRTIO_IRQ_MSG_ID };
	for (unsigned i = 0; i < sizeof ids / sizeof ids[0]; i++) {
		mach_port_t rp = new_port();
		bm_start(&m, ids[i]);
		bm_int(&m, 3);
		if (ids[i] == SM_VIRTIO_IRQ_MSG_ID)
			bm_int(&m, 1);			/* sm_virtio_irq_msg_t: isr, count */
		CHECK_EQ(bm_send(&m, disk.port, rp, MACH_MSG_TYPE_MAKE_SEND_ONCE, 0, T), MACH_MSG_SUCCESS);
		mach_msg_return_t mr = bm_receive(rp, &reply, T);
		int let_go = reply.h.msgh_id == ids[i] + 100 && (int32_t)reply.w[1] == MIG_BAD_ID;
		CHECK(mr == MACH_MSG_SUCCESS && let_go, "forged message %d with a reply right: %x, id %d",
		      ids[i], mr, reply.h.msgh_id);
		drop_port(rp);
	}
	still_serving(disk.port, "forged notifications");
}

/* A client that dies with requests in flight: a child task (a copy of
 * this one) gets a send right to our open and sends reads and writes as
 * fast as it can, answered to its own ports or to the open's port, and is
 * terminated in the middle.  The server answers into the void, lets go of
 * what the requests held, and serves on. */
#define CHILD_DEV 0x3f0			/* the open's name in the child */
static uint8_t child_stack[16384] __attribute__((aligned(16)));

static void __attribute__((noreturn, used)) child_main(void *arg)
{
	(void)arg;
	smrt_task_forked();		/* our names are not the parent's */
	static struct bm_msg m;
	mach_port_t rp = MACH_PORT_NULL;
	mach_port_allocate(smrt_task_port(), MACH_PORT_RIGHT_RECEIVE, &rp);
	for (uint32_t i = 0;; i++) {
		bm_start(&m, i % 3 ? BM_READ : BM_WRITE);
		bm_int(&m, 0);
		bm_int(&m, SCRATCH + 8 * (i % 512));
		if (i % 3)
			bm_int(&m, 4096u << (i % 5));
		else
			bm_ool(&m, child_stack, 4096, 0);
		bm_send(&m, CHILD_DEV, i % 4 ? rp : CHILD_DEV, i % 4 ? MACH_MSG_TYPE_MAKE_SEND : MACH_MSG_TYPE_COPY_SEND,
			0, 100);
	}
}

static void dying_client(void)
{
	mach_port_t self = smrt_task_port(), child = MACH_PORT_NULL, th = MACH_PORT_NULL;
	uint32_t *sp = (uint32_t *)(child_stack + sizeof child_stack - 20);
	sp[0] = sp[1] = 0;		/* child_main(NULL) returning nowhere */
	CHECK_EQ(task_create(self, TRUE, &child), KERN_SUCCESS);
	CHECK_EQ(mach_port_insert_right(child, CHILD_DEV, disk.port, MACH_MSG_TYPE_COPY_SEND), KERN_SUCCESS);
	start_thread_at(child, (uintptr_t)child_main, (uintptr_t)sp, &th);
	vd_sleep_ms(150);		/* requests pile up in the server and the device */
	CHECK_EQ(task_terminate(child), KERN_SUCCESS);
	mach_port_deallocate(self, th);
	mach_port_deallocate(self, child);
	still_serving(disk.port, "a client that died mid-request");
}

/* A second client opens "vda" and finds the image's content: the server is
 * alive and still the one registered under the name. */
static void fresh_open(void)
{
	struct vd_disk d;
	CHECK_EQ(vd_open("vda", D_READ, &d), D_SUCCESS);
	CHECK_EQ(d.sectors, disk.sectors);
	still_serving(d.port, "a fresh open");
	CHECK_EQ(device_close(d.port), D_SUCCESS);
	mach_port_deallocate(smrt_task_port(), d.port);
}

/* only=NAME (boot argument) runs one attack, to see it alone against a server. */
static const char *only;

static void round_of_attacks(void)
{
	static const struct { const char *name; void (*run)(void); } attacks[] = {
		{ "flavors", flavors }, { "ranges", ranges }, { "numbers", reads_and_modes },
		{ "unreceivable", unreceivable }, { "blocking", blocking_replies },
		{ "forged", forged_notifications }, { "dying", dying_client }, { "open", fresh_open },
	};
	for (unsigned i = 0; i < sizeof attacks / sizeof attacks[0]; i++)
		if (!only || !strcmp(only, attacks[i].name))
			attacks[i].run();
}

int main(int argc, char **argv)
{
	buf = malloc(65536);
	only = vd_arg(argc, argv, "only");
	CHECK_EQ(vd_open("vda", D_READ | D_WRITE, &disk), D_SUCCESS);
	if (guest_failed)
		return guest_summary("test-blk-hostile");
	struct blk_info info;
	CHECK_EQ(vd_info(&disk, &info), D_SUCCESS);
	discard_ok = info.features_accepted >> 13 & 1;
	zeroes_ok = info.features_accepted >> 14 & 1;
	printf("test-blk-hostile: %u sectors, discard %d, write zeroes %d\n", disk.sectors, discard_ok, zeroes_ok);
	uint64_t t0 = vd_uptime_ns();
	round_of_attacks();		/* also warms the server's and the kernel's caches */
	/* Then a round must leave the kernel's counts as they were.  How many
	 * requests the dying client leaves behind varies, and with it how far
	 * the server's queue grows (an extent, reached once); a leak would
	 * grow in every round: so up to four rounds, one of them clean. */
	uint32_t before[4], after[4];
	int clean = 0;
	for (int round = 1; round <= 4 && !clean; round++) {
		bm_settled(before, NULL);
		round_of_attacks();
		bm_settled(after, before);
		clean = !memcmp(before, after, sizeof before);
		printf("test-blk-hostile: round %d: kernel free pages %u->%u, heap %u->%u, ports %u->%u, ool %u->%u\n",
		       round, before[0], after[0], before[1], after[1], before[2], after[2], before[3], after[3]);
	}
	CHECK(clean, "four rounds of attacks in a row changed the kernel's counts");
	CHECK_EQ(device_close(disk.port), D_SUCCESS);
	printf("test-blk-hostile: done in %u ms\n", (unsigned)((vd_uptime_ns() - t0) / 1000000));
	return guest_summary("test-blk-hostile");
}
