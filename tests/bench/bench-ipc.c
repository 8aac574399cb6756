/* The client side of the IPC benchmark (make bench): times null RPCs and
 * out-of-line transfers to tests/bench/bench-server.c through MIG stubs. Prints one
 * line per measurement, "bench: NAME iterations=N cycles=C ns=T" with C and T
 * per round trip (TSC cycles and nanoseconds of guest time), which
 * tools/run-bench.sh turns into a table and a CSV.
 *
 * Module arguments, for profiling one path (docs/benchmarks.md): only=NAME
 * runs that row alone (null_trap, kernel_rpc, self_msg, null_rpc, ool_4k,
 * ool_64k, time), n=N with it sets its round trips (the warm-up of null_rpc
 * included, so two runs that differ only in n differ only in round trips). */
#include <stdbool.h>
#include <string.h>
#include <sm/runtime.h>
#include <sm/traps.h>
#include "smhost.h"
#include "mach.h"
#include "device.h"
#include "bench.h"
#include "mach_host_ext.h"
#include <time.h>

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static uint64_t now_ns(void)
{
	return smrt_now_ns();
}

static int failures;
static const char *only;               /* only=NAME: the one row to run, or NULL for all */

/* The value of key=VALUE among the module's arguments, or NULL. */
static const char *arg(int argc, char **argv, const char *key)
{
	size_t k = strlen(key);
	for (int i = 1; i < argc; i++)
		if (strncmp(argv[i], key, k) == 0 && argv[i][k] == '=')
			return argv[i] + k + 1;
	return NULL;
}

static int number(const char *s)
{
	int v = 0;
	while (s && *s >= '0' && *s <= '9')
		v = v * 10 + (*s++ - '0');
	return v;
}

static bool wanted(const char *name)
{
	if (!only)
		return true;
	if (strcmp(only, name) != 0)
		return false;
	/* A marker for a profiler that starts QEMU's execution log when it
	 * sees it, then a second asleep for it to do so (under -icount
	 * sleep=on an idle guest waits in real time, executing nothing). */
	printf("bench: start %s\n", name);
	mach_msg_header_t m;
	mach_msg(&m, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof m, mach_reply_port(), 1000, 0);
	return true;
}

static void report(const char *name, int n, uint64_t cycles, uint64_t ns)
{
	printf("bench: %s iterations=%d cycles=%llu ns=%llu\n", name, n,
	       (unsigned long long)(cycles / n), (unsigned long long)(ns / n));
}

static void bench_null_rpc(mach_port_t server, int n)
{
	for (int i = 0; i < n / 10; i++)
		bench_null(server);                       /* warm up */
	uint64_t t0 = now_ns(), c0 = rdtsc();
	for (int i = 0; i < n; i++)
		if (bench_null(server) != KERN_SUCCESS)
			failures++;
	uint64_t c1 = rdtsc(), t1 = now_ns();
	report("null_rpc", n, c1 - c0, t1 - t0);
}

/* What the pieces of a round trip cost: a trap, a call served by the kernel
 * (no context switch), a message to and from a port of this task. */
static void bench_components(int n)
{
	uint64_t t0, c0, t1, c1;
	if (wanted("null_trap")) {
		t0 = now_ns(), c0 = rdtsc();
		for (int i = 0; i < n; i++)
			mach_task_self();
		c1 = rdtsc(), t1 = now_ns();
		report("null_trap", n, c1 - c0, t1 - t0);
	}

	if (wanted("kernel_rpc")) {
		uint64_t ns;
		t0 = now_ns(), c0 = rdtsc();
		for (int i = 0; i < n; i++)
			sm_host_uptime(mach_host_self(), &ns);
		c1 = rdtsc(), t1 = now_ns();
		report("kernel_rpc", n, c1 - c0, t1 - t0);
	}

	if (!wanted("self_msg"))
		return;
	mach_port_t p = mach_reply_port();
	mach_msg_header_t m;
	t0 = now_ns(), c0 = rdtsc();
	for (int i = 0; i < n; i++) {
		m = (mach_msg_header_t){ MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND_ONCE, 0), sizeof m, p, { 0 }, 0, 1 };
		if (mach_msg(&m, MACH_SEND_MSG | MACH_RCV_MSG, sizeof m, sizeof m, p, 0, 0) != MACH_MSG_SUCCESS)
			failures++;
	}
	c1 = rdtsc(), t1 = now_ns();
	report("self_msg", n, c1 - c0, t1 - t0);
}

