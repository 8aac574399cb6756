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
 * holds is logged); a flush; reads kept four deep with vd_async_read_wait
 * (one of them failing) whose reply pages vd_free_later frees in runs.
 * First, vd_async_read_wait's own failures (a send error, a receive that
 * times out) and the request it sends. Then the whole disk outside the bad sectors
 * against the model. Every successful write is logged (tests/lib/vdisk.h), so
 * tools/vdisk-check.py finds on the host that the bad sectors were never
 * written and everything else holds what the guest says. */
#include "vdisk.h"
#include <mach/mig_errors.h>
#include <stddef.h>
#include "mach.h"
#include "mach_port.h"
#include <mach/vm_param.h>

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

/* Whether the page at va is mapped in this task. */
static int mapped(vm_address_t va)
{
	vm_address_t at = va;
	vm_size_t size = 0;
	vm_prot_t prot, max;
	vm_inherit_t inherit;
	boolean_t shared;
	mach_port_t object;
	vm_offset_t offset;
	return vm_region(smrt_task_port(), &at, &size, &prot, &max, &inherit, &shared, &object, &offset) ==
		       KERN_SUCCESS && at <= va && va < at + size;
}

/* device_read_request as vd_async_read_wait sends it, received where a
 * server would (device_request.defs, read as MIG's server stub checks it).
 * Laid out here by hand on purpose: not vdisk's own definition under test. */
struct read_request {
	mach_msg_header_t h;
	mach_msg_type_t mode_type;
	dev_mode_t mode;
	mach_msg_type_t rec_type;
	recnum_t rec;
	mach_msg_type_t bytes_type;
	int bytes;
	char room[64];
};

static int int32_word(mach_msg_type_t t)
{
	return t.msgt_name == MACH_MSG_TYPE_INTEGER_32 && t.msgt_size == 32 && t.msgt_number == 1 && t.msgt_inline &&
	       !t.msgt_longform && !t.msgt_deallocate;
}

/* The two halves of vd_async_read_wait failing: a send error leaves the
 * slot free and nothing received; a receive that times out leaves the
 * request in flight, and the request is device_read_request to the letter. */
static void read_wait_errors(void)
{
	static struct vd_async a;
	struct vd_reply r;
	struct vd_disk nowhere = disk;
	struct read_request q;
	mach_port_t fake;
	vd_async_init(&a, 2);
	nowhere.port = MACH_PORT_NULL;
	mach_msg_return_t mr = vd_async_read_wait(&a, 0, &nowhere, 0, 4096, &r, 100);
	CHECK(vd_send_failed(mr) && !a.busy[0] && vd_async_free_slot(&a) == 0 && !r.data && !r.count,
	      "read_wait to no port: %x, slot 0 %s, %u bytes", mr, a.busy[0] ? "busy" : "free", r.count);
	CHECK_EQ(mach_port_allocate(smrt_task_port(), MACH_PORT_RIGHT_RECEIVE, &fake), KERN_SUCCESS);
	CHECK_EQ(mach_port_insert_right(smrt_task_port(), fake, fake, MACH_MSG_TYPE_MAKE_SEND), KERN_SUCCESS);
	nowhere.port = fake;
	vd_read_mode = BLK_MODE_COPY;
	mr = vd_async_read_wait(&a, 1, &nowhere, 1234, 4096, &r, 50);
	vd_read_mode = 0;
	CHECK(mr == MACH_RCV_TIMED_OUT && a.busy[1] && vd_async_free_slot(&a) == 0,
	      "read_wait to a silent port: %x, slot 1 %s", mr, a.busy[1] ? "busy" : "free");
	memset(&q, 0, sizeof q);
	mr = mach_msg(&q.h, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof q, fake, 1000, 0);
	CHECK(mr == MACH_MSG_SUCCESS && q.h.msgh_id == 2804 && q.h.msgh_size == offsetof(struct read_request, room) &&
	      MACH_MSGH_BITS_REMOTE(q.h.msgh_bits) == MACH_MSG_TYPE_PORT_SEND_ONCE && q.h.msgh_remote_port &&
	      int32_word(q.mode_type) && q.mode == BLK_MODE_COPY && int32_word(q.rec_type) && q.rec == 1234 &&
	      int32_word(q.bytes_type) && q.bytes == 4096,
	      "the request: %x, id %d, %u bytes, bits %x, mode %x, record %u, %d bytes wanted", mr, q.h.msgh_id,
	      q.h.msgh_size, q.h.msgh_bits, q.mode, q.rec, q.bytes);
	if (mr == MACH_MSG_SUCCESS && q.h.msgh_remote_port)
		mach_port_deallocate(smrt_task_port(), q.h.msgh_remote_port);
	mach_port_mod_refs(smrt_task_port(), fake, MACH_PORT_RIGHT_RECEIVE, -1);
}

