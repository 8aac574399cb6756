/* test-fuzz: random and mutated messages at the kernel's ports (the fuzzer's
 * own task and threads, a child task and its threads, the host port, the
 * device master port, port sets, its own receive rights) and at the device
 * ports of the servers booted beside it (hello, and blk on a read-only disk
 * image whose every sector starts with its number), plus threads started with
 * hostile register state (tests/fuzz/hostile.c). See docs/fuzzing.md.
 *
 * Arguments (the boot image's, "key=value,..."): seed=N iters=N,
 * trace=N to print every message from iteration N on.
 *
 * Checks: the kernel answers RPCs throughout; every 256 messages both
 * servers give back known data; after the run, with every right the fuzzer
 * made destroyed, the kernel's free pages, heap bytes, ports and out-of-line
 * items are back at the baseline taken before it. A hang is caught by the
 * harness's timeout; the last progress line names the seed and iteration. */
#include "fuzz/fuzz.h"
#include "mach.h"
#include "mach_port.h"
#include "device.h"
#include "smhost.h"
#include <mach/mig_support.h>
#include <device/device_types.h>

#define LIVENESS_EVERY	256
#define REPAIR_EVERY	16
#define HOSTILE_EVERY	100
#define RECYCLE_EVERY	500
#define WARMUP		300
#define DISK_SECTORS	2048		/* the 1 MiB image tests/fuzz.mk makes */
#define LEAK_CHECK_EVERY 5000	/* leakcheck=N changes it (to find where a leak starts) */
/* The one documented slack in the leak check: the blk server keeps a reserve
 * of pages for zero-copy reads (servers/sdk/Virtio/PageReserve.swift: runs
 * of 64 pages, at most 4 kept). Every read hands one of them to the reader,
 * who frees it (free pages +1); now and then a new run is allocated (-64).
 * So the kernel's free page count may differ from the baseline by up to what
 * the reserve can hold; ports, heap bytes and out-of-line items may not. */
#define BLK_RESERVE_PAGES (64 * 4)

static struct fuzz F;
static uint32_t msg_buf[FUZZ_MSG_BYTES / 4 + 16];
static char hello_pattern[IO_INBAND_MAX] = "fuzz-liveness-ok";
#define PATTERN_BYTES 16
static int hello_at = -1;
static uint64_t last_uptime;

void fuzz_fail(struct fuzz *f, const char *what)
{
	guest_failed++;
	printf("FAIL test-fuzz: seed=%u iteration=%u: %s\n", f->seed, f->iter, what);
}

static const char *arg(int argc, char **argv, const char *key)
{
	size_t k = strlen(key);
	for (int i = 1; i < argc; i++)
		for (const char *p = argv[i]; *p; p++)
			if ((p == argv[i] || p[-1] == ',') && strncmp(p, key, k) == 0 && p[k] == '=')
				return p + k + 1;
	return NULL;
}

static uint32_t number(const char *s, uint32_t dflt)
{
	if (!s || *s < '0' || *s > '9')
		return dflt;
	uint32_t v = 0;
	for (; *s >= '0' && *s <= '9'; s++)
		v = v * 10 + (uint32_t)(*s - '0');
	return v;
}

/* ---------------------------------------------------------------- liveness */

static void kernel_alive(struct fuzz *f)
{
	mach_port_t p = MACH_PORT_NULL;
	uint64_t now = 0;
	if (mach_port_allocate(f->self, MACH_PORT_RIGHT_RECEIVE, &p) != KERN_SUCCESS ||
	    mach_port_destroy(f->self, p) != KERN_SUCCESS)
		fuzz_fail(f, "the kernel stopped answering mach_port_allocate");
	if (sm_host_uptime(f->host, &now) != KERN_SUCCESS || now < last_uptime)
		fuzz_fail(f, "sm_host_uptime failed or went backwards");
	else
		guest_passed++;
	last_uptime = now;
}

