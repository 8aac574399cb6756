/* vdisk: what the clients of a virtio-blk disk served behind the device
 * master port (servers/blk, device "vda") share: test-virtio, its helper
 * tasks (virtio-client) and virtiobench.
 *
 * - The data pattern: every 512-byte sector written carries its own number,
 *   a generation and the run's seed, then words derived from all three, so
 *   a sector read back (or found in the image on the host) tells what it is.
 *   Generation 0 is the content tools/mkdisk.py gives a fresh image.
 * - The write log: one "vdisk: wrote ..." line per write the device
 *   accepted; tools/vdisk-check.py replays them over a fresh image and
 *   compares the result with the image QEMU leaves behind.
 * - I/O through GNU Mach's device.defs (synchronous) and
 *   device_request.defs / device_reply.defs (many requests in flight from
 *   one thread, one reply port per request slot, all in one port set).
 * - The handshake between test-virtio and its client tasks. */
#ifndef TESTS_VDISK_H
#define TESTS_VDISK_H
#include "guest-check.h"
#include <sm/traps.h>
#include <device/device_types.h>
#include "device.h"
#include "device_request.h"
#include <sm/blk_stats.h>

#define VD_MASTER	2
#define VD_SECTOR	512
#define VD_MAGIC	0x4b534456u	/* "VDSK" */
#define VD_ZERO_GEN	0xffff		/* the generation of zeroed sectors */

struct vd_disk {
	mach_port_t port;		/* the open device */
	uint32_t record_size;		/* bytes per record (DEV_GET_SIZE) */
	uint32_t records;		/* DEV_GET_RECORDS */
	uint32_t sectors;		/* 512-byte sectors on the disk */
	uint32_t spr;			/* sectors per record */
};

void vd_sleep_ms(unsigned ms);
/* device_open(name), retried while the name is not registered yet (the
 * server is still starting); then the geometry. */
kern_return_t vd_open(const char *name, dev_mode_t mode, struct vd_disk *d);
/* DEV_GET_SIZE and DEV_GET_RECORDS into d; D_* code. */
kern_return_t vd_geometry(struct vd_disk *d);
/* The server's flavors (<sm/blk_stats.h>). */
kern_return_t vd_info(struct vd_disk *d, struct blk_info *info);
kern_return_t vd_stats(struct vd_disk *d, struct blk_stats *st);
/* The mode of every device_read this file sends (BLK_MODE_COPY ...). */
extern dev_mode_t vd_read_mode;

/* The pattern: nsect sectors starting at sector, of generation gen
 * (VD_ZERO_GEN: zeroes). */
void vd_fill(void *buf, uint32_t seed, uint32_t sector, uint32_t nsect, uint32_t gen);
/* Index of the first of nsect sectors in buf that is not sector+i of
 * generation gens[i] (or gen, when gens is NULL); -1 when all are. */
int vd_verify(const void *buf, uint32_t seed, uint32_t sector, uint32_t nsect, uint32_t gen,
	      const uint16_t *gens);
/* What a sector read back looks like, for failure messages. */
const char *vd_describe(const void *sector_data);

/* Log a write the device accepted (sectors of 512 bytes); VD_ZERO_GEN
 * logs a "zeroed" line. */
void vd_log_write(uint32_t seed, uint32_t sector, uint32_t nsect, uint32_t gen);

/* Synchronous I/O of bytes at record rec (device_read / device_write,
 * out of line). The read copies into dst and frees the reply's pages. */
kern_return_t vd_read(struct vd_disk *d, recnum_t rec, uint32_t bytes, void *dst, uint32_t *got);
kern_return_t vd_write(struct vd_disk *d, recnum_t rec, const void *src, uint32_t bytes, uint32_t *written);
/* Write nsect pattern sectors of generation gen at sector (record aligned)
 * in requests of at most chunk bytes, log each; records gen in model if
 * not NULL. Returns the number of failed requests (each CHECKed). */
int vd_write_pattern(struct vd_disk *d, uint32_t seed, uint32_t sector, uint32_t nsect, uint32_t gen,
		     uint32_t chunk, uint16_t *model);
/* Read nsect sectors at sector in requests of chunk bytes and verify them
 * against gen (or model); returns the number of bad requests (CHECKed). */
int vd_verify_range(struct vd_disk *d, uint32_t seed, uint32_t sector, uint32_t nsect, uint32_t gen,
		    const uint16_t *model, uint32_t chunk);

/* Many requests in flight: slot i's replies come to port[i]. The free
 * slots are also a bit mask (the lowest free one is found without a scan)
 * and a reply's port finds its slot through slot_of, indexed by the port
 * name's low bits (checked against port[]; a collision falls back to a
 * scan), so a benchmark's own bookkeeping stays small per request. */
