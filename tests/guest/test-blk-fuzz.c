/* test-blk-fuzz: a seeded request fuzzer for the virtio-blk server
 * (servers/blk, "vda" on an 8 MiB scratch image from tools/mkdisk.py).
 *
 * Arguments: seed=N (default: random), iters=N (requests per round; default
 * 2000; one warm-up round and one to five measured rounds run).
 * The seed is printed at the start and again on failure; the same seed
 * replays the same requests (the order in which answers arrive may vary).
 *
 * Each iteration either collects an answer or sends one request built by
 * hand (tests/lib/blkmsg.c): device_open/close/read/write/read_inband/
 * write_inband/get_status/set_status/map/set_filter with random record
 * numbers, sizes, flavors, modes and status words, out-of-line or inline,
 * well-formed or mutated (a flipped bit, a cut size, another id, a size
 * over the server's limit), on live, closed and abandoned opens (the send
 * right dropped with requests in flight, as when a client dies).  The
 * reply right is a send-once right, a send right, the open's own port, a
 * send right to a port drained only now and then, a port destroyed right
 * after the send, or none; up to SLOTS requests are in flight, and now and
 * then a burst of requests whose answers go to one full queue.  Writes
 * never touch the first PATTERN sectors.
 *
 * What it found: a burst answered to the open's own port wedged the
 * server for good (MIG's device_reply stubs waited for room in a queue
 * only the server itself drains); test-blk-hostile keeps that reproducer.
 *
 * Asserted: every request that carried a live reply right got its answer
 * (a reply with the right id, or a send-once notification for a request
 * the kernel dropped) within STALL_MS; valid reads of the untouched region
 * return its content; afterwards the server reads that region back and
 * writes and reads the scratch region correctly; and once the client has
 * closed everything, the kernel's free pages, heap, ports and out-of-line
 * items are back where they were. */
#include "vdisk.h"
#include "blkmsg.h"
#include <mach/mig_errors.h>
#include <mach/notify.h>
#include "mach.h"
#include "mach_port.h"
#include "smhost.h"

#define SLOTS		16		/* requests in flight with a reply port of ours */
#define MAX_OPENS	6
#define PATTERN		2048		/* sectors 0..PATTERN-1: mkdisk's content, never written */
#define STALL_MS	10000		/* no answer this long: the server is stuck */

struct open { mach_port_t port; int closed; };
struct slot {
	mach_port_t port;
	int busy, iter, id, check;	/* check: a valid read of the pattern region */
	recnum_t rec;
	int32_t bytes;
	int open_reply;			/* an open's answer: keep its port */
};

static struct vd_disk disk;
static uint32_t seed, rng, iters;
static struct open opens[MAX_OPENS];
static int nopens;
static struct slot slots[SLOTS];
static mach_port_t set, lazy;
static int outstanding, answers, notifications, unanswered_by_design, send_failures, reads_checked;
static struct bm_msg msg, ans;
static uint8_t wbuf[65536];
static int stuck;

static uint32_t rnd(uint32_t n) { return n ? vd_rand(&rng) % n : 0; }

static void failed_here(int iter)
{
	printf("test-blk-fuzz: FAILED at request %d with seed=%u (rerun: make check-guest GUEST_TOPICS=blk-fuzz"
	       " SEED=%u BLK_FUZZ_ITERS=%u)\n", iter, seed, seed, iters);
}

/* A record number: mostly valid, sometimes at or past the ends. */
static recnum_t any_rec(int for_write)
{
	uint32_t lo = for_write ? PATTERN : 0;
	switch (rnd(8)) {
	case 0: return disk.records - 1 - rnd(4);
	case 1: return disk.records + rnd(4);
	case 2: return 0x80000000u | vd_rand(&rng);
	case 3: return 0xffffffffu - rnd(2);
	default: return lo + rnd(disk.records - lo);
	}
}

