/* bench-net: netbench, the virtio-net server's figures through GNU Mach's
 * network device interface (servers/net, "eth0"), on QEMU's user network
 * with tools/net-host.py on the host (port=P): the same probes as the Linux
 * reference guest's netbench (/work/shared/linux-guest):
 *   net.icmp   1000 back-to-back ICMP echoes to the slirp gateway 10.0.2.2
 *   net.udp    1000 UDP round trips (32 bytes) to the host's echo service
 *   net.udptx  64-byte UDP datagrams sent for 3 s; packets/s offered and
 *              counted by the host (net.udptx_pipelined: 32 writes in
 *              flight through device_request.defs)
 *   net.udprx  20000 64-byte datagrams the host sends as fast as it can;
 *              packets/s received
 * Output: "RESULT name value unit" lines (tools/run-netbench.sh; the round
 * trips' p10/p50/p90/p99/min/max/avg), and for each round-trip probe INFO
 * lines: a histogram, the split between the write and the wait for the
 * answer, and what the server and the kernel counted meanwhile.
 * For counting instructions (docs/benchmarks.md, "Counted instructions"):
 * only=NAME runs one probe (icmp, udp, udptx, udptx_pipelined, udprx) and
 * ops=N makes it N operations instead of its usual count or 3 s. */
#include "guest-check.h"
#include "netclient.h"
#include <sm/traps.h>
#include <sm/net_stats.h>
#include <string.h>
#include "mach.h"
#include "mach_port.h"
#include "device.h"
#include "device_request.h"
#include "smhost.h"

#define N 1000
static uint16_t port;
static uint8_t buf[1600];
static uint32_t rtt[N];
static uint32_t written[N];		/* per round trip: until its write returned */
static const char *only;		/* only=NAME: that probe alone */
static unsigned ops;			/* ops=N: its operations (0: the usual) */

static int wanted(const char *probe)
{
	return !only || strcmp(only, probe) == 0;
}

static void sort(uint32_t *v, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
			uint32_t t = v[j]; v[j] = v[j - 1]; v[j - 1] = t;
		}
}

/* The round trips' distribution: percentiles as RESULT rows, and an INFO
 * histogram in power-of-two microsecond buckets (where a bimodal or
 * long-tailed spread shows; docs/benchmarks.md, "Round trips"). */
static void report(const char *name, int ok, int lost)
{
	static const unsigned edges_us[] = { 64, 128, 256, 512, 1024, 2048, 4096, 8192 };
	enum { BUCKETS = sizeof edges_us / sizeof edges_us[0] + 1 };
	unsigned count[BUCKETS] = { 0 };
	uint64_t sum = 0;
	for (int i = 0; i < ok; i++) {
		unsigned b = 0;
		while (b < BUCKETS - 1 && rtt[i] / 1000 >= edges_us[b])
			b++;
		count[b]++;
		sum += rtt[i];
	}
	sort(rtt, ok);
	if (ok) {
		printf("RESULT %s.rtt_avg_us %u us\n", name, (unsigned)(sum / (unsigned)ok / 1000));
		printf("RESULT %s.rtt_p50_us %u us\n", name, rtt[ok / 2] / 1000);
		printf("RESULT %s.rtt_min_us %u us\n", name, rtt[0] / 1000);
		printf("RESULT %s.rtt_p99_us %u us\n", name, rtt[ok * 99 / 100] / 1000);
		printf("RESULT %s.rtt_p10_us %u us\n", name, rtt[ok / 10] / 1000);
		printf("RESULT %s.rtt_p90_us %u us\n", name, rtt[ok * 9 / 10] / 1000);
		printf("RESULT %s.rtt_max_us %u us\n", name, rtt[ok - 1] / 1000);
		printf("INFO %s histogram (us):", name);
		for (unsigned b = 0; b < BUCKETS; b++) {
			if (b < BUCKETS - 1)
				printf(" <%u:%u", edges_us[b], count[b]);
			else
				printf(" >=%u:%u", edges_us[b - 1], count[b]);
		}
		printf("\n");
	}
	printf("RESULT %s.lost %d count\n", name, lost);
}