static kern_return_t hello_check(struct fuzz *f)
{
	char got[IO_INBAND_MAX];
	mach_msg_type_number_t n = sizeof got;
	kern_return_t kr = device_read_inband(f->hello, 0, hello_at, PATTERN_BYTES, got, &n);
	if (kr == D_SUCCESS && (n != PATTERN_BYTES || memcmp(got, hello_pattern, n) != 0))
		return D_IO_ERROR;
	return kr;
}

static kern_return_t blk_check(struct fuzz *f, uint32_t sector)
{
	io_buf_ptr_t data = 0;
	mach_msg_type_number_t n = 0;
	kern_return_t kr = device_read(f->blk, 0, sector, 512, &data, &n);
	if (kr != D_SUCCESS)
		return kr;
	uint64_t first = 0;
	if (n >= 8)
		memcpy(&first, (void *)(uintptr_t)data, 8);
	vm_deallocate(f->self, (vm_address_t)data, n);
	return n == 512 && first == sector ? D_SUCCESS : D_IO_ERROR;
}

/* A device port a fuzzed device_close ended (or whose send right went) is
 * opened again; the data must then be right. */
static void servers_alive(struct fuzz *f)
{
	kern_return_t kr = hello_check(f);
	if (kr == D_NO_SUCH_DEVICE || kr == MACH_SEND_INVALID_DEST) {
		mach_port_destroy(f->self, f->hello);
		if (open_device(f, "hello", D_READ | D_WRITE, &f->hello) == D_SUCCESS)
			kr = hello_check(f);
	}
	if (kr != D_SUCCESS) {
		char what[80];
		snprintf(what, sizeof what, "hello server: liveness read gave %x", kr);
		fuzz_fail(f, what);
	} else
		guest_passed++;
	uint32_t sector = rng_below(f, DISK_SECTORS);
	kr = blk_check(f, sector);
	if (kr == D_NO_SUCH_DEVICE || kr == MACH_SEND_INVALID_DEST) {
		mach_port_destroy(f->self, f->blk);
		if (open_device(f, "vda", D_READ, &f->blk) == D_SUCCESS)
			kr = blk_check(f, sector);
	}
	if (kr != D_SUCCESS) {
		char what[80];
		snprintf(what, sizeof what, "blk server: read of sector %u gave %x", sector, kr);
		fuzz_fail(f, what);
	} else
		guest_passed++;
}

/* ---------------------------------------------------------------- names */

static int known_name(struct fuzz *f, mach_port_t n)
{
	extern mach_port_t fuzz_spare;
	if (n == mig_get_reply_port() || n == f->rp || n == f->drain || n == f->empty_set || n == f->self_thread ||
	    n == f->child || n == f->hello || n == f->blk || n == fuzz_spare)
		return 1;
	for (int i = 0; i < OWN_PORTS; i++)
		if (n == f->own[i])
			return 1;
	for (int i = 0; i < CHILD_THREADS; i++)
		if (n == f->child_thread[i])
			return 1;
	/* The start-up names stay but for a receive right the runtime no longer
	 * uses (it makes a new MIG reply port after a failed RPC). */
	for (uint32_t i = 0; i < f->startup_count; i++)
		if (f->startup[i] == n) {
			mach_port_type_t type = 0;
			mach_port_type(f->self, n, &type);
			return !(type & MACH_PORT_TYPE_RECEIVE);
		}
	return 0;
}

/* Destroys every name in the fuzzer's space it did not start with and does
 * not use: ports a fuzzed mach_port_allocate made, rights replies brought.
 * Names are small integers here (kernel/ipc/space.h) and mach_port_names is
 * not served, so the names are probed one by one up to past the last used. */
