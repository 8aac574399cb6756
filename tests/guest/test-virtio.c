/* test-virtio: the virtio-blk server (servers/blk, device "vda") as a client
 * sees it through GNU Mach's device interface, on a scratch disk made by
 * tools/mkdisk.py. Booted in several configurations (tests/user-qemu.mk:
 * transports, queue sizes, 4 KiB blocks, a read-only disk); arguments,
 * comma separated, say what to expect: bs=N (record size, default 512),
 * ro (a read-only disk), legacy (the legacy transport), qsize=N (queue
 * size, default 256), clients=N (virtio-client tasks to wait for); and
 * seed=X repeats a run. The server's semantics: <sm/blk_stats.h>.
 *
 * Every sector written carries its number and a generation (tests/lib/vdisk.h);
 * a model keeps the generation of each sector, and every write the device
 * accepts is logged for tools/vdisk-check.py, which replays the log over a
 * fresh image after QEMU exits and compares it with the image byte for byte.
 *
 * Disk layout, in sixteenths of the disk: 0-7 the test's own (random
 * reads and writes, requests in flight), 8-13 two sixteenths per client
 * task, 14 stable while the clients run (they read it), 15 the tail (the
 * last record). */
#include "vdisk.h"
#include <mach/mig_errors.h>
#include <sm/virtio_devices.h>
#include "mach_port.h"
#include "smhost.h"

#define RW		(D_READ | D_WRITE)
#define BAD_GEN		2989		/* generation of writes that must be refused */
#define CLIENT_GEN	3000		/* + client id: what each client leaves */
#define RANDOM_OPS	300
#define FLIGHT_OPS	400

static struct vd_disk disk;
static uint32_t seed, sixteenth;	/* in sectors */
static uint16_t *model;			/* generation of every sector */
static uint16_t next_gen = 10;
static uint8_t *buf;			/* 2 MiB */

static uint32_t rnd(uint32_t n)
{
	static uint32_t state;
	if (!state)
		state = seed | 1;
	return vd_rand(&state) % n;
}

/* A write that must be refused: nothing is logged, so if it lands the
 * host check finds a sector of generation BAD_GEN. */
static void refused_write(mach_port_t port, recnum_t rec, uint32_t bytes, kern_return_t want, const char *what)
{
	int w = -1;
	vd_fill(buf, seed, rec * disk.spr, (bytes + VD_SECTOR - 1) / VD_SECTOR, BAD_GEN);
	kern_return_t kr = device_write(port, 0, rec, (io_buf_ptr_t)(buf), bytes, &w);
	CHECK(kr == want, "%s: write of %u bytes at record %u: %x (%d bytes written), expected %x",
	      what, bytes, rec, kr, w, want);
}

static void refused_read(mach_port_t port, recnum_t rec, int bytes, kern_return_t want, const char *what)
{
	io_buf_ptr_t data = 0;
	mach_msg_type_number_t n = 0;
	kern_return_t kr = device_read(port, 0, rec, bytes, &data, &n);
	CHECK(kr == want, "%s: read of %d bytes at record %u: %x (%u bytes), expected %x", what, bytes, rec, kr, n,
	      want);
	if (kr == D_SUCCESS)
		vd_free(((void *)(data)), n);
}

static struct blk_info info;

/* What the server says the disk is, against what QEMU was told. */
static void test_info(uint32_t bs, int ro, int legacy, uint32_t qsize)
{
	CHECK_EQ(disk.record_size, bs);
	CHECK(disk.records >= 64 && disk.sectors % 16 == 0, "%u records", disk.records);
	CHECK_EQ(vd_info(&disk, &info), D_SUCCESS);
	CHECK(info.record_size == bs && info.records == disk.records && info.capacity == disk.sectors,
	      "info: %u records of %u bytes, %llu sectors", info.records, info.record_size, info.capacity);
	CHECK_EQ(info.read_only, ro);
	CHECK_EQ(info.modern, !legacy);
	CHECK_EQ(info.queue_size, qsize);
	CHECK_EQ(!!(info.features_accepted & (1ull << VIRTIO_BLK_F_RO)), ro);
	printf("test-virtio: seed=%08x vda: %s transport, queue %u, %u records of %u bytes%s, features %llx of %llx,"
	       " segments of %u bytes (%u), chains of %u bytes, indirect %u, event_idx %u, zero-copy %u\n",
	       seed, info.modern ? "modern" : "legacy", info.queue_size, info.records, info.record_size,
	       info.read_only ? ", read-only" : "", info.features_accepted, info.features_offered, info.size_max,
	       info.seg_max, info.max_chain_bytes, info.indirect, info.event_idx, info.zero_copy_default);
}

