/* test-blk-errors: I/O errors from the device reach the client as D_IO_ERROR
 * and the virtio-blk server (servers/blk, device "vda") keeps serving.
 *
 * The disk (tests/user-qemu.mk) is a tools/mkdisk.py image behind QEMU's
 * blkdebug driver, which fails every read and write (EIO, nothing written)
 * that touches a bad sector: a run of nbad sectors from bad=, and the lone
 * sector lone=. The device is told to report errors (rerror/werror=report)
 * and not to merge requests. Arguments: bad=N,nbad=N,lone=N[,seed=X].
 *
 * Several rounds of: reads and writes of the bad sectors alone and with
 * good neighbours, on the default, copying and zero-copy paths and in the
 * device_request.defs form with good requests in flight beside them (each
 * failure exactly one D_IO_ERROR, 0 bytes, and one more error in the
 * server's statistics); the neighbours read and written correctly; a write
 * larger than a chain across the bad run, whose good chains may land
 * (each good sector afterwards holds the old or the new data, and what it
 * holds is logged); a flush. Then the whole disk outside the bad sectors
 * against the model. Every successful write is logged (tests/lib/vdisk.h), so
 * tools/vdisk-check.py finds on the host that the bad sectors were never
 * written and everything else holds what the guest says. */
#include "vdisk.h"
#include <mach/mig_errors.h>

#define ROUNDS 3

static struct vd_disk disk;
static uint32_t seed, bad, nbad, lone;
static uint16_t *model;
static uint16_t next_gen = 10;
static uint8_t *buf;
static unsigned expected_errors;	/* failed requests so far */

static int is_bad(uint32_t s)
{
	return (s >= bad && s < bad + nbad) || s == lone;
}

static int touches_bad(uint32_t s, uint32_t n)
{
	for (uint32_t k = 0; k < n; k++)
		if (is_bad(s + k))
			return 1;
	return 0;
}

static uint32_t settle(uint32_t s, uint32_t n, uint16_t gen);

/* A read that must fail with D_IO_ERROR, on path mode. */
static void bad_read(uint32_t s, uint32_t n, dev_mode_t mode, const char *what)
{
	io_buf_ptr_t data = 0;
	mach_msg_type_number_t got = 0;
	kern_return_t kr = device_read(disk.port, mode, s, (int)(n * VD_SECTOR), &data, &got);
	CHECK(kr == D_IO_ERROR && got == 0, "%s: read of %u sectors at %u (mode %x): %x, %u bytes", what, n, s, mode,
	      kr, got);
	if (kr == D_SUCCESS)
		vd_free(((void *)(data)), got);
	expected_errors++;
}

/* A write that must fail with D_IO_ERROR and leave the disk as it was
 * (a chain that fails writes nothing: blkdebug fails it first). */
static void bad_write(uint32_t s, uint32_t n, const char *what)
{
	uint32_t written = 0;
	uint16_t gen = next_gen++;
	vd_fill(buf, seed, s, n, gen);
	kern_return_t kr = vd_write(&disk, s, buf, n * VD_SECTOR, &written);
	CHECK(kr == D_IO_ERROR && written == 0, "%s: write of %u sectors at %u: %x, %u bytes", what, n, s, kr, written);
	expected_errors++;
	uint32_t landed = settle(s, n, gen);
	CHECK(n > 8 || landed == 0, "%s: %u sectors of a failed one-page write landed", what, landed);
}

static void good_write(uint32_t s, uint32_t n)
{
	vd_write_pattern(&disk, seed, s, n, next_gen++, n * VD_SECTOR, model);
}

static void good_read(uint32_t s, uint32_t n, dev_mode_t mode)
{
	vd_read_mode = mode;
	vd_verify_range(&disk, seed, s, n, 0, model, n * VD_SECTOR);
	vd_read_mode = 0;
}

/* The good sectors of [s, s + n) after a write of generation gen that
 * failed (some of its chains may have landed, each whole): each holds the
 * old or the new data; the new ones are logged and go into the model.
 * Returns how many hold the new data. */
static uint32_t settle(uint32_t s, uint32_t n, uint16_t gen)
{
	uint32_t fresh = 0, odd = 0, run = 0;
	for (uint32_t k = 0; k < n;) {
		uint32_t m = 0, got = 0;
		while (k + m < n && m < 128 && !is_bad(s + k + m))
			m++;
		kern_return_t kr = m ? vd_read(&disk, s + k, m * VD_SECTOR, buf, &got) : D_SUCCESS;
		CHECK(kr == D_SUCCESS && got == m * VD_SECTOR, "read of %u sectors at %u: %x, %u bytes", m, s + k, kr, got);
		for (uint32_t i = 0; i <= m && k + i <= n; i++) {
			uint32_t at = s + k + i;
			const uint8_t *p = buf + i * VD_SECTOR;
			int now = i < m && got == m * VD_SECTOR && vd_verify(p, seed, at, 1, gen, NULL) < 0;
			if (i < m && !now && got == m * VD_SECTOR && vd_verify(p, seed, at, 1, 0, model) >= 0 && odd++ < 3)
				CHECK(0, "sector %u after the failed write holds %s", at, vd_describe(p));
			if (now) {
				model[at] = gen;
				run++, fresh++;
			} else if (run) {
				vd_log_write(seed, at - run, run, gen);
				run = 0;
			}
		}
		k += m;
		while (k < n && is_bad(s + k))
			k++;
	}
	CHECK_EQ(odd, 0);
	return fresh;
}