#define NAME_SCAN_GAP 256
static uint32_t sweep_names(struct fuzz *f)
{
	uint32_t swept = 0;
	for (mach_port_t n = 1, last_used = 0; n <= last_used + NAME_SCAN_GAP && n < 65536; n++) {
		mach_port_type_t type = 0;
		if (mach_port_type(f->self, n, &type) != KERN_SUCCESS)
			continue;
		last_used = n;
		if (!known_name(f, n)) {
			mach_port_destroy(f->self, n);
			swept++;
		}
	}
	return swept;
}

/* The names the fuzzer starts with (the runtime's, the boot ports). */
static void startup_snapshot(struct fuzz *f)
{
	f->startup_count = 0;
	for (mach_port_t n = 1, last_used = 0; n <= last_used + NAME_SCAN_GAP; n++) {
		mach_port_type_t type = 0;
		if (mach_port_type(f->self, n, &type) != KERN_SUCCESS)
			continue;
		last_used = n;
		if (f->startup_count < 64)
			f->startup[f->startup_count++] = n;
	}
}

/* ---------------------------------------------------------------- the run */

static const char *const target_names[T_COUNT] = {
	"self-task", "child-task", "child-thread", "self-thread", "host", "master", "port-set", "own",
	"hello", "blk", "junk" };

static void one_message(struct fuzz *f, uint32_t trace_from)
{
	struct fuzz_msg m;
	mach_msg_header_t *h = (mach_msg_header_t *)msg_buf;
	gen_message(f, msg_buf, &m);
	extern mach_port_t fuzz_spare;
	if (f->iter >= trace_from)
		printf("test-fuzz: %u: %s %x id %d bits %x size %u/%u local %x\n", f->iter, target_names[m.target], h->msgh_remote_port,
		       h->msgh_id, h->msgh_bits, h->msgh_size, m.send_size, h->msgh_local_port);
	if (f->iter >= trace_from) {
		printf("test-fuzz: %u: (mig %u, spare %u, rp %u, own %u %u %u %u, blk %u, hello %u, child %u) words:", f->iter, mig_get_reply_port(), fuzz_spare, f->rp, f->own[0], f->own[1], f->own[2], f->own[3], f->blk, f->hello, f->child);
		for (uint32_t i = 8; i < m.send_size / 4 && i < 200; i++)
			printf(" %x", msg_buf[i]);
		printf("\n");
	}
	int wants_reply = ((h->msgh_bits >> 8) & 0xff) == MACH_MSG_TYPE_MAKE_SEND_ONCE && h->msgh_local_port == f->rp;
	mach_msg_return_t mr = mach_msg_trap(h, m.options, m.send_size, 0, MACH_PORT_NULL, m.timeout,
					     rng_chance(f, 2) ? f->own[0] : MACH_PORT_NULL);
	if (mr == MACH_MSG_SUCCESS)
		f->sent++;
	else
		f->refused++;
	if (m.has_dealloc_ool)
		scratch_remap();
	int server = m.target == T_HELLO || m.target == T_BLK;
	drain_replies(f, mr == MACH_MSG_SUCCESS && wants_reply && server ? 1000 : 0);
	if (f->iter >= trace_from)
		printf("test-fuzz: %u: -> %x\n", f->iter, mr);
}

static int same_as_baseline(const uint32_t before[4], const uint32_t after[4])
{
	uint32_t drift = after[0] > before[0] ? after[0] - before[0] : before[0] - after[0];
	/* Fewer is no leak: the baseline may hold an object a later message
	 * released for good (a notification request a fuzzed message made). */
	return drift <= BLK_RESERVE_PAGES && after[1] <= before[1] && after[2] <= before[2] && after[3] <= before[3];
}

static void stats(struct fuzz *f, uint32_t s[4])
{
	if (sm_kernel_stats(f->host, &s[0], &s[1], &s[2], &s[3]) != KERN_SUCCESS)
		fuzz_fail(f, "sm_kernel_stats");
}

/* Back in the baseline's shape (settle), the kernel's counts must be the
 * baseline's; the servers release dropped opens at their own pace. */