#define VD_MAX_SLOTS	64
#define VD_SLOT_HASH	256
struct vd_reply {
	int slot;
	mach_msg_id_t id;		/* 2902 write, 2903 write_inband, 2904 read, 2905 read_inband */
	kern_return_t code;
	uint32_t count;			/* bytes read or written */
	void *data;			/* device_read: the out-of-line pages (free with vd_free) */
	char inband[IO_INBAND_MAX];
};
struct vd_async {
	mach_port_t set;
	int slots;
	mach_port_t port[VD_MAX_SLOTS];
	int busy[VD_MAX_SLOTS];
	uint32_t free_mask[VD_MAX_SLOTS / 32];	/* bit i: slot i is free */
	uint8_t slot_of[VD_SLOT_HASH];		/* name % VD_SLOT_HASH -> slot + 1, 0: none */
};
void vd_async_init(struct vd_async *a, int slots);
/* A free slot, or -1. */
int vd_async_free_slot(const struct vd_async *a);
kern_return_t vd_async_read(struct vd_async *a, int slot, struct vd_disk *d, recnum_t rec, uint32_t bytes);
kern_return_t vd_async_write(struct vd_async *a, int slot, struct vd_disk *d, recnum_t rec, const void *src,
			     uint32_t bytes);
/* Wait for one reply (timeout_ms, 0 = forever); MACH_MSG_SUCCESS or the
 * receive error. The slot becomes free. */
mach_msg_return_t vd_async_wait(struct vd_async *a, struct vd_reply *r, unsigned timeout_ms);
/* Send a device_read_request for slot (as vd_async_read) and receive the
 * next reply of any slot (as vd_async_wait) in one mach_msg, as a GNU Mach
 * client keeping its queue full does. A send error (MACH_SEND_*) leaves
 * the slot free and r empty; otherwise the request is in flight (the slot
 * busy until its reply), whatever the receive returned. */
mach_msg_return_t vd_async_read_wait(struct vd_async *a, int slot, struct vd_disk *d, recnum_t rec, uint32_t bytes,
				     struct vd_reply *r, unsigned timeout_ms);
/* Whether a mach_msg error is of the send half (MACH_SEND_*: nothing sent,
 * nothing received). */
int vd_send_failed(mach_msg_return_t mr);
void vd_free(void *data, uint32_t bytes);
/* Reply pages freed in runs. The kernel puts each received out-of-line
 * region at the lowest free address that fits (kernel/vm/vm_map.c
 * find_space), so replies received one after another land side by side
 * and one vm_deallocate can free many: vd_free_later keeps pages until
 * the next do not follow them or the run holds max bytes (then frees it
 * at once, so the next reply lands at the start of the gap again);
 * vd_free_run_flush frees what is kept. */
struct vd_free_run {
	uintptr_t start, end;		/* the pages kept: [start, end) */
	uint32_t max;			/* bytes in a run at most */
	uint32_t runs, pages, longest;	/* vm_deallocate calls, pages they freed, the longest run */
};
void vd_free_run_init(struct vd_free_run *f, uint32_t max_bytes);
void vd_free_later(struct vd_free_run *f, void *data, uint32_t bytes);
void vd_free_run_flush(struct vd_free_run *f);
/* ops random reads and writes (write_percent of them writes) of up to 64 KiB
 * within nsect sectors from first, at most slots of them in flight at once,
 * never two overlapping while one of them is a write, so that every result
 * is known: reads are checked against model, writes (generations *gen,
 * *gen + 1, ...) logged and recorded in it. A read into the last free slot
 * goes out with the next receive (vd_async_read_wait). rng is the caller's generator
 * state. Returns the most requests in flight at once. */
int vd_in_flight(struct vd_disk *d, uint32_t seed, uint32_t first, uint32_t nsect, uint16_t *model, uint16_t *gen,
		 uint32_t *rng, int slots, int ops, int write_percent);

/* The handshake: test-virtio registers VD_SYNC_NAME; each client task
 * sends a device_open_request for it (mode VD_HELLO | id) and gets its
 * parameters back; at the end it reports with mode VD_REPORT | failures. */
#define VD_SYNC_NAME	"test-virtio-sync"
#define VD_HELLO	0x10000u
#define VD_REPORT	0x20000u
#define VD_PARAMS_ID	2990
struct vd_params {
	uint32_t seed;
	uint32_t first, count;		/* the client's own region (sectors) */
	uint32_t gen;			/* generation it must leave there */
	uint32_t stable_first, stable_count, stable_gen;	/* a region nobody writes meanwhile */
};
/* Client side: the parameters (0 on success). */
int vd_sync_hello(unsigned id, struct vd_params *p);
void vd_sync_report(unsigned id, int failures);
/* Test side: receive one hello or report on port; answers a hello with
 * what params() gives for its id. Returns the mode, or -1 on timeout. */
int vd_sync_serve(mach_port_t port, unsigned timeout_ms, void (*params)(unsigned id, struct vd_params *p));

/* Arguments "key=value,key,..." (in one or more argv words): the value of
 * key ("" for a bare key, NULL if absent); a number (decimal or 0x hex). */
const char *vd_arg(int argc, char **argv, const char *key);
uint32_t vd_number(const char *s, uint32_t dflt);

/* Time: the TSC, and the TSC rate measured against the kernel's clock. */
static inline uint64_t vd_tsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}
uint64_t vd_uptime_ns(void);
/* TSC ticks per microsecond (measured over about 50 ms). */
uint32_t vd_tsc_per_us(void);

/* A small deterministic generator (xorshift32, never 0). */
static inline uint32_t vd_rand(uint32_t *s)
{
	uint32_t x = *s;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}
#endif