/* The whole disk: written in requests of many sizes, read back in others. */
static void test_whole_disk(void)
{
	const uint32_t rs = disk.record_size;
	const uint32_t wsizes[8] = { rs, 3 * rs, 65536, 131072, 1048576, 20 * rs, 524288, 65536 };
	const uint32_t rsizes[8] = { 65536, 1048576, rs, 262144, 7 * rs, 4096 > rs ? 4096 : rs, 131072, 65536 };
	uint32_t eighth = disk.sectors / 8, wbad = 0, rbad = 0;
	for (int i = 0; i < 8; i++)
		wbad += vd_write_pattern(&disk, seed, i * eighth, eighth, 1, wsizes[i], model);
	for (int i = 0; i < 8; i++)
		rbad += vd_verify_range(&disk, seed, i * eighth, eighth, 0, model, rsizes[i]);
	printf("test-virtio: whole disk written (%u bad requests) and read back (%u bad)\n", wbad, rbad);
}

static void write_model(uint32_t sector, uint32_t nsect, uint32_t chunk)
{
	uint16_t gen = next_gen++;
	vd_write_pattern(&disk, seed, sector, nsect, gen, chunk, model);
}

/* The first and last records, alone and with neighbours. */
static void test_edges(void)
{
	const uint32_t spr = disk.spr, last = disk.sectors - spr;
	write_model(0, spr, disk.record_size);
	write_model(last, spr, disk.record_size);
	vd_verify_range(&disk, seed, 0, spr, 0, model, disk.record_size);
	vd_verify_range(&disk, seed, last, spr, 0, model, disk.record_size);
	vd_verify_range(&disk, seed, 0, 4 * spr, 0, model, 4 * disk.record_size);
	vd_verify_range(&disk, seed, last - 3 * spr, 4 * spr, 0, model, 4 * disk.record_size);
	write_model(last - 7 * spr, 8 * spr, 8 * disk.record_size);
	vd_verify_range(&disk, seed, last - 15 * spr, 16 * spr, 0, model, 16 * disk.record_size);
}

/* A request that starts on the disk and runs past its end is cut there. */
static void straddle(void)
{
	const uint32_t rs = disk.record_size, last = disk.records - 1;
	uint32_t got = 0;
	kern_return_t kr = vd_read(&disk, last - 1, 4 * rs, buf, &got);
	CHECK(kr == D_SUCCESS && got == 2 * rs && vd_verify(buf, seed, (last - 1) * disk.spr, 2 * disk.spr, 0, model) < 0,
	      "read of 4 records from the last but one: %x, %u bytes", kr, got);
	uint16_t gen = next_gen++;
	vd_fill(buf, seed, last * disk.spr, 2 * disk.spr, gen);
	kr = vd_write(&disk, last, buf, 2 * rs, &got);
	CHECK(kr == D_SUCCESS && got == rs, "write of 2 records from the last: %x, %u bytes", kr, got);
	if (kr == D_SUCCESS && got) {
		vd_log_write(seed, last * disk.spr, got / VD_SECTOR, gen);
		for (uint32_t k = 0; k < got / VD_SECTOR; k++)
			model[last * disk.spr + k] = gen;
	}
	vd_verify_range(&disk, seed, last * disk.spr - 64, 64 + disk.spr, 0, model, 64 * VD_SECTOR + rs);
}

