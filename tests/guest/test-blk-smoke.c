/* test-blk-smoke: the virtio-blk server (servers/blk) as a client sees it
 * through GNU Mach's device interface, in one short boot: open "vda" (a
 * 16 MiB scratch image from tools/mkdisk.py, every sector starting with its
 * own number), read records back, write one and read it back, write
 * zeroes, discard, the write cache mode, DEV_GET_SIZE and the project's
 * statistics and info flavors (include/sm/blk_stats.h), a flush, the
 * main refusals (inband requests among them), then a
 * sequential read of the whole disk in 64 KiB requests: synchronous on the
 * zero-copy and the copying path, and 16 requests in flight through
 * device_request.defs, and a burst of 16 that must reach the device with
 * at most two notifications.  It prints the throughput; test-virtio and
 * virtiobench cover the rest. */
#include "guest-check.h"
#include <sm/traps.h>
#include <sm/blk_stats.h>
#include <mach/mig_errors.h>
#include <device/device_types.h>
#include "smhost.h"
#include "mach.h"
#include "device.h"
#include "device_request.h"
#include "device-reply.h"

#define MASTER		2
#define SECTORS		(16 * 2048)
#define CHUNK		(64 * 1024)
#define DEPTH		16
#define LAT_N		100

static mach_port_t dev;
static uint32_t rs = 512, spr = 1;	/* record size, sectors per record (DEV_GET_SIZE) */

static uint64_t now_ns(void)
{
	return smrt_now_ns();
}

static void unmap(io_buf_ptr_t data, uint32_t bytes)
{
	if (data)
		vm_deallocate(smrt_task_port(), (vm_address_t)data, bytes);
}

/* device_read of bytes at rec; *out gets the pages (caller unmaps). */
static kern_return_t rd(recnum_t rec, int bytes, dev_mode_t mode, char **out, mach_msg_type_number_t *got)
{
	io_buf_ptr_t data = 0;
	*got = 0;
	kern_return_t kr = device_read(dev, mode, rec, bytes, &data, got);
	*out = ((char *)(data));
	return kr;
}

static void check_sectors(const char *what, const char *buf, uint32_t first, uint32_t n)
{
	int bad = -1;
	for (uint32_t i = 0; i < n && bad < 0; i++)
		if (*(const uint64_t *)(buf + 512 * i) != first + i)
			bad = (int)i;
	CHECK(bad < 0, "%s: sector %u reads %llu", what, first + bad,
	      bad < 0 ? 0ull : (unsigned long long)*(const uint64_t *)(buf + 512 * bad));
}

static struct blk_stats stats(void)
{
	struct blk_stats s;
	mach_msg_type_number_t n = BLK_STATS_COUNT;
	memset(&s, 0, sizeof s);
	CHECK_EQ(device_get_status(dev, BLK_GET_STATS, (int *)&s, &n), D_SUCCESS);
	CHECK_EQ(n, BLK_STATS_COUNT);
	return s;
}