/* A byte count: mostly whole records, sometimes anything. */
static int32_t any_bytes(void)
{
	switch (rnd(10)) {
	case 0: return (int32_t)vd_rand(&rng);
	case 1: return -(int32_t)rnd(1024);
	case 2: return (int32_t)(rnd(2048) + 1);
	case 3: return BLK_MAX_IO + 512 * (int32_t)rnd(3);
	case 4: return 512 * (int32_t)(1 + rnd(2048));
	default: return 512 * (int32_t)(1 + rnd(64));
	}
}

static uint32_t any_mode(void)
{
	static const uint32_t modes[] = { 0, 0, BLK_MODE_COPY, BLK_MODE_ZEROCOPY, D_READ, D_NODELAY };
	return rnd(8) ? modes[rnd(6)] : vd_rand(&rng);
}

/* Where a request goes: an open (live, closed or abandoned) or vda's
 * verifier open. */
static mach_port_t any_device(void)
{
	if (!nopens || rnd(5) == 0)
		return disk.port;
	return opens[rnd(nopens)].port;
}

static int free_slot(void)
{
	for (int i = 0; i < SLOTS; i++)
		if (!slots[i].busy)
			return i;
	return -1;
}

/* Build a random request into msg; returns its kind (msg's id) and sets
 * *check for a valid read of the pattern region, *writes for requests that
 * write (never mutated, since a flipped bit could move them). */
static int build(recnum_t *rec, int32_t *bytes, int *check, int *writes, int *dealloc_pages)
{
	*check = *writes = 0;
	*dealloc_pages = 0;
	int kind = (int)rnd(16);
	switch (kind) {
	case 0: case 1: case 2: case 3: {
		bm_start(&msg, BM_READ);
		int good = rnd(2);
		*rec = good ? rnd(PATTERN - 128) : any_rec(0);
		*bytes = good ? 512 * (int32_t)(1 + rnd(128)) : any_bytes();
		*check = good;
		bm_int(&msg, good ? (rnd(2) ? BLK_MODE_COPY : 0) : any_mode());
		bm_int(&msg, *rec);
		bm_int(&msg, (uint32_t)*bytes);
		return BM_READ;
	}
	case 4: case 5: case 6: {
		bm_start(&msg, BM_WRITE);
		*writes = 1;
		*rec = any_rec(1);
		uint32_t n = rnd(4) ? 512 * (1 + rnd(128)) : rnd(sizeof wbuf) + 1;
		bm_int(&msg, any_mode());
		bm_int(&msg, *rec);
		/* Sometimes pages of their own, moved to the server (deallocate bit). */
		if (rnd(4) == 0) {
			vm_address_t a = 0;
			if (vm_allocate(smrt_task_port(), &a, n, 1) == KERN_SUCCESS) {
				memset((void *)a, (int)n, n);
				bm_ool(&msg, (void *)a, n, 1);
				*dealloc_pages = 1;
				return BM_WRITE;
			}
		}
		bm_ool(&msg, wbuf, n, 0);
		return BM_WRITE;
	}
	case 7:
		bm_start(&msg, rnd(2) ? BM_READ_INBAND : BM_WRITE_INBAND);
		*writes = msg.h.msgh_id == BM_WRITE_INBAND;
		bm_int(&msg, any_mode());
		bm_int(&msg, any_rec(1));
		if (*writes)
			bm_chars(&msg, wbuf, rnd(IO_INBAND_MAX + 1));
		else
			bm_int(&msg, (uint32_t)any_bytes());
		return msg.h.msgh_id;
	case 8: case 9: {
		static const uint32_t flavors[] = { DEV_GET_SIZE, DEV_GET_RECORDS, BLK_GET_STATS, BLK_GET_INFO };
		bm_start(&msg, BM_GET_STATUS);
		bm_int(&msg, rnd(5) ? flavors[rnd(4)] : vd_rand(&rng));
		bm_int(&msg, rnd(4) ? rnd(1025) : vd_rand(&rng));
		return BM_GET_STATUS;
	}
	case 10: case 11: {
		static const uint32_t flavors[] = { BLK_SET_FLUSH, BLK_SET_DISCARD, BLK_SET_WRITE_ZEROES,
						    BLK_SET_WRITEBACK, BLK_SET_STATS_RESET };
		int32_t w[5];
		uint32_t n = rnd(6);
		w[0] = (int32_t)any_rec(1);
		for (int i = 1; i < 5; i++)
			w[i] = rnd(2) ? (int32_t)rnd(4096) : (int32_t)vd_rand(&rng);
		w[3] = (int32_t)rnd(2);
		bm_start(&msg, BM_SET_STATUS);
		bm_int(&msg, rnd(6) ? flavors[rnd(5)] : vd_rand(&rng));
		if (msg.w[1] == BLK_SET_WRITEBACK)
			w[0] = (int32_t)rnd(2);
		bm_ints(&msg, w, n);
		*writes = 1;
		return BM_SET_STATUS;
	}
	case 12:
		bm_start(&msg, BM_MAP);
		for (int i = 0; i < 4; i++)
			bm_int(&msg, vd_rand(&rng));
		return BM_MAP;
	case 13:
		bm_start(&msg, BM_CLOSE);
		return BM_CLOSE;
	default: {
		/* A read, get_status or map, mutated. */
		static const int ids[] = { BM_READ, BM_READ_INBAND, BM_GET_STATUS, BM_MAP };
		bm_start(&msg, ids[rnd(4)]);
		for (int i = 0; i < 3; i++)
			bm_int(&msg, i == 1 ? PATTERN + rnd(64) : vd_rand(&rng) & 0x1ffff);
		switch (rnd(4)) {
		case 0: msg.w[2 * rnd(3)] ^= 1u << rnd(32); break;		/* a type word */
		case 1: msg.h.msgh_size -= 4 * (1 + rnd(4)); break;
		case 2: msg.h.msgh_id = 2795 + (int)rnd(25); break;
		default: msg.h.msgh_size = 8192 + 4 * rnd(2048); break;	/* over the limit */
		}
		return -1;
	}
	}
}

