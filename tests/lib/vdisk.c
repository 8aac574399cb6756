/* The shared client code of tests/lib/vdisk.h. */
#include "vdisk.h"
#include <mach/mig_errors.h>
#include "mach.h"
#include "mach_port.h"
#include "smhost.h"

void vd_sleep_ms(unsigned ms)
{
	static mach_port_t idle;
	mach_msg_header_t h;
	if (!idle)
		idle = mach_reply_port();
	mach_msg(&h, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof h, idle, ms, 0);
}

kern_return_t vd_geometry(struct vd_disk *d)
{
	int size[DEV_STATUS_MAX], recs[DEV_STATUS_MAX];
	mach_msg_type_number_t n = DEV_STATUS_MAX, m = DEV_STATUS_MAX;
	kern_return_t kr = device_get_status(d->port, DEV_GET_SIZE, size, &n);
	if (kr == D_SUCCESS)
		kr = device_get_status(d->port, DEV_GET_RECORDS, recs, &m);
	if (kr != D_SUCCESS)
		return kr;
	if (n != DEV_GET_SIZE_COUNT || m != DEV_GET_RECORDS_COUNT)
		return MIG_TYPE_ERROR;
	d->record_size = (uint32_t)size[DEV_GET_SIZE_RECORD_SIZE];
	d->records = (uint32_t)recs[DEV_GET_RECORDS_DEVICE_RECORDS];
	uint64_t bytes = (uint64_t)d->records * d->record_size;
	if (d->record_size < VD_SECTOR || d->record_size % VD_SECTOR ||
	    (uint32_t)recs[DEV_GET_RECORDS_RECORD_SIZE] != d->record_size ||
	    (uint32_t)size[DEV_GET_SIZE_DEVICE_SIZE] != (bytes < 0x80000000u ? bytes : 0))   /* 0: over 31 bits */
		return D_INVALID_SIZE;
	d->spr = d->record_size / VD_SECTOR;
	d->sectors = d->records * d->spr;
	return D_SUCCESS;
}

dev_mode_t vd_read_mode;

kern_return_t vd_info(struct vd_disk *d, struct blk_info *info)
{
	mach_msg_type_number_t n = BLK_INFO_COUNT;
	memset(info, 0, sizeof *info);
	kern_return_t kr = device_get_status(d->port, BLK_GET_INFO, (int *)info, &n);
	return kr == D_SUCCESS && n != BLK_INFO_COUNT ? MIG_TYPE_ERROR : kr;
}

kern_return_t vd_stats(struct vd_disk *d, struct blk_stats *st)
{
	mach_msg_type_number_t n = BLK_STATS_COUNT;
	memset(st, 0, sizeof *st);
	kern_return_t kr = device_get_status(d->port, BLK_GET_STATS, (int *)st, &n);
	return kr == D_SUCCESS && n != BLK_STATS_COUNT ? MIG_TYPE_ERROR : kr;
}

kern_return_t vd_open(const char *name, dev_mode_t mode, struct vd_disk *d)
{
	kern_return_t kr = D_NO_SUCH_DEVICE;
	memset(d, 0, sizeof *d);
	for (int tries = 0; tries < 2000 && kr == D_NO_SUCH_DEVICE; tries++) {
		if ((kr = device_open(VD_MASTER, mode, name, &d->port)) == D_NO_SUCH_DEVICE)
			vd_sleep_ms(10);
	}
	return kr == D_SUCCESS ? vd_geometry(d) : kr;
}

static inline uint32_t mix(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x85ebca6bu;
	x ^= x >> 13;
	x *= 0xc2b2ae35u;
	x ^= x >> 16;
	return x ? x : 1;
}

/* Sector s of generation g (the same function as tools/vdisk-check.py):
 * words 0-3 are VD_MAGIC, s, g and the seed, word i >= 4 is
 * x ^ i * 0x9e3779b9 with x = mix(seed ^ s * 0x9e3779b1 ^ g * 0x85ebca77).
 * Generation 0 is tools/mkdisk.py's fresh content: s as a 64-bit number,
 * then zeroes; VD_ZERO_GEN is all zeroes. */