/* Where the round trips went (INFO line, before `report` sorts rtt): the
 * write (a device_write RPC until its reply) and the wait after it for the
 * answer; an answer already queued when the write returned takes one
 * receive (under 10 us), one that was not makes the client block and the
 * guest go idle until the device interrupts. */
static void report_split(const char *name, int ok)
{
	static uint32_t wait[N];
	int queued = 0;
	uint64_t rtt_sum_queued = 0, rtt_sum_waited = 0;
	for (int i = 0; i < ok; i++) {
		wait[i] = rtt[i] - written[i];
		if (wait[i] < 10000) {
			queued++;
			rtt_sum_queued += rtt[i];
		} else {
			rtt_sum_waited += rtt[i];
		}
	}
	sort(written, ok);
	sort(wait, ok);
	if (ok)
		printf("INFO %s split: write p50 %u p90 %u us; wait p50 %u p90 %u us; answer already queued in %d of %d "
		       "(round trip avg %u us), waited for in %d (avg %u us)\n", name,
		       written[ok / 2] / 1000, written[ok * 9 / 10] / 1000, wait[ok / 2] / 1000, wait[ok * 9 / 10] / 1000,
		       queued, ok, queued ? (unsigned)(rtt_sum_queued / (unsigned)queued / 1000) : 0, ok - queued,
		       ok > queued ? (unsigned)(rtt_sum_waited / (unsigned)(ok - queued) / 1000) : 0);
}

/* What the server and the kernel counted during one probe (INFO line):
 * interrupts and notifications per frame, and the kernel's clock ticks
 * (1 ms each) and system calls. */
struct counters {
	struct net_stats net;
	natural_t syscalls, interrupts, ticks;
};

static void count_now(struct counters *c)
{
	mach_msg_type_number_t n = NET_STATS_COUNT;
	memset(c, 0, sizeof *c);
	device_get_status(nc_dev, NET_GET_STATS, (int *)&c->net, &n);
	sm_cpu_counters(smrt_host_port(), &c->syscalls, &c->interrupts, &c->ticks);
}

static void count_since(const char *name, const struct counters *a)
{
	struct counters b;
	count_now(&b);
	printf("INFO %s counters: rx %u frames, tx %u frames, %u net interrupts (%u device interrupts), "
	       "%u RX kicks, %u TX kicks, %u syscalls, %u ticks\n", name,
	       b.net.rx_frames - a->net.rx_frames, b.net.tx_frames - a->net.tx_frames,
	       b.net.interrupts - a->net.interrupts, b.interrupts - a->interrupts, b.net.rx_kicks - a->net.rx_kicks,
	       b.net.tx_kicks - a->net.tx_kicks, b.syscalls - a->syscalls, b.ticks - a->ticks);
}

static void icmp(mach_port_t b)
{
	int ok = 0, lost = 0, n = ops && ops < N ? (int)ops : N;
	struct counters c;
	count_now(&c);
	for (int i = 0; i < n; i++) {
		uint64_t t = nc_ping(b, 0x1234, (uint16_t)i, 1000);
		if (t) {
			written[ok] = (uint32_t)nc_ping_written_ns;
			rtt[ok++] = (uint32_t)t;
		} else {
			lost++;
		}
	}
	count_since("net.icmp", &c);
	report_split("net.icmp", ok);
	report("net.icmp", ok, lost);
}

/* One UDP request and its answer on c (1 if it came within timeout_ms);
 * udp_written_ns: the time until its write returned. */
static uint64_t udp_written_ns;

