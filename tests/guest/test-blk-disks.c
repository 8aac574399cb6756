/* test-blk-disks: two virtio-blk devices given to one server (servers/blk,
 * module argument device=A,B) are two disks, "vda" and "vdb", each with its
 * own size, data, statistics and opens. The images (tests/user-qemu.mk) are
 * tools/mkdisk.py images of a= and b= MiB (different sizes); arguments
 * a=N,b=N[,seed=X].
 *
 * Both disks are written whole with different generations, interleaved
 * request by request, and read back; random writes on one never show on
 * the other (each is read whole against its own model after the other was
 * written); requests in flight on both at once; the sizes and the end of
 * the smaller disk (a record number valid on vda is past the end of vdb);
 * per-disk statistics count exactly the bytes each was given; closing one
 * leaves the other working. Every accepted write is logged as
 * "vdX: vdisk: wrote ..." so that the host check (tests/scripts/blk-disks-check.sh)
 * replays each disk's lines over its own fresh image. */
#include "vdisk.h"
#include <mach/mig_errors.h>

#define RW		(D_READ | D_WRITE)
#define NDISKS		2

struct dk {
	const char *name;
	struct vd_disk d;
	uint16_t *model;
	uint32_t mib;
};
static struct dk dk[NDISKS] = { { .name = "vda" }, { .name = "vdb" } };
static uint32_t seed;
static uint16_t next_gen = 10;
static uint8_t *buf;

static void log_write(struct dk *k, uint32_t s, uint32_t n, uint16_t gen)
{
	printf("%s: vdisk: wrote seed=%08x sector=%u count=%u gen=%u\n", k->name, seed, s, n, gen);
	for (uint32_t i = 0; i < n; i++)
		k->model[s + i] = gen;
}

/* One synchronous write of n pattern sectors at s. */
static int put(struct dk *k, uint32_t s, uint32_t n, uint16_t gen)
{
	uint32_t written = 0;
	vd_fill(buf, seed, s, n, gen);
	kern_return_t kr = vd_write(&k->d, s, buf, n * VD_SECTOR, &written);
	CHECK(kr == D_SUCCESS && written == n * VD_SECTOR, "%s: write of %u sectors at %u: %x, %u bytes", k->name, n,
	      s, kr, written);
	if (kr == D_SUCCESS && written)
		log_write(k, s, written / VD_SECTOR, gen);
	return kr == D_SUCCESS;
}

static int verify_all(struct dk *k)
{
	return vd_verify_range(&k->d, seed, 0, k->d.sectors, 0, k->model, 131072);
}

/* Both disks written whole, one 64 KiB request on each in turn. */
static void fill_both(void)
{
	uint16_t gen[NDISKS] = { next_gen++, next_gen++ };
	uint32_t most = dk[0].d.sectors > dk[1].d.sectors ? dk[0].d.sectors : dk[1].d.sectors;
	for (uint32_t s = 0; s < most; s += 128)
		for (int i = 0; i < NDISKS; i++)
			if (s < dk[i].d.sectors)
				put(&dk[i], s, dk[i].d.sectors - s < 128 ? dk[i].d.sectors - s : 128, gen[i]);
	for (int i = 0; i < NDISKS; i++)
		CHECK_EQ(verify_all(&dk[i]), 0);
}

/* Random writes on disk w only; the other reads back unchanged, whole. */
static void writes_stay_put(int w, uint32_t *rng)
{
	struct dk *k = &dk[w], *o = &dk[1 - w];
	for (int i = 0; i < 60; i++) {
		uint32_t n = 1 + vd_rand(rng) % 64, s = vd_rand(rng) % (k->d.sectors - n + 1);
		put(k, s, n, next_gen++);
	}
	CHECK_EQ(verify_all(o), 0);
	CHECK_EQ(verify_all(k), 0);
}

/* 16 requests in flight, alternately on each disk: writes to distinct
 * places, then reads of them. */