/* Send one request with a random reply right; track what answer it owes. */
static void send_one(int iter)
{
	int s = free_slot();
	if (s < 0)
		return;
	recnum_t rec = 0;
	int32_t bytes = 0;
	int check, writes, moved;
	int kind;
	mach_port_t dest = any_device();
	if (rnd(12) == 0) {
		/* device_open through the master port (the kernel forwards it). */
		kind = BM_OPEN;
		check = writes = moved = 0;
		bm_start(&msg, BM_OPEN);
		bm_int(&msg, rnd(4) ? (D_READ | D_WRITE) : any_mode());
		bm_name(&msg, rnd(6) ? "vda" : "vdz");
		dest = VD_MASTER;
	} else {
		kind = build(&rec, &bytes, &check, &writes, &moved);
		if (kind == BM_CLOSE && dest == disk.port)
			return;			/* the verifier's open stays open */
	}
	uint32_t size = bm_size(&msg);
	/* The reply right: mostly a send-once right to a slot port. */
	uint32_t how = rnd(20);
	if (kind < 0 || kind == BM_OPEN)
		how = how < 16 ? 0 : how;		/* only a send-once right comes back when dropped */
	mach_port_t reply = slots[s].port;
	uint32_t disp = MACH_MSG_TYPE_MAKE_SEND_ONCE;
	int owed = 1;
	mach_port_t doomed = MACH_PORT_NULL;
	if (how == 12 && kind >= 0 && kind != BM_OPEN) {
		reply = lazy;			/* a send right to a port drained now and then */
		disp = MACH_MSG_TYPE_MAKE_SEND;
		owed = 0;
	} else if (how >= 13 && how < 15) {
		disp = MACH_MSG_TYPE_MAKE_SEND;
	} else if (how == 15 || how == 16) {
		reply = dest;			/* the server's own port */
		disp = MACH_MSG_TYPE_COPY_SEND;
		owed = 0;
	} else if (how == 17) {
		reply = MACH_PORT_NULL;
		owed = 0;
	} else if (how >= 18) {
		mach_port_allocate(smrt_task_port(), MACH_PORT_RIGHT_RECEIVE, &doomed);
		reply = doomed;
		owed = 0;
	}
	if (kind == BM_OPEN && dest == VD_MASTER && reply == dest)
		reply = MACH_PORT_NULL;
	mach_msg_return_t mr = bm_send(&msg, dest, reply, disp, size, 2000);
	if (doomed)
		mach_port_mod_refs(smrt_task_port(), doomed, MACH_PORT_RIGHT_RECEIVE, -1);
	if (mr != MACH_MSG_SUCCESS) {
		send_failures++;
		CHECK(kind < 0 || mr != MACH_SEND_TIMED_OUT, "request %d (id %d) could not be sent: %x", iter,
		      msg.h.msgh_id, mr);
		if (mr == MACH_SEND_TIMED_OUT && kind >= 0) {
			stuck = 1;		/* the server stopped taking requests */
			failed_here(iter);
		}
		if (moved && mr != MACH_MSG_SUCCESS)
			vm_deallocate(smrt_task_port(), msg.w[7], msg.w[6]);
		return;
	}
	if (!owed) {
		unanswered_by_design++;
		return;
	}
	slots[s] = (struct slot){ slots[s].port, 1, iter, (int)msg.h.msgh_id, check, rec, bytes, kind == BM_OPEN };
	outstanding++;
}