static void settle(struct fuzz *f);
static void print_names(struct fuzz *f, const char *when);
static int leaks_nothing(struct fuzz *f, uint32_t before[4], uint32_t since)
{
	uint32_t after[4];
	int same = 0;
	for (int tries = 0; tries < 30 && !same; tries++) {
		settle(f);
		stats(f, after);
		same = same_as_baseline(before, after);
		if (!same)
			smrt_sleep_ms(100);
	}
	if (!same)
		print_names(f, "after a leak");
	CHECK(same, "seed %u: between iterations %u and %u: kernel free pages %u->%u, heap %u->%u, ports %u->%u, "
	      "ool %u->%u", f->seed, since, f->iter, before[0], after[0], before[1], after[1], before[2], after[2],
	      before[3], after[3]);
	return same;
}

/* Back to the shape the baseline was taken in: a fresh child, no stray
 * names, nothing queued, the servers done with released opens. */
static void settle(struct fuzz *f)
{
	drain_replies(f, 20);
	targets_repair(f);
	child_recycle(f);
	sweep_names(f);
	smrt_sleep_ms(50);
	drain_replies(f, 20);
	targets_repair(f);	/* what the last drain released (a moved right) is remade */
}

/* Every name in the fuzzer's space with its type (after a leak, to compare). */
static void print_names(struct fuzz *f, const char *when)
{
	extern mach_port_t fuzz_spare;
	printf("test-fuzz: names %s (rp %u spare %u own %u %u %u %u drain %u empty %u mig %u child %u hello %u blk %u):", when,
	       f->rp, fuzz_spare, f->own[0], f->own[1], f->own[2], f->own[3], f->drain, f->empty_set, mig_get_reply_port(),
	       f->child, f->hello, f->blk);
	for (mach_port_t n = 1, last_used = 0; n <= last_used + NAME_SCAN_GAP && n < 65536; n++) {
		mach_port_type_t type = 0;
		mach_port_urefs_t refs = 0;
		if (mach_port_type(f->self, n, &type) != KERN_SUCCESS)
			continue;
		mach_port_get_refs(f->self, n, MACH_PORT_RIGHT_SEND, &refs);
		last_used = n;
		printf(" %u:%x/%u", n, type, refs);
	}
	printf("\n");
}

/* The counts once settled: the same twice in a row. */
static void baseline(struct fuzz *f, uint32_t s[4])
{
	uint32_t again[4];
	settle(f);
	stats(f, s);
	for (int tries = 0; tries < 10; tries++) {
		settle(f);
		stats(f, again);
		if (memcmp(s, again, sizeof again) == 0)
			break;
		memcpy(s, again, sizeof again);
	}
	print_names(f, "at the baseline");
}