static int udp_call(mach_port_t c, const uint8_t *msg, int n, uint8_t *answer, int *got, uint32_t timeout_ms)
{
	struct nc_frame f;
	uint64_t t0 = nc_now_ns();
	nc_send(buf, nc_udp(buf, 41000, port, msg, n), 1);
	udp_written_ns = nc_now_ns() - t0;
	uint64_t end = nc_now_ns() + (uint64_t)timeout_ms * 1000000ull;
	while (nc_now_ns() < end) {
		const uint8_t *p;
		if (!nc_recv(c, timeout_ms, &f))
			continue;
		int len = nc_udp_payload(&f, port, 41000, &p);
		if (len >= 0 && len <= 1472) {
			memcpy(answer, p, (size_t)len);
			*got = len;
			return 1;
		}
	}
	return 0;
}

static void udprtt(mach_port_t c)
{
	uint8_t msg[32], answer[1472];
	int ok = 0, lost = 0, got, n = ops && ops < N ? (int)ops : N;
	memset(msg, 'x', sizeof msg);
	msg[0] = 'E';
	struct counters at;
	count_now(&at);
	for (int i = 0; i < n; i++) {
		memcpy(msg + 1, &i, sizeof i);
		uint64_t t0 = nc_now_ns();
		if (udp_call(c, msg, sizeof msg, answer, &got, 1000) && got == 32 && memcmp(answer, msg, 32) == 0) {
			written[ok] = (uint32_t)udp_written_ns;
			rtt[ok++] = (uint32_t)(nc_now_ns() - t0);
		} else {
			lost++;
		}
	}
	count_since("net.udp", &at);
	report_split("net.udp", ok);
	report("net.udp", ok, lost);
}

/* 64-byte datagrams for 3 s, written one at a time (device_write_inband,
 * as pfinet writes) or with `depth` writes in flight (device_request.defs'
 * device_write_request_inband, replies collected on a port of ours). */
static void udptx(mach_port_t c, const char *name, int depth)
{
	uint8_t msg[64], answer[1472];
	int got = 0;
	uint32_t counted = 0;
	memset(msg, 0, sizeof msg);
	msg[0] = 'C';
	udp_call(c, msg, 1, answer, &got, 1000);		/* resets the host's count */
	msg[0] = 'F';
	int len = nc_udp(buf, 41000, port, msg, sizeof msg);
	mach_port_t replies = depth ? nc_port() : MACH_PORT_NULL;
	if (depth)
		mach_port_set_qlimit(smrt_task_port(), replies, 1024);
	struct { mach_msg_header_t h; char body[64]; } reply;
	uint64_t t0 = nc_now_ns(), t;
	unsigned sent = 0, errors = 0, out = 0;
	int written;
	do {
		for (int i = 0; i < 64; i++, sent++) {
			if (!depth) {
				if (device_write_inband(nc_dev, D_NOWAIT, 0, (const char *)buf,
							(mach_msg_type_number_t)len, &written) != D_SUCCESS)
					errors++;
				continue;
			}
			while (out >= (unsigned)depth &&
			       mach_msg(&reply.h, MACH_RCV_MSG, 0, sizeof reply, replies, 0, 0) == MACH_MSG_SUCCESS)
				out--;
			if (device_write_request_inband(nc_dev, replies, D_NOWAIT, 0, (const char *)buf,
							(mach_msg_type_number_t)len) == KERN_SUCCESS)
				out++;
			else
				errors++;
		}
		t = nc_now_ns();
	} while (ops ? sent < ops : t - t0 < 3000000000ull);
	while (out && mach_msg(&reply.h, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof reply, replies, 1000, 0) ==
		      MACH_MSG_SUCCESS)
		out--;
	smrt_sleep_ms(300);				/* the last ones reach the host */
	msg[0] = 'C';
	int ok = udp_call(c, msg, 1, answer, &got, 1000) && got == 5 && out == 0;
	if (ok)
		memcpy(&counted, answer + 1, 4);
	uint64_t us = (t - t0) / 1000;
	printf("RESULT %s.sent_pps %u pps\n", name, (unsigned)((uint64_t)sent * 1000000 / us));
	printf("RESULT %s.rcvd_pps %u pps\n", name, (unsigned)((uint64_t)counted * 1000000 / us));
	printf("RESULT %s.delivered_pct %u %%\n", name, sent ? (unsigned)((uint64_t)counted * 100 / sent) : 0);
	printf("RESULT %s.send_errors %u count\n", name, errors);
	printf("RESULT %s.stalled %d count\n", name, ok ? 0 : 1);
}