static void keep_open(mach_port_t port)
{
	if (nopens == MAX_OPENS) {
		/* Let go of one: close it, or just drop the right as a dying client would. */
		int i = (int)rnd(MAX_OPENS);
		if (!opens[i].closed && rnd(2))
			bm_start(&msg, BM_CLOSE), bm_call(&msg, opens[i].port, STALL_MS, NULL);
		mach_port_deallocate(smrt_task_port(), opens[i].port);
		opens[i] = opens[--nopens];
	}
	opens[nopens++] = (struct open){ port, 0 };
}

/* One answer, if one comes within timeout_ms; 0 if none did. */
static int collect(unsigned timeout_ms)
{
	if (bm_receive(set, &ans, timeout_ms) != MACH_MSG_SUCCESS)
		return 0;
	int s = -1;
	for (int i = 0; i < SLOTS; i++)
		if (slots[i].busy && slots[i].port == ans.h.msgh_local_port)
			s = i;
	CHECK(s >= 0, "an answer (id %d) on port %u, which waits for none", ans.h.msgh_id, ans.h.msgh_local_port);
	if (s < 0) {
		bm_destroy(&ans);
		return 1;
	}
	struct slot *sl = &slots[s];
	sl->busy = 0;
	outstanding--;
	answers++;
	if (ans.h.msgh_id == MACH_NOTIFY_SEND_ONCE) {
		notifications++;
	} else {
		CHECK(ans.h.msgh_id == sl->id + 100, "request %d (id %d): answer id %d", sl->iter, sl->id, ans.h.msgh_id);
		if (sl->open_reply && ans.h.msgh_id == 2900 && bm_code(&ans) == D_SUCCESS) {
			keep_open(ans.w[3]);
			ans.h.msgh_bits &= ~MACH_MSGH_BITS_COMPLEX;	/* the right is kept, not destroyed */
		}
		if (sl->check && ans.h.msgh_id == 2904) {
			/* A valid read of the untouched region: its content, exactly
			 * (D_NO_SUCH_DEVICE only if it went to a closed open). */
			kern_return_t kr = bm_code(&ans);
			CHECK(kr == D_SUCCESS || kr == D_NO_SUCH_DEVICE, "request %d: read of %d bytes at %u: %x",
			      sl->iter, sl->bytes, sl->rec, kr);
			if (kr == D_SUCCESS) {
				reads_checked++;
				int bad = vd_verify((void *)(uintptr_t)ans.w[5], 0, sl->rec, (uint32_t)sl->bytes / 512, 0,
						    NULL);
				CHECK(ans.w[4] == (uint32_t)sl->bytes && bad < 0,
				      "request %d: read of %d bytes at %u: %u bytes, sector +%d wrong", sl->iter,
				      sl->bytes, sl->rec, ans.w[4], bad);
			}
		}
	}
	bm_destroy(&ans);
	return 1;
}