static void bench_ool_rpc(mach_port_t server, const char *name, size_t size, int n)
{
	vm_address_t buf = 0;
	if (vm_allocate(mach_task_self(), &buf, size, TRUE) != KERN_SUCCESS) {
		printf("bench: %s skipped: vm_allocate failed\n", name);
		failures++;
		return;
	}
	unsigned char *p = (unsigned char *)buf;
	/* Every page touched: untouched ones would travel as zero pages, with
	 * no frame to copy (zero-fill on demand), and measure nothing. */
	memset(p, 0, size);
	p[0] = 1;
	p[size - 1] = 2;
	int sum = 0;
	uint64_t t0 = now_ns(), c0 = rdtsc();
	for (int i = 0; i < n; i++)
		if (bench_ool(server, (pointer_t)(p), size, &sum) != KERN_SUCCESS || sum != 3)
			failures++;
	uint64_t c1 = rdtsc(), t1 = now_ns();
	report(name, n, c1 - c0, t1 - t0);
	vm_deallocate(mach_task_self(), buf, size);
}

/* Reading the time (docs/time.md): the time page from C (fine and coarse),
 * the kernel call, and an RPC to the time server. The Swift row comes
 * from the time server itself (servers/time, module argument "bench"). */
static void bench_time(mach_port_t time_server, int n)
{
	struct timespec ts;
	uint64_t t0 = now_ns(), c0 = rdtsc();
	for (int i = 0; i < n; i++)
		clock_gettime(CLOCK_MONOTONIC, &ts);
	uint64_t c1 = rdtsc(), t1 = now_ns();
	report("time_page", n, c1 - c0, t1 - t0);

	t0 = now_ns(), c0 = rdtsc();
	for (int i = 0; i < n; i++)
		clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	c1 = rdtsc(), t1 = now_ns();
	report("time_coarse", n, c1 - c0, t1 - t0);

	time_value64_t tv;
	mach_port_t host = mach_host_self();
	int m = n / 50;
	t0 = now_ns(), c0 = rdtsc();
	for (int i = 0; i < m; i++)
		if (host_get_time64(host, &tv) != KERN_SUCCESS)
			failures++;
	c1 = rdtsc(), t1 = now_ns();
	report("time_kernel", m, c1 - c0, t1 - t0);

	t0 = now_ns(), c0 = rdtsc();
	for (int i = 0; i < m; i++)
		if (host_get_time64(time_server, &tv) != KERN_SUCCESS)
			failures++;
	c1 = rdtsc(), t1 = now_ns();
	report("time_rpc", m, c1 - c0, t1 - t0);
}

int main(int argc, char **argv)
{
	only = arg(argc, argv, "only");
	int n = number(arg(argc, argv, "n"));   /* 0: each row's own count */
	mach_port_t server = MACH_PORT_NULL;
	kern_return_t kr;
	for (int tries = 0; (kr = device_open(2, 0, "bench", &server)) != KERN_SUCCESS && tries < 1000; tries++)
		swtch_pri(0);                             /* the server may not be up yet */
	if (kr != KERN_SUCCESS) {
		printf("bench: cannot find the bench server (%x)\n", kr);
		return 1;
	}
	/* The time server times Swift's now() before it registers its device:
	 * wait for it, so that nothing here runs during that loop. */
	mach_port_t time_server = MACH_PORT_NULL;
	for (int tries = 0; (kr = device_open(2, 0, "time-server", &time_server)) != KERN_SUCCESS && tries < 100000;
	     tries++)
		swtch_pri(0);
	if (kr != KERN_SUCCESS) {
		printf("bench: cannot find the time server (%x)\n", kr);
		return 1;
	}
	bench_components(n ? n : 20000);
	if (wanted("null_rpc"))
		bench_null_rpc(server, n ? n : 20000);
	if (wanted("ool_4k"))
		bench_ool_rpc(server, "ool_4k", 4096, n ? n : 5000);
	if (wanted("ool_64k"))
		bench_ool_rpc(server, "ool_64k", 65536, n ? n : 2000);
	if (wanted("time"))
		bench_time(time_server, n ? n : 200000);
	printf("bench-ipc: %d passed, %d failed\n", failures ? 0 : 1, failures ? 1 : 0);
	return failures != 0;
}