static void basics(void)
{
	int size[DEV_GET_SIZE_COUNT];
	mach_msg_type_number_t n = DEV_GET_SIZE_COUNT;
	CHECK_EQ(device_get_status(dev, DEV_GET_SIZE, size, &n), D_SUCCESS);
	CHECK_EQ(size[DEV_GET_SIZE_DEVICE_SIZE], SECTORS * 512);
	rs = size[DEV_GET_SIZE_RECORD_SIZE];
	CHECK(rs == 512 || rs == 4096, "record size %u", rs);
	if (rs != 512 && rs != 4096)
		rs = 512;
	spr = rs / 512;
	n = DEV_GET_RECORDS_COUNT;
	CHECK_EQ(device_get_status(dev, DEV_GET_RECORDS, size, &n), D_SUCCESS);
	CHECK_EQ(size[DEV_GET_RECORDS_DEVICE_RECORDS], SECTORS / spr);

	struct blk_info info;
	n = BLK_INFO_COUNT;
	CHECK_EQ(device_get_status(dev, BLK_GET_INFO, (int *)&info, &n), D_SUCCESS);
	CHECK_EQ(info.capacity, SECTORS);
	CHECK_EQ(info.record_size, rs);
	CHECK_EQ(info.queue_size, 256);
	printf("test-blk-smoke: vda: %s, queue %u, features %llx, indirect %u, event_idx %u, %u bytes per chain\n",
	       info.modern ? "modern" : "legacy", info.queue_size, (unsigned long long)info.features_accepted,
	       info.indirect, info.event_idx, info.max_chain_bytes);

	char *buf;
	mach_msg_type_number_t got;
	uint32_t records = SECTORS / spr;
	CHECK_EQ(rd(0, rs, 0, &buf, &got), D_SUCCESS);
	CHECK_EQ(got, rs);
	check_sectors("record 0", buf, 0, spr);
	unmap(buf, got);
	CHECK_EQ(rd(records - 1, rs, 0, &buf, &got), D_SUCCESS);
	check_sectors("last record", buf, SECTORS - spr, spr);
	unmap(buf, got);
	CHECK_EQ(rd(100, 8 * rs, 0, &buf, &got), D_SUCCESS);
	CHECK_EQ(got, 8 * rs);
	check_sectors("8 records at 100 (zero-copy)", buf, 100 * spr, 8 * spr);
	unmap(buf, got);
	CHECK_EQ(rd(200, 8 * rs, BLK_MODE_COPY, &buf, &got), D_SUCCESS);
	check_sectors("8 records at 200 (copied)", buf, 200 * spr, 8 * spr);
	unmap(buf, got);
	/* A read that runs past the end is cut there. */
	CHECK_EQ(rd(records - 2, 8 * rs, 0, &buf, &got), D_SUCCESS);
	CHECK_EQ(got, 2 * rs);
	unmap(buf, got);

	/* Write record 9 (its sectors' numbers first, as mkdisk.py left them),
	 * read it back. */
	static char sector[4096];
	memset(sector, 0, sizeof sector);
	for (uint32_t i = 0; i < spr; i++)
		*(uint64_t *)(sector + 512 * i) = 9 * spr + i;
	uint32_t stamp = (uint32_t)now_ns();
	snprintf(sector + 8, 64, "test-blk-smoke wrote this %u", stamp);
	int written = 0;
	CHECK_EQ(device_write(dev, 0, 9, (io_buf_ptr_t)(sector), rs, &written), D_SUCCESS);
	CHECK_EQ(written, rs);
	CHECK_EQ(rd(9, rs, 0, &buf, &got), D_SUCCESS);
	CHECK(got == rs && memcmp(buf, sector, rs) == 0, "record 9 reads back '%s'", buf + 8);
	unmap(buf, got);

	/* Inband: whole records only, and no record fits in 128 bytes. */
	char in[IO_INBAND_MAX];
	n = sizeof in;
	CHECK_EQ(device_read_inband(dev, 0, 300, 16, in, &n), D_INVALID_SIZE);
	char out[IO_INBAND_MAX] = "inband-bytes!";
	CHECK_EQ(device_write_inband(dev, 0, 11, out, 16, &written), D_INVALID_SIZE);
	CHECK_EQ(rd(11, rs, 0, &buf, &got), D_SUCCESS);
	check_sectors("record 11 after a refused inband write", buf, 11 * spr, spr);
	unmap(buf, got);

	/* Refusals (each logged by the server, which keeps serving). */
	CHECK_EQ(rd(records, rs, 0, &buf, &got), D_INVALID_RECNUM);
	CHECK_EQ(rd(0, 100, 0, &buf, &got), D_INVALID_SIZE);
	CHECK_EQ(rd(0, rs + 512, 0, &buf, &got), rs == 512 ? D_SUCCESS : D_INVALID_SIZE);   /* unaligned with 4 KiB records */
	if (rs == 512)
		unmap(buf, got);
	CHECK_EQ(rd(0, 0, 0, &buf, &got), D_INVALID_SIZE);
	CHECK_EQ(rd(0, -512, 0, &buf, &got), D_INVALID_SIZE);
	CHECK_EQ(rd(0, 64 << 20, 0, &buf, &got), D_INVALID_SIZE);
	CHECK_EQ(device_write(dev, 0, records, (io_buf_ptr_t)(sector), rs, &written), D_INVALID_RECNUM);
	CHECK_EQ(device_set_status(dev, 12345, size, 0), D_INVALID_OPERATION);
	mach_port_t ro;
	CHECK_EQ(device_open(MASTER, D_READ, "vda", &ro), D_SUCCESS);
	CHECK_EQ(device_write(ro, 0, 9, (io_buf_ptr_t)(sector), rs, &written), D_READ_ONLY);
	CHECK_EQ(device_close(ro), D_SUCCESS);
	CHECK_EQ(device_read(ro, 0, 0, 512, (io_buf_ptr_t *)&buf, &got), D_NO_SUCH_DEVICE);
	CHECK_EQ(device_open(MASTER, D_READ, "vdz", &ro), D_NO_SUCH_DEVICE);

	/* Write zeroes, discard, the write cache mode, when the disk has them
	 * (records 12-14 lie in the first 64 KiB, which the reads below skip). */
	if (info.features_accepted & (1ull << 14)) {
		int wz[3] = { 12, 2, 0 };
		CHECK_EQ(device_set_status(dev, BLK_SET_WRITE_ZEROES, wz, 3), D_SUCCESS);
		CHECK_EQ(rd(12, 2 * rs, 0, &buf, &got), D_SUCCESS);
		int zero = got == 2 * rs;
		for (uint32_t i = 0; i < got; i++)
			zero &= buf[i] == 0;
		CHECK(zero, "records 12-13 after write zeroes");
		unmap(buf, got);
	}
	if (info.features_accepted & (1ull << 13)) {
		int dc[2] = { 14, 1 };
		CHECK_EQ(device_set_status(dev, BLK_SET_DISCARD, dc, 2), D_SUCCESS);
		dc[0] = records;
		CHECK_EQ(device_set_status(dev, BLK_SET_DISCARD, dc, 2), D_INVALID_RECNUM);
	}
	if (info.features_accepted & (1ull << 11)) {
		int wb = 0;
		CHECK_EQ(device_set_status(dev, BLK_SET_WRITEBACK, &wb, 1), D_SUCCESS);
		n = BLK_INFO_COUNT;
		CHECK_EQ(device_get_status(dev, BLK_GET_INFO, (int *)&info, &n), D_SUCCESS);
		CHECK_EQ(info.writeback, 0);
		wb = 1;
		CHECK_EQ(device_set_status(dev, BLK_SET_WRITEBACK, &wb, 1), D_SUCCESS);
	}

	struct blk_stats before = stats();
	CHECK_EQ(device_set_status(dev, BLK_SET_FLUSH, size, 0), D_SUCCESS);
	struct blk_stats after = stats();
	CHECK(after.flushes + after.flushes_emulated == before.flushes + before.flushes_emulated + 1,
	      "flushes %u -> %u", before.flushes, after.flushes);
	CHECK(after.reads >= 8 && after.writes >= 1 && after.interrupts > 0 && after.errors >= 9,
	      "reads %u writes %u interrupts %u errors %u", after.reads, after.writes, after.interrupts,
	      after.errors);
}

