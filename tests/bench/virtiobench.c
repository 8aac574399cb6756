/* virtiobench: block I/O through the virtio-blk server (servers/blk) as a
 * client sees it, measured inside the guest (tools/run-virtiobench.sh boots
 * it against a raw image and against QEMU's null-co driver; make bench).
 *
 *   seq_read_4k, seq_read_64k     sequential device_read, one at a time
 *   seq_read_64k_copy, _zerocopy  the same, forcing each read path
 *                                 (BLK_MODE_COPY / BLK_MODE_ZEROCOPY)
 *   rand_read_4k_qd1              random 4 KiB reads, one at a time
 *   rand_read_4k_qd32             the same with 32 device_read_request in
 *                                 flight from one thread (once the queue is
 *                                 full, each receive sends the next request
 *                                 in the same mach_msg; reply pages freed in
 *                                 runs of up to 32 pages)
 *   seq_read_64k_qd32_copy,       sequential 64 KiB reads, 32 in flight,
 *   seq_read_64k_qd32_zerocopy    forcing each read path
 *   seq_write_64k                 sequential device_write, one at a time
 *
 *   timer_tick                    the cost of one timer interrupt to the
 *                                 task it interrupts (once, before the rest)
 *
 * One line per measurement: "virtiobench: NAME ops=N bytes=B ns=T
 * p50=L p90=L p99=L" (latencies in ns, from issue to reply, by TSC), then
 * a line "virtiobench: cost NAME syscalls_per_100=S interrupts_per_100=I"
 * (system calls of every task and device interrupts per 100 requests,
 * from the kernel's counters), a line "virtiobench: sched NAME
 * idle_permille=P switches_per_100=S busy_per_op=B" (the share of the
 * measurement's time the CPU idled, in thousandths, address-space switches
 * per 100 requests, and the ns per request the CPU did not idle: under
 * -icount shift=0 the instructions each request cost, which no idle wait
 * enters, however long QEMU makes it); after each QD32 one "virtiobench: NAME reply pages freed in R
 * runs of P pages (mean M, longest L)"; at the end the server's
 * statistics. Data is not checked here: test-virtio does that.
 * Arguments: mib=N limits the sequential passes to the first N MiB;
 * only=NAME runs that measurement alone, repeat=N runs it N times and
 * ops=N sets the random reads' count (4N at QD32), for profiling one path;
 * pause=MS prints "virtiobench: pause" and sleeps MS ms before the
 * measurements, so a profiler can start logging there (docs/benchmarks.md). */
#include "vdisk.h"
#include "smhost.h"
#include "mach.h"
#include <mach/vm_param.h>

#define MAX_OPS		32768
#define RANDOM_OPS	4000
#define QD		32

static struct vd_disk disk;
static uint32_t *lat;			/* per-request TSC ticks */
static uint32_t tsc_per_us, rng = 0x2545f491, random_ops = RANDOM_OPS;
static uint8_t *wbuf;
static const char *only;

/* The kernel's counters when the current measurement began. */
static natural_t syscalls_at, interrupts_at, switches_at;
static uint64_t idle_at, tsc_at;

static void counters(natural_t *syscalls, natural_t *interrupts)
{
	natural_t ticks;
	*syscalls = *interrupts = 0;
	sm_cpu_counters(smrt_host_port(), syscalls, interrupts, &ticks);
}

/* TSC cycles the CPU has idled and address-space switches, since boot. */
static void sched_counters(uint64_t *idle, natural_t *switches)
{
	*idle = 0, *switches = 0;
	sm_sched_counters(smrt_host_port(), idle, switches);
}

/* Whether measurement NAME is to run (all of them unless only= names one);
 * if so, its kernel counters start now. */
static int wanted(const char *name)
{
	if (only && strcmp(only, name) != 0)
		return 0;
	counters(&syscalls_at, &interrupts_at);
	sched_counters(&idle_at, &switches_at);
	tsc_at = vd_tsc();
	return 1;
}

/* Sorts the latencies for the percentiles, after a measurement (outside
 * the timed requests): a radix sort, four passes of 8 bits through the
 * scratch array `tmp`, linear in n (a heapsort here cost ~225 guest
 * instructions per request in the exec-log profile). */
static uint32_t *tmp;