static void test_errors(mach_port_t port, int writable)
{
	const uint32_t rs = disk.record_size, end = disk.records;
	refused_read(port, end, (int)rs, D_INVALID_RECNUM, "first record past the end");
	refused_read(port, 0xffffffffu, (int)rs, D_INVALID_RECNUM, "record 2^32-1");
	refused_read(port, end + 1000, 65536, D_INVALID_RECNUM, "far past the end");
	refused_read(port, 0, (int)rs + 1, D_INVALID_SIZE, "one byte more than a record");
	refused_read(port, 0, (int)rs - 4, D_INVALID_SIZE, "less than a record");
	refused_read(port, 0, 100, D_INVALID_SIZE, "100 bytes");
	refused_read(port, 0, 0, D_INVALID_SIZE, "zero bytes");
	refused_read(port, 0, -1, D_INVALID_SIZE, "-1 bytes");
	refused_read(port, 0, -(int)rs, D_INVALID_SIZE, "minus a record");
	refused_read(port, 0, 0x7fffffff, D_INVALID_SIZE, "2 GiB - 1 bytes");
	refused_read(port, 0, 0x7ffff000, D_INVALID_SIZE, "almost 2 GiB");
	refused_read(port, 0, BLK_MAX_IO + (int)rs, D_INVALID_SIZE, "a record more than BLK_MAX_IO");
	refused_read(port, 0, (int)(disk.sectors * VD_SECTOR + rs), D_INVALID_SIZE, "more than the disk");
	if (writable) {
		refused_write(port, end, rs, D_INVALID_RECNUM, "first record past the end");
		refused_write(port, 0xfffffff0u, rs, D_INVALID_RECNUM, "record 2^32-16");
		refused_write(port, 0, rs + VD_SECTOR / 2, D_INVALID_SIZE, "a record and a half sector");
		refused_write(port, 0, rs - 4, D_INVALID_SIZE, "less than a record");
		refused_write(port, 0, 1, D_INVALID_SIZE, "one byte");
		refused_write(port, 0, 0, D_INVALID_SIZE, "zero bytes");
		refused_write(port, 0, BLK_MAX_IO + rs, D_INVALID_SIZE, "a record more than BLK_MAX_IO");
		if (rs > VD_SECTOR)
			refused_write(port, 0, VD_SECTOR, D_INVALID_SIZE, "512 bytes on a larger block");
	}
	/* Inband: at most IO_INBAND_MAX bytes, which is less than a record. */
	char in[IO_INBAND_MAX];
	static const int inband[] = { 16, IO_INBAND_MAX, 0, -1, 512, 4096 };
	for (unsigned i = 0; i < sizeof inband / sizeof inband[0]; i++) {
		mach_msg_type_number_t n = sizeof in;
		int w = -1;
		kern_return_t kr = device_read_inband(port, 0, 0, inband[i], in, &n);
		CHECK(kr == D_INVALID_SIZE, "device_read_inband of %d bytes: %x (%u bytes)", inband[i], kr, n);
		if (writable && inband[i] >= 0 && inband[i] <= IO_INBAND_MAX) {
			memset(in, 0xee, sizeof in);         /* if it lands, the checks see it */
			kr = device_write_inband(port, 0, 0, in, (unsigned)inband[i], &w);
			CHECK(kr == D_INVALID_SIZE, "device_write_inband of %d bytes: %x (%d written)", inband[i], kr, w);
		}
	}
	int status[DEV_STATUS_MAX];
	mach_msg_type_number_t n = DEV_STATUS_MAX;
	CHECK_EQ(device_get_status(port, 0x7654321, status, &n), D_INVALID_OPERATION);
	n = 1;
	CHECK_EQ(device_get_status(port, DEV_GET_SIZE, status, &n), D_INVALID_SIZE);
	n = BLK_STATS_COUNT - 1;
	CHECK_EQ(device_get_status(port, BLK_GET_STATS, status, &n), D_INVALID_SIZE);
	n = BLK_INFO_COUNT - 1;
	CHECK_EQ(device_get_status(port, BLK_GET_INFO, status, &n), D_INVALID_SIZE);
	CHECK_EQ(device_set_status(port, 0x7654321, status, 1), D_INVALID_OPERATION);
	CHECK_EQ(device_set_status(port, DEV_GET_SIZE, status, 2), D_INVALID_OPERATION);
	mach_port_t pager = MACH_PORT_NULL;
	CHECK_EQ(device_map(port, 1, 0, 4096, &pager, 0), D_INVALID_OPERATION);
	/* The device_request.defs forms: the refusal comes as the reply message. */
	static struct vd_async a;
	struct vd_reply r;
	struct vd_disk d = disk;
	d.port = port;
	vd_async_init(&a, 2);
	vd_fill(buf, seed, 0, disk.spr, BAD_GEN);
	CHECK_EQ(vd_async_read(&a, 0, &d, end, rs), KERN_SUCCESS);
	CHECK_EQ(vd_async_write(&a, 1, &d, 0, buf, writable ? rs - 4 : rs), KERN_SUCCESS);
	for (int i = 0; i < 2 && vd_async_wait(&a, &r, 10000) == MACH_MSG_SUCCESS; i++) {
		kern_return_t want = r.slot == 0 ? D_INVALID_RECNUM : writable ? D_INVALID_SIZE : D_READ_ONLY;
		CHECK(r.id == (r.slot == 0 ? 2904 : 2902) && r.code == want && r.count == 0,
		      "request %d: reply %d, %x, %u bytes; expected %x", r.slot, r.id, r.code, r.count, want);
	}
	/* ...and the server still answers. */
	CHECK_EQ(vd_verify_range(&disk, seed, 0, disk.spr, 0, model, disk.record_size), 0);
}