static void report_stall(int iter)
{
	stuck = 1;
	CHECK(0, "no answer for %d s with %d requests waiting", STALL_MS / 1000, outstanding);
	for (int i = 0; i < SLOTS; i++)
		if (slots[i].busy)
			printf("test-blk-fuzz: waiting: request %d, id %d, record %u, %d bytes\n", slots[i].iter,
			       slots[i].id, slots[i].rec, slots[i].bytes);
	failed_here(iter);
}

/* Replies that went to the lazy port: taken off its queue (and destroyed)
 * only now and then, so that it is often full. */
static void drain_lazy(void)
{
	while (bm_receive(lazy, &ans, 0) == MACH_MSG_SUCCESS)
		bm_destroy(&ans);
}

/* A burst: the same read or write again and again to one open, each
 * answered to the open's own port or to the lazy port, faster than the
 * server finishes them, so that the queue the answers go to is full. */
static void burst(int iter)
{
	mach_port_t dest = any_device();
	int own = rnd(2), n = 6 + (int)rnd(20), write = rnd(2);
	recnum_t rec = PATTERN + rnd(disk.records - PATTERN - 256);
	for (int k = 0; k < n && !stuck; k++) {
		bm_start(&msg, write ? BM_WRITE : BM_READ);
		bm_int(&msg, 0);
		bm_int(&msg, rec);
		if (write)
			bm_ool(&msg, wbuf, 4096, 0);
		else
			bm_int(&msg, 4096 << rnd(5));
		mach_msg_return_t mr = bm_send(&msg, dest, own ? dest : lazy, own ? MACH_MSG_TYPE_COPY_SEND :
					       MACH_MSG_TYPE_MAKE_SEND, 0, STALL_MS);
		CHECK(mr == MACH_MSG_SUCCESS, "burst at request %d: send %d of %d: %x", iter, k, n, mr);
		if (mr != MACH_MSG_SUCCESS) {
			stuck = 1;
			failed_here(iter);
		}
		unanswered_by_design++;
	}
}

static void fuzz(uint32_t n)
{
	for (uint32_t i = 0; i < n && !stuck; i++) {
		if (rnd(20) == 0)
			drain_lazy();
		if (rnd(60) == 0)
			burst((int)i);
		if (outstanding == SLOTS) {
			if (!collect(STALL_MS))
				report_stall((int)i);
		} else {
			while (outstanding && rnd(3) == 0 && collect(0))
				;
			send_one((int)i);
		}
	}
	while (outstanding && !stuck)
		if (!collect(STALL_MS))
			report_stall((int)n);
	vd_sleep_ms(100);
	drain_lazy();
}

/* Close and drop every open the fuzzer made. */
static void let_go(void)
{
	for (int i = 0; i < nopens; i++) {
		if (!opens[i].closed) {
			bm_start(&msg, BM_CLOSE);
			bm_call(&msg, opens[i].port, STALL_MS, NULL);
		}
		mach_port_deallocate(smrt_task_port(), opens[i].port);
	}
	nopens = 0;
	vd_sleep_ms(300);			/* the server handles the no-senders notifications */
}