static void sort(uint32_t *a, int n)
{
	uint32_t *from = a, *to = tmp;
	for (int shift = 0; shift < 32; shift += 8) {
		uint32_t count[257] = { 0 };
		for (int i = 0; i < n; i++)
			count[((from[i] >> shift) & 0xff) + 1]++;
		for (int b = 0; b < 256; b++)
			count[b + 1] += count[b];
		for (int i = 0; i < n; i++)
			to[count[(from[i] >> shift) & 0xff]++] = from[i];
		uint32_t *t = from;
		from = to, to = t;
	}
	/* Four passes: the sorted values are back in a. */
}

static uint64_t ns_of(uint64_t ticks)
{
	return ticks * 1000 / tsc_per_us;
}

static void report(const char *name, int ops, uint64_t bytes, uint64_t ns)
{
	natural_t syscalls, interrupts, switches;
	uint64_t idle, tsc = vd_tsc();
	sched_counters(&idle, &switches);
	counters(&syscalls, &interrupts);
	sort(lat, ops);
	printf("virtiobench: %s ops=%d bytes=%llu ns=%llu p50=%llu p90=%llu p99=%llu\n", name, ops, bytes, ns,
	       ns_of(lat[ops / 2]), ns_of(lat[ops * 9 / 10]), ns_of(lat[ops * 99 / 100]));
	/* Every task's system calls (client, server) and every device
	 * interrupt, per 100 requests. */
	if (ops > 0)
		printf("virtiobench: cost %s syscalls_per_100=%u interrupts_per_100=%u\n", name,
		       (unsigned)((uint64_t)(syscalls - syscalls_at) * 100 / ops),
		       (unsigned)((uint64_t)(interrupts - interrupts_at) * 100 / ops));
	/* How much of it the CPU idled (waiting for the device: the kernel's
	 * idle thread), how many address spaces it switched, per 100, and the
	 * time it did not idle per request.  The last is the exact cost under
	 * -icount sleep=off, where a halt that QEMU's I/O thread has not yet
	 * ended jumps the clock to the next timer tick: that millisecond lands
	 * in a QD1 read's latency (p50) but in the idle thread's time. */
	if (ops > 0 && tsc > tsc_at) {
		uint64_t idled = idle - idle_at, all = tsc - tsc_at;
		printf("virtiobench: sched %s idle_permille=%u switches_per_100=%u busy_per_op=%llu\n", name,
		       (unsigned)(idled * 1000 / all),
		       (unsigned)((uint64_t)(switches - switches_at) * 100 / ops),
		       ns_of(idled < all ? all - idled : 0) / (uint64_t)ops);
	}
}

/* One synchronous request, timed; returns its result. */
static kern_return_t timed(int write, dev_mode_t mode, recnum_t rec, uint32_t bytes, uint32_t *ticks)
{
	io_buf_ptr_t data = 0;
	mach_msg_type_number_t n = 0;
	int w = 0;
	uint64_t t0 = vd_tsc();
	kern_return_t kr = write ? device_write(disk.port, 0, rec, (io_buf_ptr_t)(wbuf), bytes, &w)
				 : device_read(disk.port, mode, rec, (int)bytes, &data, &n);
	*ticks = (uint32_t)(vd_tsc() - t0);
	if (!write && kr == D_SUCCESS)
		vd_free(((void *)(data)), n);
	return kr;
}

static void sequential(const char *name, int write, dev_mode_t mode, uint32_t size, uint64_t total)
{
	int ops = (int)(total / size), bad = 0;
	if (!wanted(name))
		return;
	if (ops > MAX_OPS)
		ops = MAX_OPS;
	uint64_t t0 = vd_uptime_ns();
	for (int i = 0; i < ops; i++)
		bad += timed(write, mode, (recnum_t)((uint64_t)i * size / disk.record_size), size, &lat[i]) != D_SUCCESS;
	uint64_t ns = vd_uptime_ns() - t0;
	CHECK(bad == 0, "%s: %d requests failed", name, bad);
	report(name, ops, (uint64_t)ops * size, ns);
}

static recnum_t random_4k(void)
{
	return (recnum_t)(vd_rand(&rng) % (disk.sectors / 8)) * (4096 / disk.record_size);
}