static inline uint32_t first_word(uint32_t seed, uint32_t s, uint32_t g, int i)
{
	if (g == 0 || g == VD_ZERO_GEN)
		return i == 0 && g == 0 ? s : 0;
	return i == 0 ? VD_MAGIC : i == 1 ? s : i == 2 ? g : seed;
}

void vd_fill(void *buf, uint32_t seed, uint32_t sector, uint32_t nsect, uint32_t gen)
{
	uint32_t *w = buf;
	for (uint32_t k = 0; k < nsect; k++, w += VD_SECTOR / 4) {
		uint32_t s = sector + k, x = mix(seed ^ s * 0x9e3779b1u ^ gen * 0x85ebca77u);
		for (int i = 0; i < 4; i++)
			w[i] = first_word(seed, s, gen, i);
		for (uint32_t i = 4; i < VD_SECTOR / 4; i++)
			w[i] = gen && gen != VD_ZERO_GEN ? x ^ i * 0x9e3779b9u : 0;
	}
}

int vd_verify(const void *buf, uint32_t seed, uint32_t sector, uint32_t nsect, uint32_t gen,
	      const uint16_t *gens)
{
	const uint32_t *w = buf;
	for (uint32_t k = 0; k < nsect; k++, w += VD_SECTOR / 4) {
		uint32_t s = sector + k, g = gens ? gens[s] : gen;
		uint32_t x = mix(seed ^ s * 0x9e3779b1u ^ g * 0x85ebca77u);
		for (int i = 0; i < 4; i++)
			if (w[i] != first_word(seed, s, g, i))
				return (int)k;
		for (uint32_t i = 4; i < VD_SECTOR / 4; i++)
			if (w[i] != (g && g != VD_ZERO_GEN ? x ^ i * 0x9e3779b9u : 0))
				return (int)k;
	}
	return -1;
}

const char *vd_describe(const void *sector_data)
{
	static char out[96];
	const uint32_t *w = sector_data;
	if (w[0] == VD_MAGIC)
		snprintf(out, sizeof out, "sector %u gen %u seed %08x", w[1], w[2], w[3]);
	else if (w[1] == 0 && w[2] == 0 && w[3] == 0)
		snprintf(out, sizeof out, "fresh sector %u (or zeroes)", w[0]);
	else
		snprintf(out, sizeof out, "words %08x %08x %08x %08x", w[0], w[1], w[2], w[3]);
	return out;
}

void vd_log_write(uint32_t seed, uint32_t sector, uint32_t nsect, uint32_t gen)
{
	if (gen == VD_ZERO_GEN)
		printf("vdisk: zeroed sector=%u count=%u\n", sector, nsect);
	else
		printf("vdisk: wrote seed=%08x sector=%u count=%u gen=%u\n", seed, sector, nsect, gen);
}

void vd_free(void *data, uint32_t bytes)
{
	if (data && bytes)
		vm_deallocate(smrt_task_port(), (vm_address_t)(uintptr_t)data, bytes);
}

kern_return_t vd_read(struct vd_disk *d, recnum_t rec, uint32_t bytes, void *dst, uint32_t *got)
{
	io_buf_ptr_t data = 0;
	mach_msg_type_number_t n = 0;
	kern_return_t kr = device_read(d->port, vd_read_mode, rec, (int)bytes, &data, &n);
	*got = kr == D_SUCCESS ? n : 0;
	if (kr == D_SUCCESS && dst)
		memcpy(dst, ((void *)(data)), n <= bytes ? n : bytes);
	if (kr == D_SUCCESS)
		vd_free(((void *)(data)), n);
	return kr;
}

