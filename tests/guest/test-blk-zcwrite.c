/* test-blk-zcwrite: large device_writes reach the virtio-blk server
 * (servers/blk, device "vda" on a scratch image) copy-on-write, and the
 * device reads them in place from the pages the server lent it
 * (virtio_lend_pages): no copy anywhere. The client's side of that virtual
 * copy is checked here:
 *
 * - the disk gets exactly what the client's buffer held when it sent the
 *   write, although the client writes the buffer again right after each
 *   send (so while the device may be reading), with several 256 KiB writes
 *   in flight; and for every other write the client frees its buffer at
 *   once and takes fresh memory, filled, meanwhile;
 * - the client's later writes are not seen: every range read back holds
 *   the sent generation, never the one written after the send;
 * - the writes went the lent way: the server's DMA buffer pool (where a
 *   write is copied when the kernel refuses to lend) was never used;
 * - no frame leaks: after a first round, 8 rounds of writes leave the
 *   kernel's free pages, heap, ports and out-of-line items as they were
 *   (in one of four tries: see main). */
#include "vdisk.h"
#include "blkmsg.h"
#include <mach/mig_errors.h>
#include "mach.h"
#include "smhost.h"

#define T		5000		/* ms for any answer */
#define SCRATCH		2048		/* sectors from here on may be written */
#define INFLIGHT	4
#define BYTES		(256u << 10)
#define NSECT		(BYTES / VD_SECTOR)
#define SEED		0x7a637772u

static struct vd_disk disk;
static uint8_t *readback;

static uint32_t sector_of(int i) { return SCRATCH + (uint32_t)i * NSECT; }

/* One round: INFLIGHT writes of generation gen, each buffer overwritten
 * (generation gen + 1) or freed right after its send; then every range
 * read back. */
static void round_of_writes(uint32_t gen)
{
	static struct bm_msg msg, reply;
	mach_port_t replies[INFLIGHT];
	vm_address_t bufs[INFLIGHT], scribble = 0;
	for (int i = 0; i < INFLIGHT; i++) {
		bufs[i] = 0;
		CHECK_EQ(vm_allocate(mach_task_self(), &bufs[i], BYTES, TRUE), KERN_SUCCESS);
		vd_fill((void *)bufs[i], SEED, sector_of(i), NSECT, gen);
		CHECK_EQ(mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &replies[i]), KERN_SUCCESS);
		bm_start(&msg, BM_WRITE);
		bm_int(&msg, 0);
		bm_int(&msg, sector_of(i) / disk.spr);
		bm_ool(&msg, (void *)bufs[i], BYTES, 0);        /* as device_write sends: a virtual copy */
		CHECK_EQ(bm_send(&msg, disk.port, replies[i], MACH_MSG_TYPE_MAKE_SEND_ONCE, 0, T), MACH_MSG_SUCCESS);
		if (i % 2 == 0) {
			vd_fill((void *)bufs[i], SEED, sector_of(i), NSECT, gen + 1);
		} else {
			CHECK_EQ(vm_deallocate(mach_task_self(), bufs[i], BYTES), KERN_SUCCESS);
			bufs[i] = 0;
			CHECK_EQ(vm_allocate(mach_task_self(), &scribble, BYTES, TRUE), KERN_SUCCESS);
			memset((void *)scribble, 0xa5, BYTES);
			CHECK_EQ(vm_deallocate(mach_task_self(), scribble, BYTES), KERN_SUCCESS);
		}
	}
	for (int i = 0; i < INFLIGHT; i++) {
		CHECK_EQ(bm_receive(replies[i], &reply, T), MACH_MSG_SUCCESS);
		CHECK(reply.h.msgh_id == BM_WRITE + 100 && bm_code(&reply) == D_SUCCESS && reply.w[3] == BYTES,
		      "write %d: id %d code %x, %u bytes written", i, reply.h.msgh_id, bm_code(&reply), reply.w[3]);
		bm_destroy(&reply);
		mach_port_mod_refs(mach_task_self(), replies[i], MACH_PORT_RIGHT_RECEIVE, -1);
		if (bufs[i])
			CHECK_EQ(vm_deallocate(mach_task_self(), bufs[i], BYTES), KERN_SUCCESS);
	}
	for (int i = 0; i < INFLIGHT; i++)
		for (uint32_t off = 0; off < BYTES; off += 65536) {
			uint32_t got = 0, first = sector_of(i) + off / VD_SECTOR;
			CHECK_EQ(vd_read(&disk, first / disk.spr, 65536, readback, &got), D_SUCCESS);
			int bad = vd_verify(readback, SEED, first, 65536 / VD_SECTOR, gen, NULL);
			CHECK(got == 65536 && bad < 0, "write %d, generation %u: sector %u reads back as %s", i, gen,
			      first + (bad < 0 ? 0 : bad), bad < 0 ? "short" : vd_describe(readback + bad * VD_SECTOR));
		}
}

int main(int argc, char **argv)
{
	(void)argc, (void)argv;
	readback = malloc(65536);
	CHECK_EQ(vd_open("vda", D_READ | D_WRITE, &disk), D_SUCCESS);
	if (guest_failed)
		return guest_summary("test-blk-zcwrite");
	CHECK(disk.sectors >= SCRATCH + INFLIGHT * NSECT, "%u sectors", disk.sectors);
	CHECK_EQ(device_set_status(disk.port, BLK_SET_STATS_RESET, NULL, 0), D_SUCCESS);
	uint64_t t0 = vd_uptime_ns();
	round_of_writes(1);                 /* also warms the server's and the kernel's caches */
	struct blk_stats st;
	CHECK_EQ(vd_stats(&disk, &st), D_SUCCESS);
	CHECK(st.writes == INFLIGHT && st.pool_hwm == 0, "%u writes, %u pool buffers used at most (0: all lent)",
	      st.writes, st.pool_hwm);
	/* How far the kernel's queues and the server's grow depends on the
	 * timing (a loaded host lets more messages pile up, once); a leak
	 * would grow in every try: so up to four tries of 8 rounds, one of
	 * them clean. */
	uint32_t before[4], after[4], gen = 3;
	int clean = 0;
	for (int try = 1; try <= 4 && !clean && !guest_failed; try++) {
		bm_settled(before, NULL);
		for (int round = 0; round < 8 && !guest_failed; round++, gen += 2)
			round_of_writes(gen);
		bm_settled(after, before);
		clean = !memcmp(before, after, sizeof before);
		printf("test-blk-zcwrite: try %d, 8 rounds of %u writes of %u KiB: kernel free pages %u->%u, "
		       "heap %u->%u, ports %u->%u, ool %u->%u\n", try, INFLIGHT, BYTES >> 10, before[0], after[0],
		       before[1], after[1], before[2], after[2], before[3], after[3]);
	}
	CHECK(clean, "four tries of writes in a row changed the kernel's counts");
	CHECK_EQ(vd_stats(&disk, &st), D_SUCCESS);
	CHECK(st.pool_hwm == 0, "%u pool buffers used", st.pool_hwm);
	CHECK_EQ(device_close(disk.port), D_SUCCESS);
	printf("test-blk-zcwrite: done in %u ms\n", (unsigned)((vd_uptime_ns() - t0) / 1000000));
	return guest_summary("test-blk-zcwrite");
}