/* Random reads and writes in the test's own half, against the model;
 * reads take the default, the copying and the zero-copy path in turn. */
static void test_random(void)
{
	static const dev_mode_t modes[3] = { 0, BLK_MODE_COPY, BLK_MODE_ZEROCOPY };
	const uint32_t recs = 8 * sixteenth / disk.spr;
	uint32_t reads = 0, writes = 0;
	for (int i = 0; i < RANDOM_OPS; i++) {
		uint32_t n = 1 + rnd(i % 10 == 0 ? 256 : 16), rec = rnd(recs - n + 1);
		if (rnd(2)) {
			write_model(rec * disk.spr, n * disk.spr, n * disk.record_size);
			writes++;
		} else {
			vd_read_mode = modes[reads % 3];
			vd_verify_range(&disk, seed, rec * disk.spr, n * disk.spr, 0, model, n * disk.record_size);
			reads++;
		}
	}
	vd_read_mode = 0;
	printf("test-virtio: %u random reads and %u random writes against the model\n", reads, writes);
}

/* Both read paths deliver the same data, and the statistics say which ran. */
static void test_read_paths(void)
{
	static const dev_mode_t modes[2] = { BLK_MODE_COPY, BLK_MODE_ZEROCOPY };
	struct blk_stats a, b;
	for (int i = 0; i < 2; i++) {
		vd_read_mode = modes[i];
		CHECK_EQ(vd_stats(&disk, &a), D_SUCCESS);
		vd_verify_range(&disk, seed, sixteenth, 256, 0, model, 65536);
		CHECK_EQ(vd_stats(&disk, &b), D_SUCCESS);
		uint64_t copied = b.bytes_copied - a.bytes_copied, moved = b.bytes_zero_copy - a.bytes_zero_copy;
		CHECK(i ? moved == 131072 && copied == 0 : copied == 131072 && moved == 0,
		      "%s reads of 128 KiB: %llu bytes copied, %llu moved", i ? "zero-copy" : "copying", copied, moved);
	}
	vd_read_mode = 0;
}

/* Zero-copy reads that end inside a page: the client gets the data and,
 * up to the end of that page, zeros, never what the page held before (the
 * server reads into pages the kernel does not zero; the out-of-line move
 * clears past the message's data). */