/* Requests in flight at once: bad ones among good ones, none adjacent. */
static void in_flight_mix(void)
{
	static struct vd_async a;
	struct vd_reply r;
	struct { uint32_t s, n; int write, bad; uint16_t gen; } q[8] = {
		{ bad - 24, 8, 0, 0, 0 }, { bad, 8, 0, 1, 0 }, { bad + 24, 8, 1, 0, 0 }, { lone - 1, 2, 1, 1, 0 },
		{ lone + 16, 8, 0, 0, 0 }, { bad + 4, 1, 1, 1, 0 }, { lone - 20, 4, 1, 0, 0 }, { lone, 1, 0, 1, 0 },
	};
	uint8_t *data = malloc(8 * 8 * VD_SECTOR);
	vd_async_init(&a, 8);
	for (int i = 0; i < 8; i++) {
		uint8_t *p = data + i * 8 * VD_SECTOR;
		CHECK_EQ(touches_bad(q[i].s, q[i].n), q[i].bad);
		if (q[i].write) {
			q[i].gen = next_gen++;
			vd_fill(p, seed, q[i].s, q[i].n, q[i].gen);
			CHECK_EQ(vd_async_write(&a, i, &disk, q[i].s, p, q[i].n * VD_SECTOR), KERN_SUCCESS);
		} else {
			CHECK_EQ(vd_async_read(&a, i, &disk, q[i].s, q[i].n * VD_SECTOR), KERN_SUCCESS);
		}
		expected_errors += q[i].bad;
	}
	for (int i = 0; i < 8; i++) {
		if (vd_async_wait(&a, &r, 10000) != MACH_MSG_SUCCESS || r.slot < 0) {
			CHECK(0, "%d of 8 replies", i);
			break;
		}
		int k = r.slot;
		kern_return_t want = q[k].bad ? D_IO_ERROR : D_SUCCESS;
		uint32_t bytes = q[k].bad ? 0 : q[k].n * VD_SECTOR;
		CHECK(r.id == (q[k].write ? 2902 : 2904) && r.code == want && r.count == bytes,
		      "request %d (%s of %u at %u): reply %d, %x, %u bytes; expected %x", k, q[k].write ? "write" : "read",
		      q[k].n, q[k].s, r.id, r.code, r.count, want);
		if (!q[k].write && r.code == D_SUCCESS && r.count == bytes)
			CHECK(vd_verify(r.data, seed, q[k].s, q[k].n, 0, model) < 0, "request %d read wrong data", k);
		if (q[k].write && r.code == D_SUCCESS && r.count) {
			vd_log_write(seed, q[k].s, r.count / VD_SECTOR, q[k].gen);
			for (uint32_t j = 0; j < r.count / VD_SECTOR; j++)
				model[q[k].s + j] = q[k].gen;
		}
		if (r.id == 2904)
			vd_free(r.data, r.count);
	}
	free(data);
}