kern_return_t vd_write(struct vd_disk *d, recnum_t rec, const void *src, uint32_t bytes, uint32_t *written)
{
	int w = -1;
	kern_return_t kr = device_write(d->port, 0, rec, (io_buf_ptr_t)(src), bytes, &w);
	*written = kr == D_SUCCESS ? (uint32_t)w : 0;
	return kr;
}

int vd_write_pattern(struct vd_disk *d, uint32_t seed, uint32_t sector, uint32_t nsect, uint32_t gen,
		     uint32_t chunk, uint16_t *model)
{
	uint32_t max = chunk / VD_SECTOR, bad = 0, run = 0;     /* run: sectors written, not yet logged */
	uint8_t *buf = malloc(chunk);
	if (!d->spr || !buf)
		return 1;
	for (uint32_t done = 0; done < nsect;) {
		uint32_t n = nsect - done < max ? nsect - done : max, written;
		vd_fill(buf, seed, sector + done, n, gen);
		kern_return_t kr = vd_write(d, (sector + done) / d->spr, buf, n * VD_SECTOR, &written);
		CHECK(kr == D_SUCCESS && written == n * VD_SECTOR, "write of %u sectors at %u: %x, %u bytes",
		      n, sector + done, kr, written);
		for (uint32_t k = 0; model && k < written / VD_SECTOR; k++)
			model[sector + done + k] = (uint16_t)gen;
		run += written / VD_SECTOR;
		if (kr != D_SUCCESS || written != n * VD_SECTOR) {
			bad++;
			if (run)
				vd_log_write(seed, sector + done + written / VD_SECTOR - run, run, gen);
			run = 0;
		}
		done += n;
	}
	if (run)
		vd_log_write(seed, sector + nsect - run, run, gen);
	free(buf);
	return (int)bad;
}

int vd_verify_range(struct vd_disk *d, uint32_t seed, uint32_t sector, uint32_t nsect, uint32_t gen,
		    const uint16_t *model, uint32_t chunk)
{
	uint32_t max = chunk / VD_SECTOR, bad = 0;
	if (!d->spr)
		return 1;
	for (uint32_t done = 0; done < nsect;) {
		uint32_t n = nsect - done < max ? nsect - done : max, got = 0;
		io_buf_ptr_t data = 0;
		mach_msg_type_number_t cnt = 0;
		kern_return_t kr = device_read(d->port, vd_read_mode, (sector + done) / d->spr, (int)(n * VD_SECTOR),
					       &data, &cnt);
		const uint8_t *p = ((const uint8_t *)(data));
		got = kr == D_SUCCESS ? cnt : 0;
		int at = kr == D_SUCCESS && got == n * VD_SECTOR ? vd_verify(p, seed, sector + done, n, gen, model) : 0;
		CHECK(kr == D_SUCCESS && got == n * VD_SECTOR && at < 0,
		      "read of %u sectors at %u: %x, %u bytes; sector %u holds %s", n, sector + done, kr, got,
		      sector + done + (at < 0 ? 0 : at), got ? vd_describe(p + (at < 0 ? 0 : at) * VD_SECTOR) : "-");
		if (kr != D_SUCCESS || got != n * VD_SECTOR || at >= 0)
			bad++;
		vd_free((void *)p, got);
		done += n;
	}
	return (int)bad;
}

/* ---------------------------------------------------------------- handshake */

struct vd_params_msg {
	mach_msg_header_t head;
	mach_msg_type_t type;
	uint32_t words[7];
};