static void test_page_tails(void)
{
	const uint32_t rs = disk.record_size;
	for (uint32_t extra = rs; extra < 4096; extra += 3 * rs) {
		uint32_t bytes = 4096 + extra, bad = 0;
		io_buf_ptr_t data = 0;
		mach_msg_type_number_t n = 0;
		kern_return_t kr = device_read(disk.port, BLK_MODE_ZEROCOPY, (recnum_t)(sixteenth / disk.spr),
					       (int)bytes, &data, &n);
		CHECK(kr == D_SUCCESS && n == bytes, "read of %u bytes: %x, %u bytes", bytes, kr, n);
		if (kr != D_SUCCESS)
			continue;
		const uint8_t *p = ((const uint8_t *)(data));
		for (uint32_t i = bytes; i < 8192; i++)
			bad += p[i] != 0;
		CHECK(bad == 0, "read of %u bytes: %u of the %u bytes after the data are not zero", bytes, bad,
		      8192 - bytes);
		vd_free((void *)p, n);
	}
}

/* Flush: the device really gets VIRTIO_BLK_T_FLUSH (when it offers FLUSH),
 * also with writes in flight, which all complete. */
static void test_flush(void)
{
	static struct vd_async a;
	struct blk_stats before, after;
	struct vd_reply r;
	int status[1], ok = 0;
	const int has_flush = !!(info.features_accepted & (1ull << VIRTIO_BLK_F_FLUSH));
	CHECK_EQ(vd_stats(&disk, &before), D_SUCCESS);
	write_model(2 * sixteenth, 8 * disk.spr, 8 * disk.record_size);
	CHECK_EQ(device_set_status(disk.port, BLK_SET_FLUSH, status, 0), D_SUCCESS);
	vd_async_init(&a, 16);
	uint8_t *data = malloc(16 * disk.record_size);
	uint32_t first = 3 * sixteenth, gen = next_gen++;
	for (int i = 0; i < 16; i++) {
		vd_fill(data + i * disk.record_size, seed, first + i * disk.spr, disk.spr, gen);
		CHECK_EQ(vd_async_write(&a, i, &disk, first / disk.spr + i, data + i * disk.record_size, disk.record_size),
			 KERN_SUCCESS);
	}
	CHECK_EQ(device_set_status(disk.port, BLK_SET_FLUSH, status, 0), D_SUCCESS);
	for (int i = 0; i < 16 && vd_async_wait(&a, &r, 10000) == MACH_MSG_SUCCESS; i++) {
		if (r.slot >= 0 && r.id == 2902 && r.code == D_SUCCESS && r.count == disk.record_size) {
			ok++;
			vd_log_write(seed, first + r.slot * disk.spr, disk.spr, gen);
			for (uint32_t k = 0; k < disk.spr; k++)
				model[first + r.slot * disk.spr + k] = (uint16_t)gen;
		}
	}
	CHECK_EQ(ok, 16);
	free(data);
	CHECK_EQ(vd_stats(&disk, &after), D_SUCCESS);
	CHECK(after.flushes + after.flushes_emulated >= before.flushes + before.flushes_emulated + 2 &&
	      (!has_flush || after.flushes >= before.flushes + 2), "flushes %u -> %u, emulated %u -> %u (FLUSH %d)",
	      before.flushes, after.flushes, before.flushes_emulated, after.flushes_emulated, has_flush);
	CHECK_EQ(vd_verify_range(&disk, seed, first, 16 * disk.spr, 0, model, 65536), 0);
	if (info.features_accepted & (1ull << 11)) {              /* VIRTIO_BLK_F_CONFIG_WCE */
		struct blk_info now;
		for (int wb = 0; wb < 2; wb++) {
			CHECK_EQ(device_set_status(disk.port, BLK_SET_WRITEBACK, &wb, 1), D_SUCCESS);
			CHECK(vd_info(&disk, &now) == D_SUCCESS && now.writeback == (uint32_t)wb, "writeback %u, set %d",
			      now.writeback, wb);
		}
	}
}