static void round_of_errors(int round)
{
	static const dev_mode_t modes[3] = { 0, BLK_MODE_COPY, BLK_MODE_ZEROCOPY };
	struct blk_stats before, after;
	unsigned errors0 = expected_errors;
	CHECK_EQ(vd_stats(&disk, &before), D_SUCCESS);
	/* Reads: the bad run, one bad sector, a page and 64 KiB around each. */
	for (int m = 0; m < 3; m++) {
		bad_read(bad, nbad, modes[m], "the bad run");
		bad_read(bad + nbad - 1, 1, modes[m], "its last sector");
		bad_read(lone, 1, modes[m], "the lone bad sector");
		bad_read(bad - 4, 8, modes[m], "a page over the run's start");
		bad_read(lone & ~127u, 128, modes[m], "64 KiB around the lone sector");
		good_read(bad - 8, 8, modes[m]);
		good_read(bad + nbad, 8, modes[m]);
		good_read(lone - 7, 7, modes[m]);
		good_read(lone + 1, 127, modes[m]);
	}
	/* Writes: the same, then the neighbours. */
	bad_write(bad, nbad, "the bad run");
	bad_write(bad + 1, 1, "one sector of the run");
	bad_write(lone, 1, "the lone bad sector");
	bad_write(lone - 3, 8, "8 sectors over the lone one");
	bad_write(bad - 64, 128, "64 KiB over the run's start");
	good_write(bad - 8, 8);
	good_write(bad + nbad, 16);
	good_write(lone - 1, 1);
	good_write(lone + 1, 1);
	good_read(bad - 16, 16, 0);
	good_read(bad + nbad, 32, BLK_MODE_ZEROCOPY);
	good_read(lone - 1, 1, 0);
	good_read(lone + 1, 1, 0);
	in_flight_mix();
	/* A write of several chains over the bad run: it fails; its good
	 * chains may or may not have landed, each whole. */
	uint32_t big = 2048, at = bad - 1024, written = 0;   /* 1 MiB from 512 KiB before the run */
	uint16_t gen = next_gen++;
	uint8_t *data = malloc(big * VD_SECTOR);
	vd_fill(data, seed, at, big, gen);
	kern_return_t kr = vd_write(&disk, at, data, big * VD_SECTOR, &written);
	CHECK(kr == D_IO_ERROR && written == 0, "1 MiB write over the bad run: %x, %u bytes", kr, written);
	expected_errors++;
	free(data);
	uint32_t landed = settle(at, big, gen);
	printf("test-blk-errors: round %d: %u of %u good sectors of the failed 1 MiB write landed\n", round, landed,
	       big - nbad);
	/* Still serving: elsewhere on the disk, and a flush. */
	good_write(round * 64, 64);
	good_read(round * 64, 64, BLK_MODE_ZEROCOPY);
	int status[1];
	CHECK_EQ(device_set_status(disk.port, BLK_SET_FLUSH, status, 0), D_SUCCESS);
	CHECK_EQ(vd_stats(&disk, &after), D_SUCCESS);
	unsigned failed = expected_errors - errors0;
	CHECK(after.errors - before.errors == failed && after.io_errors - before.io_errors >= failed,
	      "round %d: %u requests failed; errors %u -> %u, io_errors %u -> %u", round, failed, before.errors,
	      after.errors, before.io_errors, after.io_errors);
	CHECK(after.inflight == 0 && after.pool_in_use == 0 && after.waiting == 0,
	      "round %d: idle, yet %u chains in flight, %u waiting, %u buffers in use", round, after.inflight,
	      after.waiting, after.pool_in_use);
}

/* Every good sector of the disk against the model, in runs between the bad ones. */
static void verify_good(void)
{
	uint32_t s = 0, bad_runs = 0;
	while (s < disk.sectors) {
		uint32_t n = 0;
		while (s + n < disk.sectors && !is_bad(s + n) && n < 2048)
			n++;
		if (n)
			bad_runs += vd_verify_range(&disk, seed, s, n, 0, model, 65536) != 0;
		s += n;
		while (s < disk.sectors && is_bad(s))
			s++;
	}
	CHECK_EQ(bad_runs, 0);
}

int main(int argc, char **argv)
{
	seed = vd_number(vd_arg(argc, argv, "seed"), arc4random() | 1);
	bad = vd_number(vd_arg(argc, argv, "bad"), 2048);
	nbad = vd_number(vd_arg(argc, argv, "nbad"), 8);
	lone = vd_number(vd_arg(argc, argv, "lone"), 5001);
	buf = malloc(65536);
	CHECK_EQ(vd_open("vda", D_READ | D_WRITE, &disk), D_SUCCESS);
	if (guest_failed)
		return guest_summary("test-blk-errors");
	CHECK(disk.record_size == VD_SECTOR && bad >= 1024 && bad + 1024 < disk.sectors && lone >= 128 &&
	      lone + 128 < disk.sectors && nbad <= 16 && !(lone >= bad - 1024 && lone < bad + 1024 + nbad),
	      "disk of %u sectors of %u bytes, bad run %u+%u, lone %u", disk.sectors, disk.record_size, bad, nbad, lone);
	printf("test-blk-errors: seed=%08x, %u sectors, bad sectors %u-%u and %u\n", seed, disk.sectors, bad,
	       bad + nbad - 1, lone);
	model = calloc(disk.sectors, sizeof *model);
	uint64_t t0 = vd_uptime_ns();
	for (int round = 1; round <= ROUNDS; round++)
		round_of_errors(round);
	verify_good();
	struct blk_stats st;
	CHECK_EQ(vd_stats(&disk, &st), D_SUCCESS);
	printf("test-blk-errors: %u requests failed as expected; server: %u errors (%u I/O errors), %u reads,"
	       " %u writes, %u chains\n", expected_errors, st.errors, st.io_errors, st.reads, st.writes, st.chains);
	CHECK_EQ(st.errors, expected_errors);
	CHECK_EQ(device_close(disk.port), D_SUCCESS);
	printf("test-blk-errors: done in %u ms\n", (unsigned)((vd_uptime_ns() - t0) / 1000000));
	return guest_summary("test-blk-errors");
}