static void udprx(mach_port_t c)
{
	uint8_t msg[7] = { 'B' };
	uint32_t n = ops ? ops : 20000;
	uint16_t size = 64;
	struct nc_frame f;
	memcpy(msg + 1, &n, 4);
	memcpy(msg + 5, &size, 2);
	nc_send(buf, nc_udp(buf, 41000, port, msg, sizeof msg), 1);
	uint64_t first = 0, last = 0;
	unsigned got = 0;
	while (nc_recv(c, got ? 300 : 2000, &f)) {
		const uint8_t *p;
		if (nc_udp_payload(&f, port, 41000, &p) != size)
			continue;
		last = nc_now_ns();
		if (!got++)
			first = last;
	}
	uint64_t us = last > first ? (last - first) / 1000 : 1;
	printf("RESULT net.udprx.rcvd_pps %u pps\n", (unsigned)((uint64_t)got * 1000000 / us));
	printf("RESULT net.udprx.delivered_pct %u %%\n", (unsigned)((uint64_t)got * 100 / n));
}

int main(int argc, char **argv)
{
	port = (uint16_t)nc_number(nc_arg(argc, argv, "port"), 0);
	only = nc_arg(argc, argv, "only");
	ops = nc_number(nc_arg(argc, argv, "ops"), 0);
	CHECK_EQ(nc_open(), D_SUCCESS);
	if (guest_failed)
		return guest_summary("bench-net");
	mach_port_t b = nc_port(), c = nc_port();
	filter_t words[NET_MAX_FILTER];
	CHECK_EQ(nc_filter(b, 0, nc_bpf_pfinet, 28), D_SUCCESS);
	CHECK(nc_resolve_gateway(b), "no ARP reply");
	CHECK_EQ(nc_filter(b, 0, words, nc_bpf_ip_proto(words, NC_PROTO_ICMP)), D_SUCCESS);
	CHECK_EQ(nc_filter(c, 0, words, nc_netf_udp(words)), D_SUCCESS);
	/* A deeper queue for the receive-rate run (the kernel allows 1024). */
	mach_port_set_qlimit(smrt_task_port(), c, 1024);
	/* The device interface's own cost: a status RPC the server answers
	 * without touching the device, for comparison with a frame's. */
	uint64_t t0 = nc_now_ns();
	for (int i = 0; i < N; i++) {
		struct net_stats st;
		mach_msg_type_number_t n = NET_STATS_COUNT;
		device_get_status(nc_dev, NET_GET_STATS, (int *)&st, &n);
	}
	printf("RESULT net.status_rpc_us %u us\n", (unsigned)((nc_now_ns() - t0) / N / 1000));
	if (wanted("icmp"))
		icmp(b);
	if (wanted("udp"))
		udprtt(c);
	if (wanted("udptx"))
		udptx(c, "net.udptx", 0);
	if (wanted("udptx_pipelined"))
		udptx(c, "net.udptx_pipelined", 32);
	if (wanted("udprx"))
		udprx(c);
	struct net_stats s;
	mach_msg_type_number_t cnt = NET_STATS_COUNT;
	if (device_get_status(nc_dev, NET_GET_STATS, (int *)&s, &cnt) == D_SUCCESS)
		printf("INFO server: rx %u frames, %u to a full queue, %u RX kicks; tx %u frames, %u TX kicks, "
		       "%u deferred (at most %u waiting), %u dropped, backlog at most %u; %u interrupts\n", s.rx_frames,
		       s.rx_queue_full, s.rx_kicks, s.tx_frames, s.tx_kicks, s.tx_deferred, s.tx_waiting_hwm,
		       s.tx_dropped, s.tx_backlog_hwm, s.interrupts);
	return guest_summary("bench-net");
}