/* Write zeroes and discard, when the device offers them. */
static void test_zeroes(void)
{
	uint32_t first = 4 * sixteenth, n = 64 / disk.spr + 1;
	int args[3] = { (int)(first / disk.spr), (int)n, 0 };
	if (info.features_accepted & (1ull << 14)) {              /* VIRTIO_BLK_F_WRITE_ZEROES */
		kern_return_t kr = device_set_status(disk.port, BLK_SET_WRITE_ZEROES, args, 3);
		CHECK_EQ(kr, D_SUCCESS);
		if (kr == D_SUCCESS) {
			vd_log_write(seed, first, n * disk.spr, VD_ZERO_GEN);
			for (uint32_t k = 0; k < n * disk.spr; k++)
				model[first + k] = VD_ZERO_GEN;
		}
		vd_verify_range(&disk, seed, first - disk.spr, (n + 2) * disk.spr, 0, model, 65536);
	}
	if (info.features_accepted & (1ull << 13)) {              /* VIRTIO_BLK_F_DISCARD: content undefined */
		args[0] += (int)n;
		CHECK_EQ(device_set_status(disk.port, BLK_SET_DISCARD, args, 2), D_SUCCESS);
		write_model(first + n * disk.spr, n * disk.spr, n * disk.record_size);
	}
	args[0] = (int)disk.records;
	CHECK_EQ(device_set_status(disk.port, BLK_SET_WRITE_ZEROES, args, 3),
		 info.features_accepted & (1ull << 14) ? D_INVALID_RECNUM : D_INVALID_OPERATION);
}

/* Many requests in flight from one thread, in the test's own half. */
static void test_in_flight(int slots, int ops, int write_percent)
{
	static uint32_t rng;
	if (!rng)
		rng = seed ^ 0x5bd1e995u;
	int most = vd_in_flight(&disk, seed, 0, 8 * sixteenth, model, &next_gen, &rng, slots, ops, write_percent);
	printf("test-virtio: %d of %d requests in flight at once (%d%% writes)\n", most, slots, write_percent);
	CHECK(most >= slots / 2, "only %d requests in flight at once", most);
}

/* Opens: modes, a read-only and a write-only open, a closed open. */
static void test_opens(void)
{
	struct vd_disk ro, wo, gone;
	char in[IO_INBAND_MAX];
	mach_msg_type_number_t n;
	int status[2];
	CHECK_EQ(device_open(VD_MASTER, D_READ, "vdz", &ro.port), D_NO_SUCH_DEVICE);
	CHECK_EQ(device_open(VD_MASTER, D_READ | 0x100, "vda", &ro.port), D_INVALID_OPERATION);
	CHECK_EQ(vd_open("vda", D_READ | D_NODELAY | D_NOWAIT, &ro), D_SUCCESS);
	CHECK_EQ(vd_verify_range(&ro, seed, 0, 8 * disk.spr, 0, model, 8 * disk.record_size), 0);
	refused_write(ro.port, 0, disk.record_size, D_READ_ONLY, "open without D_WRITE");
	CHECK_EQ(vd_open("vda", D_WRITE, &wo), D_SUCCESS);
	refused_read(wo.port, 0, (int)disk.record_size, D_INVALID_OPERATION, "open without D_READ");
	uint32_t at = 5 * sixteenth, gen = next_gen++, written = 0;
	vd_fill(buf, seed, at, disk.spr, gen);
	CHECK_EQ(vd_write(&wo, at / disk.spr, buf, disk.record_size, &written), D_SUCCESS);
	if (written) {
		vd_log_write(seed, at, written / VD_SECTOR, gen);
		for (uint32_t k = 0; k < written / VD_SECTOR; k++)
			model[at + k] = (uint16_t)gen;
	}
	CHECK_EQ(vd_verify_range(&ro, seed, at, disk.spr, 0, model, disk.record_size), 0);
	CHECK_EQ(device_close(ro.port), D_SUCCESS);
	CHECK_EQ(device_close(wo.port), D_SUCCESS);
	CHECK_EQ(vd_open("vda", RW, &gone), D_SUCCESS);
	CHECK_EQ(device_close(gone.port), D_SUCCESS);
	CHECK_EQ(device_close(gone.port), D_NO_SUCH_DEVICE);
	refused_read(gone.port, 0, (int)disk.record_size, D_NO_SUCH_DEVICE, "closed device");
	refused_write(gone.port, 0, disk.record_size, D_NO_SUCH_DEVICE, "closed device");
	n = sizeof in;
	CHECK_EQ(device_read_inband(gone.port, 0, 0, 16, in, &n), D_NO_SUCH_DEVICE);
	n = 2;
	CHECK_EQ(device_get_status(gone.port, DEV_GET_SIZE, status, &n), D_NO_SUCH_DEVICE);
	CHECK_EQ(device_set_status(gone.port, BLK_SET_FLUSH, status, 0), D_NO_SUCH_DEVICE);
	mach_port_deallocate(smrt_task_port(), ro.port);
	mach_port_deallocate(smrt_task_port(), wo.port);
	mach_port_deallocate(smrt_task_port(), gone.port);
	/* Opens whose send right is dropped without a close are retired. */
	int ok = 0;
	for (int i = 0; i < 100; i++) {
		mach_port_t p = MACH_PORT_NULL;
		ok += device_open(VD_MASTER, D_READ, "vda", &p) == D_SUCCESS;
		mach_port_deallocate(smrt_task_port(), p);
	}
	CHECK_EQ(ok, 100);
}