/* The whole disk in CHUNK reads, one at a time; MB/s. */
static unsigned sequential(dev_mode_t mode, const char *what)
{
	uint64_t t0 = now_ns();
	for (uint32_t rec = 0; rec < SECTORS / spr; rec += CHUNK / rs) {
		char *buf;
		mach_msg_type_number_t got;
		kern_return_t kr = rd(rec, CHUNK, mode, &buf, &got);
		if (kr != D_SUCCESS || got != CHUNK) {
			CHECK_EQ(kr, D_SUCCESS);
			return 0;
		}
		if (rec % 256 == 0 && rec != 0)       /* not the records written above */
			check_sectors(what, buf, rec * spr, CHUNK / 512);
		unmap(buf, got);
	}
	uint64_t ns = now_ns() - t0;
	unsigned mbs = (unsigned)((uint64_t)SECTORS * 512 * 1000 / (ns ? ns : 1));
	printf("test-blk-smoke: sequential %u KiB reads, %s: %u MB/s (%u ms for %u MiB)\n", CHUNK / 1024, what, mbs,
	       (unsigned)(ns / 1000000), SECTORS / 2048);
	return mbs;
}

/* Synchronous reads of several sizes at random records: microseconds per
 * request on each path (figures for the log, not assertions). */
static void latency(void)
{
	static const int sizes[] = { 4096, 16384, 65536, 262144 };
	uint32_t s = 1;
	for (unsigned i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		unsigned us[2];
		for (int path = 0; path < 2; path++) {
			uint64_t t0 = now_ns();
			for (int k = 0; k < LAT_N; k++) {
				s = s * 1103515245 + 12345;
				uint32_t recs = sizes[i] / rs, rec = (s >> 8) % (SECTORS / spr - recs);
				char *buf;
				mach_msg_type_number_t got;
				if (rd(rec, sizes[i], path ? BLK_MODE_COPY : BLK_MODE_ZEROCOPY, &buf, &got) != D_SUCCESS) {
					CHECK(0, "read of %d bytes at %u", sizes[i], rec);
					return;
				}
				unmap(buf, got);
			}
			us[path] = (unsigned)((now_ns() - t0) / 1000 / LAT_N);
		}
		printf("test-blk-smoke: %3d KiB reads: %u us zero-copy, %u us copying\n", sizes[i] / 1024, us[0], us[1]);
	}
}

