/* blkmsg: device.defs requests built by hand, for the tests that attack the
 * virtio-blk server (test-blk-hostile, test-blk-fuzz).  The MIG user stubs
 * always send well-formed requests with a send-once reply right and wait
 * forever for the answer; these send any header, reply right and body
 * (with a send timeout), and the answer is received separately, with a
 * timeout, so a server that stops answering is a failed check, not a hung
 * test.  Layouts are those of gen/device_user.c: a 24-byte header, then
 * each argument as a type word (or a 12-byte long-form one) and its data. */
#ifndef TESTS_BLKMSG_H
#define TESTS_BLKMSG_H
#include <stdint.h>
#include <mach/message.h>
#include <device/device_types.h>

/* device.defs message ids (replies: + 100). */
enum {
	BM_OPEN = 2800, BM_CLOSE = 2801, BM_WRITE = 2802, BM_WRITE_INBAND = 2803,
	BM_READ = 2804, BM_READ_INBAND = 2805, BM_MAP = 2809, BM_SET_STATUS = 2810,
	BM_GET_STATUS = 2811, BM_SET_FILTER = 2812,
};

#define BM_WORDS 4200		/* room for 16 KiB of anything (the server takes 8 KiB at most) */

struct bm_msg {
	mach_msg_header_t h;
	uint32_t w[BM_WORDS];
};

/* Start a request with id; arguments are appended in order. */
void bm_start(struct bm_msg *m, mach_msg_id_t id);
void bm_int(struct bm_msg *m, uint32_t v);					/* one INTEGER_32 */
void bm_ints(struct bm_msg *m, const int32_t *v, uint32_t n);			/* INTEGER_32[n] inline */
void bm_chars(struct bm_msg *m, const void *p, uint32_t n);			/* CHAR[n] inline */
void bm_name(struct bm_msg *m, const char *name);				/* dev_name_t (STRING_C, 128) */
void bm_ool(struct bm_msg *m, const void *p, uint32_t n, int deallocate);	/* INTEGER_8[n] out of line */
void bm_port(struct bm_msg *m, mach_port_t p, uint32_t disposition);		/* one port right */
/* The message so far, in bytes. */
uint32_t bm_size(const struct bm_msg *m);

/* Send m to dest (COPY_SEND) with reply right reply/reply_disposition (0 for
 * none); size 0 means bm_size(m).  Waits at most timeout_ms for queue room. */
mach_msg_return_t bm_send(struct bm_msg *m, mach_port_t dest, mach_port_t reply, uint32_t reply_disposition,
			  uint32_t size, uint32_t timeout_ms);
/* Receive one message on port (or set) into r; MACH_RCV_TIMED_OUT after
 * timeout_ms.  The reply's return code is bm_code(r). */
mach_msg_return_t bm_receive(mach_port_t port, struct bm_msg *r, uint32_t timeout_ms);
static inline kern_return_t bm_code(const struct bm_msg *r) { return (kern_return_t)r->w[1]; }
/* Release everything a received message carries (rights, out-of-line memory). */
void bm_destroy(struct bm_msg *r);

/* A request and its answer on a fresh send-once reply port: the answer's
 * return code, or the send/receive error.  *reply (if not NULL) gets the
 * answer, which the caller must bm_destroy. */
kern_return_t bm_call(struct bm_msg *m, mach_port_t dest, uint32_t timeout_ms, struct bm_msg *reply);

/* Shortcuts over bm_call for the routines the tests use most. */
kern_return_t bm_read(mach_port_t dev, dev_mode_t mode, recnum_t rec, int32_t bytes, uint32_t timeout_ms);
kern_return_t bm_get_status(mach_port_t dev, uint32_t flavor, uint32_t count, uint32_t timeout_ms);
kern_return_t bm_set_status(mach_port_t dev, uint32_t flavor, const int32_t *words, uint32_t n,
			    uint32_t timeout_ms);

/* sm_kernel_stats (free pages, heap bytes, ports, out-of-line items) once
 * they stop moving: requests sent without a reply right may still be in
 * the device, or bouncing off the server's own port, when the last answer
 * came.  With `want`, until they equal it; at most about 3 s either way. */
void bm_settled(uint32_t now[4], const uint32_t *want);
#endif