/* Client tasks: parameters for each, then their reports. */
static void client_params(unsigned id, struct vd_params *p)
{
	*p = (struct vd_params){ seed, (8 + 2 * (id - 1)) * sixteenth, 2 * sixteenth, CLIENT_GEN + id,
				 14 * sixteenth, sixteenth, 1 };
}

static void test_clients(mach_port_t sync, unsigned clients)
{
	unsigned hello = 0, reports = 0;
	while (hello < clients) {
		int mode = vd_sync_serve(sync, 20000, client_params);
		if (mode < 0)
			break;
		CHECK(mode & VD_HELLO && (mode & 0xffff) >= 1 && (mode & 0xffff) <= 3, "mode %x", mode);
		hello++;
	}
	CHECK_EQ(hello, clients);
	test_in_flight(32, FLIGHT_OPS, 50);         /* while the clients work */
	while (reports < hello) {
		int mode = vd_sync_serve(sync, 30000, client_params);
		if (mode < 0)
			break;
		CHECK((mode & VD_REPORT) && (mode & 0xffff) == 0, "a client reported %d failures", mode & 0xffff);
		reports++;
	}
	CHECK_EQ(reports, clients);
	for (unsigned id = 1; id <= clients; id++)
		for (uint32_t s = 0; s < 2 * sixteenth; s++)
			model[(8 + 2 * (id - 1)) * sixteenth + s] = (uint16_t)(CLIENT_GEN + id);
	printf("test-virtio: %u client tasks finished\n", reports);
}

/* A read-only disk: the fresh image reads back, every write is refused. */
static void test_read_only(void)
{
	mach_port_t rw = MACH_PORT_NULL;
	int status[3] = { 0, 1, 0 };
	CHECK_EQ(device_open(VD_MASTER, RW, "vda", &rw), D_READ_ONLY);
	CHECK_EQ(device_open(VD_MASTER, D_WRITE, "vda", &rw), D_READ_ONLY);
	refused_write(disk.port, 0, disk.record_size, D_READ_ONLY, "read-only disk");
	refused_write(disk.port, disk.records - 1, disk.record_size, D_READ_ONLY, "read-only disk, last record");
	CHECK_EQ(device_set_status(disk.port, BLK_SET_WRITE_ZEROES, status, 3), D_READ_ONLY);
	vd_verify_range(&disk, seed, 0, disk.sectors, 0, NULL, 65536);
	static struct vd_async a;
	struct vd_reply r;
	vd_async_init(&a, 1);
	CHECK_EQ(vd_async_write(&a, 0, &disk, 1, buf, disk.record_size), KERN_SUCCESS);
	CHECK_EQ(vd_async_wait(&a, &r, 10000), MACH_MSG_SUCCESS);
	CHECK(r.id == 2902 && r.code == D_READ_ONLY && r.count == 0, "async write: %d %x %u", r.id, r.code, r.count);
	CHECK_EQ(device_set_status(disk.port, BLK_SET_FLUSH, status, 0), D_SUCCESS);
}