/* The whole disk in CHUNK reads, DEPTH of them in flight. */
static unsigned pipelined(void)
{
	mach_port_t reply = mach_reply_port();
	uint32_t next = 0, done = 0, total = SECTORS / (CHUNK / 512), bad = 0;
	uint64_t t0 = now_ns();
	while (done < total) {
		while (next < total && next - done < DEPTH) {
			kern_return_t kr = device_read_request(dev, reply, 0, next * (CHUNK / rs), CHUNK);
			if (kr != KERN_SUCCESS) {
				CHECK_EQ(kr, KERN_SUCCESS);
				return 0;
			}
			next++;
		}
		union { struct read_reply r; char space[256]; } m;
		mach_msg_return_t mr = mach_msg(&m.r.head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof m, reply, 5000,
						MACH_PORT_NULL);
		if (mr != MACH_MSG_SUCCESS || m.r.head.msgh_id != 2904 || m.r.code != D_SUCCESS) {
			CHECK(0, "reply %x id %d code %d", mr, m.r.head.msgh_id, m.r.code);
			return 0;
		}
		const char *p = ((const char *)(m.r.data));
		uint64_t first = *(const uint64_t *)p;
		for (uint32_t i = 1; i < CHUNK / 512 && first != 0; i++)   /* not the records written */
			bad += *(const uint64_t *)(p + 512 * i) != first + i;
		unmap(m.r.data, m.r.data_type.msgtl_number);
		done++;
	}
	uint64_t ns = now_ns() - t0;
	CHECK_EQ(bad, 0);
	unsigned mbs = (unsigned)((uint64_t)SECTORS * 512 * 1000 / (ns ? ns : 1));
	printf("test-blk-smoke: sequential %u KiB reads, %d in flight (device_read_request): %u MB/s\n", CHUNK / 1024,
	       DEPTH, mbs);
	return mbs;
}

/* DEPTH requests sent back to back reach the server before it runs (its
 * open's port queues that many: servers/blk/Opens.swift), so it takes them
 * all before notifying the device: one decision for the first (the device
 * was idle) and one for the rest, where Mach's default queue limit of 5
 * blocked this sender whenever five waited (one more was handed to the
 * server straight) and cost a decision per handful. */
static void burst(void)
{
	mach_port_t reply = mach_reply_port();
	CHECK_EQ(device_set_status(dev, BLK_SET_STATS_RESET, NULL, 0), D_SUCCESS);
	for (int i = 0; i < DEPTH; i++)
		CHECK_EQ(device_read_request(dev, reply, 0, (uint32_t)i * (4096 / rs), 4096), KERN_SUCCESS);
	for (int i = 0; i < DEPTH; i++) {
		union { struct read_reply r; char space[256]; } m;
		mach_msg_return_t mr = mach_msg(&m.r.head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof m, reply, 5000,
						MACH_PORT_NULL);
		CHECK(mr == MACH_MSG_SUCCESS && m.r.head.msgh_id == 2904 && m.r.code == D_SUCCESS,
		      "burst reply %x id %d code %d", mr, m.r.head.msgh_id, m.r.code);
		if (mr != MACH_MSG_SUCCESS)
			break;
		unmap(m.r.data, m.r.data_type.msgtl_number);
	}
	struct blk_stats s = stats();
	CHECK(s.notifies + s.notifies_suppressed <= 2, "%d requests in a burst: %u notifications (%u suppressed)",
	      DEPTH, s.notifies + s.notifies_suppressed, s.notifies_suppressed);
	mach_port_destroy(smrt_task_port(), reply);
}

int main(void)
{
	kern_return_t kr = D_NO_SUCH_DEVICE;
	for (int i = 0; i < 200 && kr == D_NO_SUCH_DEVICE; i++)
		if ((kr = device_open(MASTER, D_READ | D_WRITE, "vda", &dev)) == D_NO_SUCH_DEVICE)
			smrt_sleep_ms(50);          /* the server is still starting */
	CHECK_EQ(kr, D_SUCCESS);
	if (kr != D_SUCCESS)
		return guest_summary("test-blk-smoke");
	basics();
	CHECK_EQ(device_set_status(dev, BLK_SET_STATS_RESET, NULL, 0), D_SUCCESS);
	unsigned zc = sequential(0, "zero-copy");
	unsigned copy = sequential(BLK_MODE_COPY, "copying");
	pipelined();
	latency();
	struct blk_stats s = stats();
	printf("test-blk-smoke: %u reads, %llu bytes (%llu zero-copy, %llu copied), %u chains, in flight at most %u, "
	       "%u interrupts (%u chains at most in one), %u notifies (%u suppressed), pool %u/%u buffers, "
	       "high-water %u\n",
	       s.reads, (unsigned long long)s.bytes_read, (unsigned long long)s.bytes_zero_copy,
	       (unsigned long long)s.bytes_copied, s.chains, s.inflight_hwm, s.interrupts, s.completions_max_batch,
	       s.notifies, s.notifies_suppressed, s.pool_in_use, s.pool_total, s.pool_hwm);
	CHECK(s.inflight_hwm > 1, "pipelined reads never overlapped (in flight at most %u)", s.inflight_hwm);
	CHECK(zc > 0 && copy > 0, "zero-copy %u MB/s, copying %u MB/s", zc, copy);
	burst();
	CHECK_EQ(device_close(dev), D_SUCCESS);
	return guest_summary("test-blk-smoke");
}