static int sync_send(unsigned mode, struct vd_params *p)
{
	mach_port_t reply = mach_reply_port();
	for (int tries = 0; tries < 2000; tries++) {
		union { struct vd_params_msg params; mig_reply_header_t h; char room[256]; } m;
		if (device_open_request(VD_MASTER, reply, mode, VD_SYNC_NAME) != KERN_SUCCESS)
			return -1;
		memset(&m.h, 0, sizeof m.h);
		if (mach_msg(&m.h.Head, MACH_RCV_MSG, 0, sizeof m, reply, 0, 0) != MACH_MSG_SUCCESS)
			return -1;
		if (m.h.Head.msgh_id == 2900 && m.h.RetCode == D_NO_SUCH_DEVICE) {
			vd_sleep_ms(10);          /* the test has not registered the name yet */
			continue;
		}
		if (m.h.Head.msgh_id != VD_PARAMS_ID)
			return -1;
		if (p)
			memcpy(p, m.params.words, sizeof *p);
		return 0;
	}
	return -1;
}

int vd_sync_hello(unsigned id, struct vd_params *p)
{
	return sync_send(VD_HELLO | id, p);
}

void vd_sync_report(unsigned id, int failures)
{
	if (sync_send(VD_REPORT | (failures > 0xffff ? 0xffff : (unsigned)failures), NULL) != 0)
		printf("vdisk: client %u could not report to test-virtio\n", id);
}

int vd_sync_serve(mach_port_t port, unsigned timeout_ms, void (*params)(unsigned id, struct vd_params *p))
{
	struct { mach_msg_header_t head; mach_msg_type_t mode_type; dev_mode_t mode; char rest[160]; } q;
	memset(&q, 0, sizeof q);
	if (mach_msg(&q.head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof q, port, timeout_ms, 0) != MACH_MSG_SUCCESS)
		return -1;
	if (q.head.msgh_id != 2800)
		return vd_sync_serve(port, timeout_ms, params);
	struct vd_params_msg r;
	struct vd_params p;
	memset(&r, 0, sizeof r);
	memset(&p, 0, sizeof p);
	if (q.mode & VD_HELLO)
		params(q.mode & 0xffff, &p);
	r.head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND_ONCE, 0);
	r.head.msgh_size = sizeof r;
	r.head.msgh_remote_port = q.head.msgh_remote_port;
	r.head.msgh_id = VD_PARAMS_ID;
	r.type = (mach_msg_type_t){ MACH_MSG_TYPE_INTEGER_32, 32, 7, 1, 0, 0, 0 };
	memcpy(r.words, &p, sizeof p);
	mach_msg(&r.head, MACH_SEND_MSG, sizeof r, 0, 0, 0, 0);
	return (int)q.mode;
}

/* ---------------------------------------------------------------- arguments */

/* The value of key in "key=value,key,..." arguments ("" for a bare key). */
const char *vd_arg(int argc, char **argv, const char *key)
{
	size_t k = strlen(key);
	for (int i = 1; i < argc; i++)
		for (const char *p = argv[i]; *p; p++)
			if ((p == argv[i] || p[-1] == ',') && strncmp(p, key, k) == 0 &&
			    (p[k] == '=' || p[k] == ',' || p[k] == 0))
				return p[k] == '=' ? p + k + 1 : "";
	return NULL;
}

uint32_t vd_number(const char *s, uint32_t dflt)
{
	uint32_t v = 0, base = 10;
	if (!s || !*s)
		return dflt;
	if (s[0] == '0' && s[1] == 'x')
		s += 2, base = 16;
	for (; *s && *s != ','; s++)
		v = v * base + (uint32_t)(*s <= '9' ? *s - '0' : (*s | 0x20) - 'a' + 10);
	return v;
}

/* ---------------------------------------------------------------- time */

uint64_t vd_uptime_ns(void)
{
	uint64_t ns = 0;
	sm_host_uptime(smrt_host_port(), &ns);
	return ns;
}

uint32_t vd_tsc_per_us(void)
{
	uint64_t t0 = vd_tsc(), n0 = vd_uptime_ns();
	vd_sleep_ms(50);
	uint64_t t1 = vd_tsc(), n1 = vd_uptime_ns();
	uint64_t us = (n1 - n0) / 1000;
	return us ? (uint32_t)((t1 - t0) / us) : 1;
}