static void print_stats(void)
{
	struct blk_stats st;
	CHECK_EQ(vd_stats(&disk, &st), D_SUCCESS);
	printf("test-virtio: stats: %u requests, %u reads, %u writes, %llu bytes read (%llu zero-copy, %llu copied),"
	       " %llu written, %u flushes (+%u emulated), %u errors, %u chains (%u split requests),"
	       " in flight at most %u of %u, waiting at most %u, %u interrupts (batch of %u at most),"
	       " %u notifies (%u suppressed), pool %u/%u (high %u, %u grows, %u waits)\n",
	       st.requests, st.reads, st.writes, st.bytes_read, st.bytes_zero_copy, st.bytes_copied, st.bytes_written,
	       st.flushes, st.flushes_emulated, st.errors, st.chains, st.split_requests, st.inflight_hwm,
	       st.inflight_limit, st.waiting_hwm, st.interrupts, st.completions_max_batch, st.notifies,
	       st.notifies_suppressed, st.pool_in_use, st.pool_total, st.pool_hwm, st.pool_grows, st.pool_waits);
	CHECK(st.requests > 0 && st.reads > 0 && st.errors > 0 && st.interrupts > 0 && st.inflight == 0 &&
	      st.bytes_read == st.bytes_zero_copy + st.bytes_copied, "statistics do not add up");
	CHECK(info.read_only || st.inflight_hwm > 1, "never more than one request in the device");
}

int main(int argc, char **argv)
{
	unsigned clients = vd_number(vd_arg(argc, argv, "clients"), 0);
	int read_only = vd_arg(argc, argv, "ro") != NULL;
	mach_port_t sync = mach_reply_port();
	uint64_t t0 = vd_uptime_ns();
	seed = vd_number(vd_arg(argc, argv, "seed"), arc4random() | 1);
	buf = malloc(2 << 20);
	if (clients)
		CHECK_EQ(sm_device_register(VD_MASTER, VD_SYNC_NAME, sync), KERN_SUCCESS);
	CHECK_EQ(vd_open("vda", read_only ? D_READ : RW, &disk), D_SUCCESS);
	if (guest_failed)
		return guest_summary("test-virtio");
	test_info(vd_number(vd_arg(argc, argv, "bs"), 512), read_only, vd_arg(argc, argv, "legacy") != NULL,
		  vd_number(vd_arg(argc, argv, "qsize"), 256));
	sixteenth = disk.sectors / 16;
	model = calloc(disk.sectors, sizeof *model);
	if (read_only) {
		test_read_only();
	} else {
		test_whole_disk();
		test_edges();
		straddle();
		test_errors(disk.port, 1);
		test_random();
		test_read_paths();
		test_page_tails();
		test_in_flight(VD_MAX_SLOTS, FLIGHT_OPS, 0);
		test_in_flight(16, FLIGHT_OPS, 100);
		test_flush();
		test_zeroes();
		test_opens();
		if (clients)
			test_clients(sync, clients);
		else
			test_in_flight(32, FLIGHT_OPS, 50);
		vd_verify_range(&disk, seed, 0, disk.sectors, 0, model, BLK_MAX_IO);
	}
	test_errors(disk.port, !read_only);
	print_stats();
	CHECK_EQ(device_close(disk.port), D_SUCCESS);
	printf("test-virtio: done in %u ms\n", (unsigned)((vd_uptime_ns() - t0) / 1000000));
	return guest_summary("test-virtio");
}