static void in_flight_both(uint32_t *rng)
{
	static struct vd_async a;
	struct { int disk; uint32_t s, n; uint16_t gen; } q[16];
	uint8_t *data = malloc(16 * 65536);
	vd_async_init(&a, 16);
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < 16; i++) {
			struct dk *k = &dk[i % 2];
			if (pass == 0) {
				uint32_t slice = k->d.sectors / 8;       /* slot i/2 writes in its own eighth */
				q[i].disk = i % 2;
				q[i].n = 1 + vd_rand(rng) % 128;
				q[i].s = (i / 2) * slice + vd_rand(rng) % (slice - q[i].n + 1);
				q[i].gen = next_gen++;
				vd_fill(data + i * 65536, seed, q[i].s, q[i].n, q[i].gen);
				CHECK_EQ(vd_async_write(&a, i, &k->d, q[i].s, data + i * 65536, q[i].n * VD_SECTOR),
					 KERN_SUCCESS);
			} else {
				CHECK_EQ(vd_async_read(&a, i, &k->d, q[i].s, q[i].n * VD_SECTOR), KERN_SUCCESS);
			}
		}
		for (int i = 0; i < 16; i++) {
			struct vd_reply r;
			if (vd_async_wait(&a, &r, 10000) != MACH_MSG_SUCCESS || r.slot < 0) {
				CHECK(0, "pass %d: %d of 16 replies", pass, i);
				break;
			}
			struct dk *k = &dk[q[r.slot].disk];
			uint32_t bytes = q[r.slot].n * VD_SECTOR;
			CHECK(r.code == D_SUCCESS && r.count == bytes && r.id == (pass ? 2904 : 2902),
			      "%s: request %d: reply %d, %x, %u of %u bytes", k->name, r.slot, r.id, r.code, r.count, bytes);
			if (pass == 0 && r.code == D_SUCCESS && r.count)
				log_write(k, q[r.slot].s, r.count / VD_SECTOR, q[r.slot].gen);
			if (pass == 1 && r.code == D_SUCCESS && r.count == bytes)
				CHECK(vd_verify(r.data, seed, q[r.slot].s, q[r.slot].n, 0, k->model) < 0,
				      "%s: request %d read wrong data", k->name, r.slot);
			if (pass == 1)
				vd_free(r.data, r.count);
		}
	}
	free(data);
	for (int i = 0; i < NDISKS; i++)
		CHECK_EQ(verify_all(&dk[i]), 0);
}

/* The end of each disk: its last record, and the first record past it. */
static void ends(void)
{
	struct dk *a = &dk[0], *b = &dk[1];
	uint32_t got = 0;
	io_buf_ptr_t data = 0;
	mach_msg_type_number_t n = 0;
	for (int i = 0; i < NDISKS; i++) {
		struct dk *k = &dk[i];
		put(k, k->d.sectors - 1, 1, next_gen++);
		CHECK(vd_read(&k->d, k->d.sectors - 2, 4 * VD_SECTOR, buf, &got) == D_SUCCESS && got == 2 * VD_SECTOR &&
		      vd_verify(buf, seed, k->d.sectors - 2, 2, 0, k->model) < 0, "%s: read over the end: %u bytes",
		      k->name, got);
		n = 0;
		CHECK_EQ(device_read(k->d.port, 0, k->d.records, VD_SECTOR, &data, &n), D_INVALID_RECNUM);
	}
	/* vdb's first record past its end is a good record of vda. */
	CHECK(vd_read(&a->d, b->d.records, 8 * VD_SECTOR, buf, &got) == D_SUCCESS && got == 8 * VD_SECTOR &&
	      vd_verify(buf, seed, b->d.sectors, 8, 0, a->model) < 0, "vda at vdb's end: %u bytes", got);
	CHECK(put(a, b->d.sectors, 8, next_gen++), "vda: write at vdb's end");
}