static void random_qd1(void)
{
	int bad = 0;
	if (!wanted("rand_read_4k_qd1"))
		return;
	uint64_t t0 = vd_uptime_ns();
	for (uint32_t i = 0; i < random_ops; i++)
		bad += timed(0, 0, random_4k(), 4096, &lat[i]) != D_SUCCESS;
	uint64_t ns = vd_uptime_ns() - t0;
	CHECK(bad == 0, "rand_read_4k_qd1: %d requests failed", bad);
	report("rand_read_4k_qd1", (int)random_ops, (uint64_t)random_ops * 4096, ns);
}

/* What a timer tick costs the running task: spin on the TSC for a while;
 * every gap much longer than one loop is an interruption (the tick's entry,
 * handler, end-of-interrupt and return). */
static void timer_tick(void)
{
	if (!wanted("timer_tick"))
		return;
	natural_t syscalls, interrupts, ticks0, ticks1;
	sm_cpu_counters(smrt_host_port(), &syscalls, &interrupts, &ticks0);
	uint64_t end = vd_tsc() + (uint64_t)tsc_per_us * 200000, last = vd_tsc();
	uint32_t threshold = tsc_per_us / 10;    /* 100 ns: far above one loop */
	int n = 0;
	while (last < end && n < MAX_OPS) {
		uint64_t now = vd_tsc();
		if (now - last > threshold)
			lat[n++] = (uint32_t)(now - last);
		last = now;
	}
	sort(lat, n);
	sm_cpu_counters(smrt_host_port(), &syscalls, &interrupts, &ticks1);
	printf("virtiobench: timer_tick interruptions=%d ticks=%u in 200 ms, p50=%llu ns p90=%llu ns\n", n,
	       ticks1 - ticks0, n ? ns_of(lat[n / 2]) : 0, n ? ns_of(lat[n * 9 / 10]) : 0);
}

/* ops reads of `size` bytes with QD of them in flight from one thread:
 * random 4 KiB-aligned places, or one pass from the start (sequential).
 * As a careful GNU Mach client: once the queue is full, each reply's
 * receive also sends the next request (one mach_msg), and reply pages are
 * freed in runs of up to QD pages. */
static void pipelined(const char *name, dev_mode_t mode, uint32_t size, int sequential, int ops)
{
	static struct vd_async a;
	struct vd_free_run run;
	uint64_t issued_at[QD];
	int issued = 0, done = 0, bad = 0;
	if (!wanted(name))
		return;
	if (sequential && (uint64_t)ops * size > (uint64_t)disk.sectors * VD_SECTOR)
		ops = (int)((uint64_t)disk.sectors * VD_SECTOR / size);
	vd_async_init(&a, QD);
	vd_free_run_init(&run, QD * PAGE_SIZE);
	vd_read_mode = mode;
	uint64_t t0 = vd_uptime_ns();
	while (done < ops) {
		int slot, waited = 0;
		struct vd_reply r;
		mach_msg_return_t mr = MACH_MSG_SUCCESS;
		while (issued < ops && (slot = vd_async_free_slot(&a)) >= 0) {
			recnum_t rec = sequential ? (recnum_t)((uint64_t)issued * size / disk.record_size) : random_4k();
			issued_at[slot] = vd_tsc();
			if (issued - done < QD - 1) {   /* not the last free slot: a request of its own */
				if (vd_async_read(&a, slot, &disk, rec, size) != KERN_SUCCESS)
					goto out;
				issued++;
				continue;
			}
			mr = vd_async_read_wait(&a, slot, &disk, rec, size, &r, 20000);
			issued += mr == MACH_MSG_SUCCESS;       /* any error ends the run below */
			waited = 1;
			break;
		}
		if (!waited)
			mr = vd_async_wait(&a, &r, 20000);
		if (mr != MACH_MSG_SUCCESS || r.slot < 0)
			break;
		lat[done++] = (uint32_t)(vd_tsc() - issued_at[r.slot]);
		bad += r.code != D_SUCCESS || r.count != size;
		vd_free_later(&run, r.data, r.count);
	}
out:;
	vd_free_run_flush(&run);
	uint64_t ns = vd_uptime_ns() - t0;
	vd_read_mode = 0;
	CHECK(done == ops && bad == 0, "%s: %d of %d answered, %d failed", name, done, ops, bad);
	report(name, done, (uint64_t)done * size, ns);
	printf("virtiobench: %s reply pages freed in %u runs of %u pages (mean %u.%02u, longest %u)\n", name, run.runs,
	       run.pages, run.runs ? run.pages / run.runs : 0, run.runs ? run.pages * 100 / run.runs % 100 : 0,
	       run.longest);
}