int main(int argc, char **argv)
{
	struct fuzz *f = &F;
	f->seed = number(arg(argc, argv, "seed"), 1);
	f->iters = number(arg(argc, argv, "iters"), 2000);
	f->hostile_variant = number(arg(argc, argv, "hostile"), 0xffffffffu);
	uint32_t trace_from = number(arg(argc, argv, "trace"), 0xffffffffu);
	rng_seed(f, f->seed);
	printf("test-fuzz: seed=%u iters=%u\n", f->seed, f->iters);

	f->self = mach_task_self();
	startup_snapshot(f);
	printf("test-fuzz: %u names at start:", f->startup_count);
	for (uint32_t i = 0; i < f->startup_count; i++) {
		mach_port_type_t type = 0;
		mach_port_type(f->self, f->startup[i], &type);
		printf(" %u (type %x)", f->startup[i], type);
	}
	printf("; task %u, host %u, thread %u, MIG reply %u\n", mach_task_self(), mach_host_self(), mach_thread_self(),
	       mig_get_reply_port());
	targets_setup(f);
	int32_t status[2];
	mach_msg_type_number_t n = 2;
	CHECK_EQ(device_get_status(f->hello, DEV_GET_SIZE, status, &n), D_SUCCESS);
	int written = 0;
	CHECK_EQ(device_write_inband(f->hello, 0, status[DEV_GET_SIZE_DEVICE_SIZE], hello_pattern,
				     PATTERN_BYTES, &written), D_SUCCESS);
	hello_at = status[DEV_GET_SIZE_DEVICE_SIZE];
	servers_alive(f);
	found_bugs_check(f);

	/* Warm up (kernel and server heaps reach their working size), then the
	 * baseline; the warm-up messages come from another seed's stream. */
	uint64_t saved = f->rng;
	rng_seed(f, f->seed ^ 0x5eed5eedu);
	for (f->iter = 0; f->iter < WARMUP; f->iter++)
		one_message(f, 0xffffffffu);
	hostile_round(f);
	f->rng = saved;
	kernel_alive(f);
	servers_alive(f);
	f->sent = f->refused = f->received = f->hostile = f->children = f->own_remade = 0;
	/* The name table at its largest the run can make it (OWN_NAME_LIMIT),
	 * before the baseline: a table never shrinks. */
	mach_port_t top = OWN_NAME_LIMIT - 1;
	if (mach_port_allocate_name(f->self, MACH_PORT_RIGHT_RECEIVE, top) == KERN_SUCCESS)
		mach_port_mod_refs(f->self, top, MACH_PORT_RIGHT_RECEIVE, -1);
	uint32_t before[4];
	baseline(f, before);
	uint64_t t0 = 0;
	sm_host_uptime(f->host, &t0);

	uint32_t leak_every = number(arg(argc, argv, "leakcheck"), LEAK_CHECK_EVERY), window = 0;
	uint32_t leak_from = number(arg(argc, argv, "leakfrom"), 0);	/* no checks before */
	uint32_t progress = f->iters / 10 < 10000 ? (f->iters / 10 ? f->iters / 10 : 1) : 10000;
	for (f->iter = 0; f->iter < f->iters; f->iter++) {
		one_message(f, trace_from);
		if (f->iter % REPAIR_EVERY == 0)
			targets_repair(f);
		if (f->iter % HOSTILE_EVERY == HOSTILE_EVERY - 1)
			hostile_round(f);
		if (f->iter % RECYCLE_EVERY == RECYCLE_EVERY - 1) {
			child_recycle(f);
			sweep_names(f);
		}
		if (f->iter % LIVENESS_EVERY == LIVENESS_EVERY - 1) {
			kernel_alive(f);
			servers_alive(f);
		}
		if ((f->iter + 1) % leak_every == 0 && f->iter + 1 < f->iters && f->iter >= leak_from) {
			/* A leak is reported with the window it happened in, then the
			 * counts are taken again so the next window stands alone. */
			if (!leaks_nothing(f, before, window))
				baseline(f, before);
			window = f->iter + 1;
		}
		if ((f->iter + 1) % progress == 0)
			printf("test-fuzz: seed=%u iteration=%u: %u sent, %u refused, %u received, %u failed so far\n",
			       f->seed, f->iter + 1, f->sent, f->refused, f->received, guest_failed);
	}
	kernel_alive(f);
	servers_alive(f);
	uint64_t t1 = 0;
	sm_host_uptime(f->host, &t1);
	printf("test-fuzz: seed=%u: %u messages in %u ms: %u sent, %u refused, %u replies and messages received, "
	       "%u hostile threads, %u child tasks, %u own ports remade\n",
	       f->seed, f->iters, (unsigned)((t1 - t0) / 1000000), f->sent, f->refused, f->received, f->hostile,
	       f->children, f->own_remade);

	leaks_nothing(f, before, window);
	targets_teardown(f);
	CHECK(f->iters < 100 || f->sent > f->iters / 4, "seed %u: only %u of %u messages were accepted", f->seed, f->sent, f->iters);
	return guest_summary("test-fuzz");
}