int main(int argc, char **argv)
{
	uint64_t t0 = vd_uptime_ns();
	struct blk_stats before[NDISKS], after[NDISKS];
	struct blk_info info[NDISKS];
	seed = vd_number(vd_arg(argc, argv, "seed"), arc4random() | 1);
	dk[0].mib = vd_number(vd_arg(argc, argv, "a"), 6);
	dk[1].mib = vd_number(vd_arg(argc, argv, "b"), 3);
	uint32_t rng = seed ^ 0x2545f491u;
	buf = malloc(65536);
	for (int i = 0; i < NDISKS; i++) {
		struct dk *k = &dk[i];
		CHECK_EQ(vd_open(k->name, RW, &k->d), D_SUCCESS);
		if (guest_failed)
			return guest_summary("test-blk-disks");
		CHECK(k->d.record_size == VD_SECTOR && k->d.sectors == k->mib * 2048, "%s: %u records of %u bytes, %u MiB",
		      k->name, k->d.records, k->d.record_size, k->mib);
		CHECK(vd_info(&k->d, &info[i]) == D_SUCCESS && info[i].capacity == k->d.sectors,
		      "%s: info: %llu sectors", k->name, info[i].capacity);
		CHECK_EQ(vd_stats(&k->d, &before[i]), D_SUCCESS);
		k->model = calloc(k->d.sectors, sizeof *k->model);
	}
	CHECK(dk[0].d.port != dk[1].d.port, "one port for both opens");
	mach_port_t none = MACH_PORT_NULL;
	CHECK_EQ(device_open(VD_MASTER, RW, "vdc", &none), D_NO_SUCH_DEVICE);
	printf("test-blk-disks: seed=%08x vda %u sectors, vdb %u sectors\n", seed, dk[0].d.sectors, dk[1].d.sectors);

	fill_both();
	for (int i = 0; i < NDISKS; i++) {
		CHECK_EQ(vd_stats(&dk[i].d, &after[i]), D_SUCCESS);
		uint64_t w = after[i].bytes_written - before[i].bytes_written;
		uint64_t r = after[i].bytes_read - before[i].bytes_read;
		CHECK(w == (uint64_t)dk[i].d.sectors * VD_SECTOR && r == w,
		      "%s: the fill wrote %llu and read %llu bytes by its statistics, not %u", dk[i].name, w, r,
		      dk[i].d.sectors * VD_SECTOR);
	}
	for (int round = 0; round < 2; round++) {
		writes_stay_put(0, &rng);
		writes_stay_put(1, &rng);
	}
	in_flight_both(&rng);
	ends();
	/* Closing vdb leaves vda serving; vdb opens again. */
	CHECK_EQ(device_close(dk[1].d.port), D_SUCCESS);
	CHECK_EQ(vd_verify_range(&dk[0].d, seed, 0, 256, 0, dk[0].model, 65536), 0);
	CHECK(put(&dk[0], 256, 8, next_gen++), "vda: write after vdb's close");
	CHECK_EQ(vd_open("vdb", D_READ, &dk[1].d), D_SUCCESS);
	for (int i = 0; i < NDISKS; i++)
		CHECK_EQ(verify_all(&dk[i]), 0);
	for (int i = 0; i < NDISKS; i++) {
		CHECK_EQ(vd_stats(&dk[i].d, &after[i]), D_SUCCESS);
		printf("test-blk-disks: %s: %u requests, %llu bytes read, %llu written, %u errors\n", dk[i].name,
		       after[i].requests, after[i].bytes_read, after[i].bytes_written, after[i].errors);
		CHECK_EQ(after[i].errors - before[i].errors, 1);        /* the read past its end */
		CHECK_EQ(device_close(dk[i].d.port), D_SUCCESS);
	}
	printf("test-blk-disks: done in %u ms\n", (unsigned)((vd_uptime_ns() - t0) / 1000000));
	return guest_summary("test-blk-disks");
}