int main(int argc, char **argv)
{
	uint32_t mib = vd_number(vd_arg(argc, argv, "mib"), 0);
	uint32_t repeat = vd_number(vd_arg(argc, argv, "repeat"), 1);
	only = vd_arg(argc, argv, "only");
	random_ops = vd_number(vd_arg(argc, argv, "ops"), RANDOM_OPS);
	if (random_ops == 0 || random_ops > MAX_OPS / 4)
		random_ops = RANDOM_OPS;
	lat = malloc(MAX_OPS * sizeof *lat);
	tmp = malloc(MAX_OPS * sizeof *tmp);
	/* Page aligned, as a client's vm_allocate'd buffer: device_write then
	 * sends its pages copy-on-write and the server lends them to the
	 * device, no copy anywhere (a malloc'd buffer, unaligned, would be
	 * copied by the kernel at the send). */
	vm_address_t wva = 0;
	CHECK_EQ(vm_allocate(mach_task_self(), &wva, 65536, TRUE), KERN_SUCCESS);
	wbuf = (uint8_t *)wva;
	memset(wbuf, 0x5a, 65536);
	CHECK_EQ(vd_open("vda", D_READ | D_WRITE, &disk), D_SUCCESS);
	if (guest_failed)
		return guest_summary("virtiobench");
	struct blk_info info;
	CHECK_EQ(vd_info(&disk, &info), D_SUCCESS);
	tsc_per_us = vd_tsc_per_us();
	uint64_t size = (uint64_t)disk.sectors * VD_SECTOR, total = mib ? (uint64_t)mib << 20 : size;
	if (total > size)
		total = size;
	printf("virtiobench: disk %llu MiB, %s transport, queue %u, zero-copy default %u, TSC %u MHz\n", size >> 20,
	       info.modern ? "modern" : "legacy", info.queue_size, info.zero_copy_default, tsc_per_us);
	int status[1];
	for (int i = 0; i < 64; i++)            /* warm up: translated code, server pool, host caches */
		timed(i & 1, 0, (recnum_t)(i / 2 * (65536 / disk.record_size)), 65536, &lat[0]);
	device_set_status(disk.port, BLK_SET_STATS_RESET, status, 0);
	uint32_t pause = vd_number(vd_arg(argc, argv, "pause"), 0);
	if (pause) {
		printf("virtiobench: pause\n");
		vd_sleep_ms(pause);
	}
	timer_tick();
	for (uint32_t round = 0; round < repeat; round++) {
		sequential("seq_read_4k", 0, 0, 4096, total / 4);
		sequential("seq_read_64k", 0, 0, 65536, total);
		sequential("seq_read_64k_copy", 0, BLK_MODE_COPY, 65536, total);
		sequential("seq_read_64k_zerocopy", 0, BLK_MODE_ZEROCOPY, 65536, total);
		random_qd1();
		pipelined("rand_read_4k_qd32", 0, 4096, 0, 4 * (int)random_ops);
		pipelined("seq_read_64k_qd32_copy", BLK_MODE_COPY, 65536, 1, (int)(total / 65536));
		pipelined("seq_read_64k_qd32_zerocopy", BLK_MODE_ZEROCOPY, 65536, 1, (int)(total / 65536));
		sequential("seq_write_64k", 1, 0, 65536, total);
	}
	struct blk_stats st;
	CHECK_EQ(vd_stats(&disk, &st), D_SUCCESS);
	printf("virtiobench: stats: %u requests, %u chains, %u split, in flight at most %u of %u, %u interrupts"
	       " (batch %u), %u notifies (%u suppressed), %llu bytes zero-copy (%u pages in %u chunks), %llu copied,"
	       " pool high %u of %u\n",
	       st.requests, st.chains, st.split_requests, st.inflight_hwm, st.inflight_limit, st.interrupts,
	       st.completions_max_batch, st.notifies, st.notifies_suppressed, st.bytes_zero_copy, st.zc_pages,
	       st.zc_chunks, st.bytes_copied, st.pool_hwm, st.pool_total);
	device_close(disk.port);
	return guest_summary("virtiobench");
}