/* The server still reads the untouched region back and writes and reads
 * the scratch region. */
static void still_correct(void)
{
	uint8_t *buf = malloc(65536);
	uint32_t got = 0;
	int bad_requests = 0;
	for (uint32_t s = 0; s < PATTERN && !guest_failed; s += 128) {
		kern_return_t kr = vd_read(&disk, s, 65536, buf, &got);
		int bad = kr == D_SUCCESS ? vd_verify(buf, 0, s, 128, 0, NULL) : 0;
		bad_requests += kr != D_SUCCESS || bad >= 0;
		CHECK(kr == D_SUCCESS && bad < 0, "after fuzzing: read at %u: %x, sector +%d wrong", s, kr, bad);
	}
	CHECK_EQ(bad_requests, 0);
	CHECK_EQ(vd_write_pattern(&disk, seed, PATTERN, 256, 7, 65536, NULL), 0);
	CHECK_EQ(vd_verify_range(&disk, seed, PATTERN, 256, 7, NULL, 65536), 0);
	free(buf);
}

int main(int argc, char **argv)
{
	seed = vd_number(vd_arg(argc, argv, "seed"), arc4random() | 1);
	iters = vd_number(vd_arg(argc, argv, "iters"), 2000);
	rng = seed ? seed : 1;
	printf("test-blk-fuzz: seed=%u iters=%u\n", seed, iters);
	for (unsigned i = 0; i < sizeof wbuf; i++)
		wbuf[i] = (uint8_t)(i * 7 + 1);
	CHECK_EQ(vd_open("vda", D_READ | D_WRITE, &disk), D_SUCCESS);
	if (guest_failed)
		return guest_summary("test-blk-fuzz");
	mach_port_allocate(smrt_task_port(), MACH_PORT_RIGHT_PORT_SET, &set);
	mach_port_allocate(smrt_task_port(), MACH_PORT_RIGHT_RECEIVE, &lazy);
	for (int i = 0; i < SLOTS; i++) {
		mach_port_allocate(smrt_task_port(), MACH_PORT_RIGHT_RECEIVE, &slots[i].port);
		mach_port_move_member(smrt_task_port(), slots[i].port, set);
	}
	uint64_t t0 = vd_uptime_ns();
	/* A first round warms the server's heap and both tasks' page tables.
	 * Then a round of the same length must leave the kernel's counts
	 * exactly as they were.  An address space may still reach a new
	 * extent (a page table, a map entry, a Swift array's capacity) in the
	 * rounds after the warm-up, and then in no later one, while a leak
	 * grows in every round: so up to five rounds are measured, and one of
	 * them must leave no trace. */
	fuzz(iters);
	let_go();
	uint32_t before[4], after[4];
	int clean = 0;
	for (int round = 1; round <= 5 && !clean && !stuck; round++) {
		bm_settled(before, NULL);
		fuzz(iters);
		let_go();
		bm_settled(after, before);
		clean = !memcmp(before, after, sizeof before);
		printf("test-blk-fuzz: round %d: kernel free pages %u->%u, heap %u->%u, ports %u->%u, ool %u->%u\n",
		       round, before[0], after[0], before[1], after[1], before[2], after[2], before[3], after[3]);
	}
	CHECK(stuck || clean, "five rounds of %u requests in a row changed the kernel's counts", iters);
	printf("test-blk-fuzz: %d answers (%d send-once notifications, %d reads checked), %d requests without a"
	       " reply right of ours, %d not sent, in %u ms\n", answers, notifications, reads_checked,
	       unanswered_by_design, send_failures, (unsigned)((vd_uptime_ns() - t0) / 1000000));
	if (!stuck)
		still_correct();
	CHECK_EQ(device_close(disk.port), D_SUCCESS);
	if (guest_failed)
		failed_here((int)iters);
	return guest_summary("test-blk-fuzz");
}
