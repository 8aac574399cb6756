/* virtio-client: a second (third, fourth) client of the disk "vda", booted
 * beside test-virtio with its id as argument (1-3). It asks test-virtio
 * for its parameters (tests/lib/vdisk.h), then, while the test and the other
 * clients use the same disk: writes its own region, reads the stable
 * region nobody writes meanwhile, keeps requests in flight, does random
 * reads and writes against its own model, and finally leaves its region
 * in the generation the test expects. It logs every write for the host
 * check, prints "virtio-client: N passed, N failed" and reports its
 * failure count to test-virtio. */
#include "vdisk.h"

#define OPS	120

static struct vd_disk disk;
static struct vd_params p;
static uint16_t *model;		/* generations of the whole disk; only our region changes */
static uint32_t state;

static uint32_t rnd(uint32_t n)
{
	return vd_rand(&state) % n;
}

static void own_region(uint16_t gen, uint32_t chunk)
{
	vd_write_pattern(&disk, p.seed, p.first, p.count, gen, chunk, model);
	vd_verify_range(&disk, p.seed, p.first, p.count, 0, model, chunk * 2);
}

int main(int argc, char **argv)
{
	unsigned id = argc > 1 ? (unsigned)(argv[1][0] - '0') : 1;
	CHECK_EQ(vd_open("vda", D_READ | D_WRITE, &disk), D_SUCCESS);
	CHECK_EQ(vd_sync_hello(id, &p), 0);
	if (guest_failed == 0) {
		state = p.seed ^ (id * 0x9e3779b1u);
		model = calloc(disk.sectors, sizeof *model);
		own_region((uint16_t)(p.gen - 1000), 8192);
		vd_verify_range(&disk, p.seed, p.stable_first, p.stable_count, p.stable_gen, NULL, 32768);
		uint16_t gen = (uint16_t)(p.gen - 999);
		vd_in_flight(&disk, p.seed, p.first, p.count, model, &gen, &state, 16, 200, 60);
		for (int i = 0; i < OPS; i++) {
			uint32_t n = 1 + rnd(16), rec = p.first / disk.spr + rnd(p.count / disk.spr - n + 1);
			if (rnd(3) == 0)
				vd_verify_range(&disk, p.seed, p.stable_first + rnd(p.stable_count / disk.spr - n + 1) * disk.spr,
						n * disk.spr, p.stable_gen, NULL, n * disk.record_size);
			else if (rnd(2))
				vd_write_pattern(&disk, p.seed, rec * disk.spr, n * disk.spr, gen++, n * disk.record_size,
						 model);
			else
				vd_verify_range(&disk, p.seed, rec * disk.spr, n * disk.spr, 0, model, n * disk.record_size);
		}
		own_region((uint16_t)p.gen, 65536);
		CHECK_EQ(device_close(disk.port), D_SUCCESS);
	}
	int status = guest_summary("virtio-client");
	vd_sync_report(id, guest_failed);
	return status;
}