/* Reads kept PIPE_SLOTS deep with vd_async_read_wait (one of them a bad
 * sector, which fails alone), each reply checked, and their pages freed by
 * vd_free_later in runs of at most PIPE_RUN pages: a page is mapped exactly
 * while its run is kept, all are gone after the flush, and runs form. */
#define PIPE_SLOTS	4
#define PIPE_READS	24
#define PIPE_RUN	3
static void pipeline(void)
{
	static struct vd_async a;
	struct vd_free_run run;
	struct vd_reply r;
	uint32_t sector[PIPE_SLOTS];
	vm_address_t page[PIPE_READS];
	int issued = 0, done = 0, pages = 0, bad_at = PIPE_READS / 2;
	vd_async_init(&a, PIPE_SLOTS);
	vd_free_run_init(&run, PIPE_RUN * PAGE_SIZE);
	while (done < PIPE_READS) {
		int slot = vd_async_free_slot(&a);
		mach_msg_return_t mr;
		if (issued < PIPE_READS && slot >= 0) {
			sector[slot] = issued == bad_at ? (lone & ~7u) : bad + 64 + 8 * (uint32_t)issued;
			if (issued++ < PIPE_SLOTS - 1) {
				CHECK_EQ(vd_async_read(&a, slot, &disk, sector[slot], 4096), KERN_SUCCESS);
				continue;
			}
			mr = vd_async_read_wait(&a, slot, &disk, sector[slot], 4096, &r, 10000);
		} else {
			mr = vd_async_wait(&a, &r, 10000);
		}
		if (mr != MACH_MSG_SUCCESS || r.slot < 0) {
			CHECK(0, "pipeline: %d of %d replies, then %x", done, PIPE_READS, mr);
			break;
		}
		done++;
		uint32_t s = sector[r.slot];
		int want_bad = touches_bad(s, 8);
		CHECK(r.id == 2904 && r.code == (want_bad ? D_IO_ERROR : D_SUCCESS) && r.count == (want_bad ? 0 : 4096) &&
		      (want_bad || vd_verify(r.data, seed, s, 8, 0, model) < 0),
		      "pipeline: read of 8 sectors at %u: reply %d, %x, %u bytes%s", s, r.id, r.code, r.count,
		      r.count == 4096 && vd_verify(r.data, seed, s, 8, 0, model) >= 0 ? ", wrong data" : "");
		expected_errors += want_bad;
		if (r.data && r.count)
			page[pages++] = (vm_address_t)r.data;
		vd_free_later(&run, r.data, r.count);
		for (int i = 0; i < pages; i++) {
			int kept = page[i] >= run.start && page[i] < run.end;
			CHECK(mapped(page[i]) == kept, "pipeline: reply page %d (%x) is %s but %s", i, page[i],
			      kept ? "kept" : "freed", kept ? "unmapped" : "mapped");
		}
	}
	vd_free_run_flush(&run);
	int left = 0;
	for (int i = 0; i < pages; i++)
		left += mapped(page[i]);
	CHECK(left == 0 && run.pages == (uint32_t)pages && pages == PIPE_READS - 1 && run.longest == PIPE_RUN,
	      "pipeline: %d of %d reply pages left mapped; freed %u pages in %u runs, the longest %u", left, pages,
	      run.pages, run.runs, run.longest);
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
	pipeline();
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
	read_wait_errors();
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
