/* test-net: the virtio-net server (servers/net) through GNU Mach's network
 * device interface, on QEMU's user network (slirp), with the host service
 * tools/net-host.py (UDP echo on the host's loopback, reached at 10.0.2.2;
 * QEMU monitor commands for the link).  Arguments: port=P (the host
 * service), link (run the link down/up part), legacy, queue=N, mtu=N (what
 * the topic's QEMU and server were given, checked against the server's
 * status).
 *
 * Clients are ports with filters: A takes everything (pfinet's NETF
 * accept-all) and is never read during the pings (the flood: its losses are
 * counted, nobody else loses a frame), B takes ICMP (BPF), C takes UDP
 * (NETF), P has pfinet's BPF filter, H sits at NET_HI_PRI and then dies;
 * O, OI and IO watch written frames (NETF_OUT). */
#include "guest-check.h"
#include "netclient.h"
#include <sm/traps.h>
#include <sm/net_stats.h>
#include <string.h>
#include <mach/mig_errors.h>
#include "mach.h"
#include "device.h"
#include "device_request.h"
#include "smhost.h"

#define PINGS 1000

static uint16_t echo_port;
static int mtu = 1500;			/* argument mtu=N: the topic's QEMU host_mtu */
static uint8_t buf[1600];

static struct net_stats stats(void)
{
	struct net_stats s;
	mach_msg_type_number_t n = NET_STATS_COUNT;
	memset(&s, 0, sizeof s);
	CHECK_EQ(device_get_status(nc_dev, NET_GET_STATS, (int *)&s, &n), D_SUCCESS);
	return s;
}

static int net_flags(void)
{
	int st[NET_STATUS_COUNT];
	mach_msg_type_number_t n = NET_STATUS_COUNT;
	if (device_get_status(nc_dev, NET_STATUS, st, &n) != D_SUCCESS)
		return -1;
	return st[5];
}

static void status(void)
{
	int st[NET_STATUS_COUNT];
	mach_msg_type_number_t n = NET_STATUS_COUNT;
	CHECK_EQ(device_get_status(nc_dev, NET_STATUS, st, &n), D_SUCCESS);
	CHECK_EQ(n, NET_STATUS_COUNT);
	CHECK_EQ(st[1], mtu + 14);
	CHECK_EQ(st[2], HDR_ETHERNET);
	CHECK_EQ(st[3], 14);
	CHECK_EQ(st[4], 6);
	CHECK(st[5] & NET_IFF_UP && st[5] & NET_IFF_RUNNING, "flags %x", st[5]);
	/* QEMU's default MAC for the first NIC. */
	static const uint8_t qemu_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
	CHECK(memcmp(nc_mac, qemu_mac, 6) == 0, "MAC %02x:%02x:%02x:%02x:%02x:%02x", nc_mac[0], nc_mac[1],
	      nc_mac[2], nc_mac[3], nc_mac[4], nc_mac[5]);
}

/* The clock round trips are timed with (nc_now_ns, netbench's too) reads
 * the kernel's time page: 100 readings make no system call (the kernel's
 * count moves by the one that reads it), so none lands inside a timed
 * round trip. */
static void clock_makes_no_call(void)
{
	natural_t calls0 = 0, calls1 = 0, irqs, ticks;
	uint64_t last = 0;
	int ok = 1;
	CHECK_EQ(sm_cpu_counters(smrt_host_port(), &calls0, &irqs, &ticks), KERN_SUCCESS);
	for (int i = 0; i < 100; i++) {
		uint64_t now = nc_now_ns();
		ok &= now >= last && now != 0;
		last = now;
	}
	CHECK_EQ(sm_cpu_counters(smrt_host_port(), &calls1, &irqs, &ticks), KERN_SUCCESS);
	CHECK(ok, "the clock went back or read 0");
	CHECK(calls1 - calls0 < 10, "100 clock readings made %u system calls", calls1 - calls0);
}

/* 1000 back-to-back echoes through B while A is flooded. */
static void pings(mach_port_t b, mach_port_t a)
{
	struct net_stats before = stats();
	int lost = 0;
	uint64_t total = 0, worst = 0;
	for (int i = 0; i < PINGS; i++) {
		uint64_t t = nc_ping(b, 0x4242, (uint16_t)i, 1000);
		if (!t)
			lost++;
		total += t;
		worst = t > worst ? t : worst;
	}
	CHECK_EQ(lost, 0);
	printf("test-net: %d pings, %d lost, average %llu us, worst %llu us\n", PINGS, lost,
	       (unsigned long long)(total / PINGS / 1000), (unsigned long long)(worst / 1000));
	struct net_stats after = stats();
	CHECK(after.rx_queue_full - before.rx_queue_full >= PINGS - 16,
	      "the unread client lost %u frames", after.rx_queue_full - before.rx_queue_full);
	int queued = nc_drain(a);
	CHECK(queued > 0 && queued <= 16, "the unread client had %d frames queued", queued);
	printf("test-net: the unread client: %d frames queued, %u lost\n", queued,
	       after.rx_queue_full - before.rx_queue_full);
}

/* UDP through C to the host's echo service and back. */
static void udp_echo(mach_port_t c, mach_port_t b)
{
	static const int sizes[] = { 1, 18, 100, 1000, 1472 };
	static uint8_t payload[1472];
	struct nc_frame f;
	for (unsigned k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
		int n = sizes[k] <= mtu - 28 ? sizes[k] : mtu - 28, ok = 0;	/* IPv4 and UDP headers */
		payload[0] = 'E';
		for (int i = 1; i < n; i++)
			payload[i] = (uint8_t)(i * 7 + k);
		for (int attempt = 0; attempt < 3 && !ok; attempt++) {
			CHECK_EQ(nc_send(buf, nc_udp(buf, 40000 + k, echo_port, payload, n), 0), D_SUCCESS);
			uint64_t end = nc_now_ns() + 1000000000ull;
			while (!ok && nc_now_ns() < end) {
				const uint8_t *p;
				if (!nc_recv(c, 200, &f))
					continue;
				int got = nc_udp_payload(&f, echo_port, 40000 + k, &p);
				ok = got == n && memcmp(p, payload, (size_t)n) == 0;
			}
		}
		CHECK(ok, "UDP echo of %d bytes", n);
	}
	CHECK_EQ(nc_drain(b), 0);		/* the ICMP client saw no UDP */
	nc_ping(b, 1, 1, 1000);
	CHECK_EQ(nc_drain(c), 0);		/* the UDP client saw no ICMP */
}

/* One UDP request to the host service and its answer through c. */
static int host_call(mach_port_t c, uint8_t kind, uint8_t *answer, int *got)
{
	struct nc_frame f;
	nc_send(buf, nc_udp(buf, 40100, echo_port, &kind, 1), 1);
	uint64_t end = nc_now_ns() + 1000000000ull;
	while (nc_now_ns() < end) {
		const uint8_t *p;
		if (!nc_recv(c, 200, &f))
			continue;
		int n = nc_udp_payload(&f, echo_port, 40100, &p);
		if (n > 0 && n <= 64 && p[0] == kind) {
			memcpy(answer, p, (size_t)n);
			*got = n;
			return 1;
		}
	}
	return 0;
}

/* 2000 datagrams with 64 writes in flight (device_request.defs): more
 * than the ring and the backlog hold, so writes wait for buffers; every
 * write is answered and every datagram reaches the host. */
static void tx_burst(mach_port_t c)
{
	enum { FRAMES = 2000, DEPTH = 64 };
	uint8_t answer[64], msg[64] = { 'F' };
	int got = 0;
	CHECK(host_call(c, 'C', answer, &got), "no answer from the host service");
	struct net_stats before = stats();
	mach_port_t replies = nc_port();
	mach_port_set_qlimit(smrt_task_port(), replies, 1024);
	struct { mach_msg_header_t h; char body[64]; } reply;
	int len = nc_udp(buf, 40100, echo_port, msg, sizeof msg), out = 0, answered = 0, refused = 0;
	for (int i = 0; i < FRAMES; i++) {
		while (out >= DEPTH && mach_msg(&reply.h, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof reply, replies,
						2000, 0) == MACH_MSG_SUCCESS)
			out--, answered++;
		if (out >= DEPTH)
			break;		/* a write never answered: the check below says so */
		if (device_write_request_inband(nc_dev, replies, D_NOWAIT, 0, (const char *)buf,
						(mach_msg_type_number_t)len) == KERN_SUCCESS)
			out++;
		else
			refused++;
	}
	CHECK_EQ(refused, 0);
	while (out && mach_msg(&reply.h, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof reply, replies, 2000, 0) ==
		      MACH_MSG_SUCCESS)
		out--, answered++;
	CHECK_EQ(answered, FRAMES);
	smrt_sleep_ms(200);
	uint32_t counted = 0;
	CHECK(host_call(c, 'C', answer, &got) && got == 5, "no count from the host service");
	memcpy(&counted, answer + 1, 4);
	CHECK_EQ(counted, FRAMES);
	struct net_stats after = stats();
	printf("test-net: %d datagrams with %d writes in flight: %u counted by the host, %u writes waited "
	       "(at most %u at once), backlog at most %u\n", FRAMES, DEPTH, counted,
	       after.tx_deferred - before.tx_deferred, after.tx_waiting_hwm, after.tx_backlog_hwm);
	CHECK_EQ(after.tx_dropped, 0);
	mach_port_mod_refs(smrt_task_port(), replies, MACH_PORT_RIGHT_RECEIVE, -1);
}

static void priorities(mach_port_t b)
{
	mach_port_t h = nc_port();
	CHECK_EQ(nc_filter(h, NET_HI_PRI, nc_netf_all, 3), D_SUCCESS);
	CHECK_EQ(nc_ping(b, 7, 1, 300), 0);		/* H keeps it from B */
	struct nc_frame f;
	int seen = 0;
	while (nc_recv(h, 100, &f))
		seen += nc_is_echo_reply(&f, 7, 1);
	CHECK_EQ(seen, 1);
	struct net_stats before = stats();
	mach_port_mod_refs(smrt_task_port(), h, MACH_PORT_RIGHT_RECEIVE, -1);
	int ok = 0;
	for (int i = 0; i < 5 && !ok; i++)	/* H's death removed its filter */
		ok = nc_ping(b, 7, (uint16_t)(2 + i), 500) != 0;
	CHECK(ok, "B gets replies again once H is gone");
	struct net_stats after = stats();
	CHECK_EQ(after.filters_pruned - before.filters_pruned, 1);
	CHECK_EQ(after.filters, before.filters - 1);
}

/* Waits (up to 2 s) until the interface has `n` filters; 1 if it came. */
static int wait_filters(unsigned n)
{
	for (int i = 0; i < 200; i++) {
		if (stats().filters == n)
			return 1;
		smrt_sleep_ms(10);
	}
	return 0;
}

/* A dead client's filter goes when its port dies (the kernel's dead-name
 * notification), not when a frame it accepts finds the port gone: this one
 * accepts nothing. */
static void dead_port_pruned(void)
{
	static const filter_t nothing[] = { NETF_IN, NETF_PUSHZERO };
	struct net_stats before = stats();
	mach_port_t p = nc_port();
	CHECK_EQ(nc_filter(p, 0, nothing, 2), D_SUCCESS);
	CHECK_EQ(stats().filters, before.filters + 1);
	mach_port_mod_refs(smrt_task_port(), p, MACH_PORT_RIGHT_RECEIVE, -1);
	CHECK(wait_filters(before.filters), "the dead port's filter is still there");
	CHECK_EQ(stats().filters_pruned - before.filters_pruned, 1);
}

/* NETF_OUT: O (NETF_OUT, all) gets each frame a client writes, as written
 * (a 43-byte one unpadded), and no received one; IO (NETF_IN | NETF_OUT)
 * both directions; OI (NETF_OUT, BPF for ICMP) the written echo request
 * alone. */
static void outgoing(mach_port_t b, mach_port_t c)
{
	static const filter_t out_all[] = { NETF_OUT, NETF_PUSHLIT | NETF_NOP, 1 };
	static const filter_t both_all[] = { NETF_IN | NETF_OUT, NETF_PUSHLIT | NETF_NOP, 1 };
	filter_t icmp_out[NET_MAX_FILTER];
	unsigned n = nc_bpf_ip_proto(icmp_out, NC_PROTO_ICMP);
	icmp_out[0] = NETF_OUT | NETF_BPF;
	mach_port_t o = nc_port(), io = nc_port(), oi = nc_port();
	CHECK_EQ(nc_filter(o, 0, out_all, 3), D_SUCCESS);
	CHECK_EQ(nc_filter(io, 0, both_all, 3), D_SUCCESS);
	CHECK_EQ(nc_filter(oi, 0, icmp_out, n), D_SUCCESS);
	nc_drain(c);
	struct net_stats before = stats();
	struct nc_frame f;
	static uint8_t frame[64];
	int len = nc_udp(frame, 40300, echo_port, "E", 1), echoed = 0;	/* "E": echo it */
	CHECK_EQ(nc_send(frame, len, 1), D_SUCCESS);
	CHECK(nc_recv(o, 1000, &f) && f.len == len && memcmp(f.data, frame, (size_t)len) == 0,
	      "the written frame, as written, through NETF_OUT");
	for (int i = 0; i < 10 && !echoed; i++) {		/* the host's echo, received */
		const uint8_t *p;
		echoed = nc_recv(c, 200, &f) && nc_udp_payload(&f, echo_port, 40300, &p) == 1;
	}
	CHECK(echoed, "no echo of the datagram");
	CHECK(nc_ping(b, 13, 1, 1000) != 0, "no echo reply with NETF_OUT filters set");
	int mine = 0, theirs = 0;
	while (nc_recv(io, 100, &f)) {
		mine += memcmp(f.data + 6, nc_mac, 6) == 0;
		theirs += memcmp(f.data, nc_mac, 6) == 0;
	}
	CHECK(mine == 2 && theirs >= 2, "NETF_IN | NETF_OUT: %d written, %d received", mine, theirs);
	CHECK(nc_recv(o, 100, &f) && f.data[14 + 20] == 8, "the written echo request through NETF_OUT");
	CHECK_EQ(nc_drain(o), 0);				/* no received frame */
	CHECK(nc_recv(oi, 100, &f) && f.data[14 + 20] == 8, "the echo request through NETF_OUT BPF");
	CHECK_EQ(nc_drain(oi), 0);				/* neither the UDP nor the reply */
	CHECK_EQ(stats().tx_filtered - before.tx_filtered, 5);
	nc_drain(b);
	nc_drain(c);
	unsigned left = stats().filters - 3;
	mach_port_mod_refs(smrt_task_port(), o, MACH_PORT_RIGHT_RECEIVE, -1);
	mach_port_mod_refs(smrt_task_port(), io, MACH_PORT_RIGHT_RECEIVE, -1);
	mach_port_mod_refs(smrt_task_port(), oi, MACH_PORT_RIGHT_RECEIVE, -1);
	CHECK(wait_filters(left), "the NETF_OUT filters outlive their ports");
}

static void bad_inputs(void)
{
	static const filter_t bad_op[] = { NETF_IN, NETF_PUSHLIT | (20 << NETF_NBPA), 1 };
	static const filter_t underflow[] = { NETF_IN, NETF_PUSHLIT | NETF_EQ, 1 };
	static const filter_t no_literal[] = { NETF_IN, NETF_PUSHLIT };
	static const filter_t bad_push[] = { NETF_IN, 7 };
	static const filter_t bpf_jump[] = { NETF_IN | NETF_BPF, 0, 0, 0,
		BPF_JMP | BPF_JEQ | BPF_K, 5, 0, 0,  BPF_RET | BPF_K, 0, 1, 0 };
	static const filter_t bpf_op[] = { NETF_IN | NETF_BPF, 0, 0, 0,  0xe7, 0, 0, 0,  BPF_RET | BPF_K, 0, 1, 0 };
	static const filter_t bpf_noret[] = { NETF_IN | NETF_BPF, 0, 0, 0,  BPF_LD | BPF_W | BPF_LEN, 0, 0, 0 };
	static const filter_t bpf_partial[] = { NETF_IN | NETF_BPF, 0, 0, 0,  BPF_RET | BPF_K, 0 };
	mach_port_t p = nc_port();
	CHECK_EQ(nc_filter(p, 0, bad_op, 3), D_INVALID_OPERATION);
	CHECK_EQ(nc_filter(p, 0, underflow, 3), D_INVALID_OPERATION);
	CHECK_EQ(nc_filter(p, 0, no_literal, 2), D_INVALID_OPERATION);
	CHECK_EQ(nc_filter(p, 0, bad_push, 2), D_INVALID_OPERATION);
	CHECK_EQ(nc_filter(p, 0, bpf_jump, 12), D_INVALID_OPERATION);
	CHECK_EQ(nc_filter(p, 0, bpf_op, 12), D_INVALID_OPERATION);
	CHECK_EQ(nc_filter(p, 0, bpf_noret, 8), D_INVALID_OPERATION);
	CHECK_EQ(nc_filter(p, 0, bpf_partial, 6), D_INVALID_OPERATION);
	CHECK_EQ(nc_filter(p, 0, nc_netf_all, 0), D_INVALID_OPERATION);
	CHECK_EQ(nc_filter(p, 256, nc_netf_all, 3), D_INVALID_OPERATION);
	CHECK_EQ(device_set_filter(nc_dev, MACH_PORT_NULL, MACH_MSG_TYPE_MAKE_SEND, 0, (filter_array_t)nc_netf_all, 3),
		 D_INVALID_OPERATION);
	static filter_t big[NET_MAX_FILTER + 1];
	big[0] = NETF_IN;
	CHECK(nc_filter(p, 0, big, NET_MAX_FILTER + 1) != D_SUCCESS, "a filter of %d words", NET_MAX_FILTER + 1);
	mach_port_mod_refs(smrt_task_port(), p, MACH_PORT_RIGHT_RECEIVE, -1);

	struct net_stats before = stats();
	int written = 0;
	CHECK_EQ(device_write_inband(nc_dev, D_NOWAIT, 0, (const char *)buf, 0, &written), D_INVALID_SIZE);
	CHECK_EQ(device_write(nc_dev, D_NOWAIT, 0, (io_buf_ptr_t)buf, 0, &written), D_INVALID_SIZE);
	CHECK_EQ(device_write_inband(nc_dev, D_NOWAIT, 0, (const char *)buf, 10, &written), D_INVALID_SIZE);
	CHECK_EQ(device_write(nc_dev, D_NOWAIT, 0, (io_buf_ptr_t)buf, (mach_msg_type_number_t)mtu + 15, &written),
		 D_INVALID_SIZE);
	CHECK_EQ(stats().tx_oversize - before.tx_oversize, 4);
	/* A short frame is padded, not refused. */
	CHECK_EQ(nc_send(buf, nc_arp_request(buf, NC_IP_GATEWAY), 1), D_SUCCESS);

	int st[NET_STATUS_COUNT + 1];
	mach_msg_type_number_t n = 3;
	CHECK_EQ(device_get_status(nc_dev, NET_STATUS, st, &n), D_INVALID_SIZE);
	n = NET_STATUS_COUNT;
	CHECK_EQ(device_get_status(nc_dev, 0x7fff1234, st, &n), D_INVALID_OPERATION);
	n = NET_STATUS_COUNT;
	CHECK_EQ(device_get_status(nc_dev, 0xffffffffu, st, &n), D_INVALID_OPERATION);
	CHECK_EQ(device_set_status(nc_dev, 0x7fff1234, st, 1), D_INVALID_OPERATION);
	CHECK_EQ(device_set_status(nc_dev, NET_FLAGS, st, 2), D_INVALID_SIZE);
	io_buf_ptr_t data = 0;
	mach_msg_type_number_t got = 0;
	CHECK_EQ(device_read(nc_dev, 0, 0, 64, &data, &got), D_INVALID_OPERATION);

	mach_port_t other, none;
	CHECK_EQ(device_open(NC_MASTER, D_READ | D_WRITE, "eth9", &none), D_NO_SUCH_DEVICE);
	CHECK_EQ(device_open(NC_MASTER, D_READ | D_WRITE, "eth0", &other), D_SUCCESS);
	CHECK_EQ(device_close(other), D_SUCCESS);
	CHECK_EQ(device_write(other, D_NOWAIT, 0, (io_buf_ptr_t)buf, 60, &written), D_NO_SUCH_DEVICE);
	CHECK_EQ(device_write_inband(other, D_NOWAIT, 0, (const char *)buf, 60, &written), D_NO_SUCH_DEVICE);
	CHECK_EQ(nc_filter(nc_port(), 0, nc_netf_all, 3) , D_SUCCESS);	/* still fine on the open one */
	mach_port_deallocate(smrt_task_port(), other);
}

/* NET_FLAGS through the control queue. */
static void receive_modes(void)
{
	struct net_stats before = stats();
	int flags = NET_IFF_PROMISC | NET_IFF_ALLMULTI;
	CHECK_EQ(device_set_status(nc_dev, NET_FLAGS, &flags, 1), D_SUCCESS);
	CHECK(net_flags() & NET_IFF_PROMISC, "flags %x", net_flags());
	flags = 0;
	CHECK_EQ(device_set_status(nc_dev, NET_FLAGS, &flags, 1), D_SUCCESS);
	CHECK(!(net_flags() & NET_IFF_PROMISC), "flags %x", net_flags());
	struct net_stats after = stats();
	CHECK_EQ(after.ctrl_commands - before.ctrl_commands, 4);
	CHECK_EQ(after.ctrl_failures, 0);
}

static int wait_link(int up)
{
	for (int i = 0; i < 100; i++) {
		int f = net_flags();
		if (f >= 0 && !!(f & NET_IFF_RUNNING) == up)
			return 1;
		smrt_sleep_ms(50);
	}
	return 0;
}

static void link_down_up(mach_port_t b)
{
	struct net_stats before = stats();
	printf("net-host: link down\n");
	CHECK(wait_link(0), "the link never went down");
	CHECK_EQ(nc_ping(b, 9, 1, 300), 0);
	for (int i = 0; i < 50; i++)		/* writes on a down link neither fail nor stall */
		CHECK_EQ(nc_send(buf, nc_icmp_echo(buf, 9, (uint16_t)(100 + i), 56), 1), D_SUCCESS);
	printf("net-host: link up\n");
	CHECK(wait_link(1), "the link never came back");
	int ok = 0;
	for (int i = 0; i < 10 && !ok; i++)
		ok = nc_ping(b, 9, (uint16_t)(2 + i), 500) != 0;
	CHECK(ok, "no echo after the link came back");
	CHECK_EQ(stats().link_changes - before.link_changes, 2);
	nc_drain(b);
}

/* Filters are bounded (64 on an interface): one more is D_NO_MEMORY; the
 * ports' deaths remove them. */
static void filter_limit(mach_port_t b)
{
	enum { MANY = 70 };
	static mach_port_t ports[MANY];
	int set = 0, refused = 0;
	unsigned before = stats().filters;
	for (int i = 0; i < MANY; i++) {
		ports[i] = nc_port();
		kern_return_t kr = nc_filter(ports[i], 0, nc_netf_all, 3);
		set += kr == D_SUCCESS;
		refused += kr == D_NO_MEMORY;
	}
	CHECK(set > 0 && set < MANY && refused == MANY - set, "%d filters set, %d refused", set, refused);
	for (int i = 0; i < MANY; i++)
		mach_port_mod_refs(smrt_task_port(), ports[i], MACH_PORT_RIGHT_RECEIVE, -1);
	CHECK(wait_filters(before), "%u filters left after their ports died (%u before)", stats().filters, before);
	CHECK(nc_ping(b, 11, 1, 1000) != 0, "no echo after the filters went");
}

int main(int argc, char **argv)
{
	echo_port = (uint16_t)nc_number(nc_arg(argc, argv, "port"), 0);
	mtu = (int)nc_number(nc_arg(argc, argv, "mtu"), 1500);
	CHECK_EQ(nc_open(), D_SUCCESS);
	if (guest_failed)
		return guest_summary("test-net");
	status();
	clock_makes_no_call();
	struct net_stats s0 = stats();
	CHECK_EQ(s0.modern, nc_arg(argc, argv, "legacy") ? 0 : 1);
	CHECK_EQ(s0.queue_size_rx, nc_number(nc_arg(argc, argv, "queue"), 256));
	printf("test-net: eth0 %s, queues %u/%u\n", s0.modern ? "modern" : "legacy", s0.queue_size_rx,
	       s0.queue_size_tx);

	mach_port_t a = nc_port(), b = nc_port(), c = nc_port(), p = nc_port();
	filter_t words[NET_MAX_FILTER];
	CHECK_EQ(nc_filter(a, 0, nc_netf_all, 3), D_SUCCESS);
	CHECK(nc_resolve_gateway(a), "no ARP reply from 10.0.2.2");
	nc_drain(a);
	CHECK_EQ(nc_filter(b, 0, words, nc_bpf_ip_proto(words, NC_PROTO_ICMP)), D_SUCCESS);
	CHECK_EQ(nc_filter(c, 0, words, nc_netf_udp(words)), D_SUCCESS);
	CHECK_EQ(nc_filter(p, 0, nc_bpf_pfinet, 28), D_SUCCESS);
	CHECK(nc_resolve_gateway(p), "no ARP reply through pfinet's filter");
	CHECK(nc_ping(p, 3, 3, 1000) != 0, "no echo reply through pfinet's filter");
	nc_drain(b);
	mach_port_mod_refs(smrt_task_port(), p, MACH_PORT_RIGHT_RECEIVE, -1);

	pings(b, a);
	udp_echo(c, b);
	tx_burst(c);
	nc_drain(a);
	priorities(b);
	dead_port_pruned();
	outgoing(b, c);
	bad_inputs();
	receive_modes();
	if (nc_arg(argc, argv, "link"))
		link_down_up(b);
	filter_limit(b);
	struct net_stats s = stats();
	printf("test-net: rx %u frames (%u delivered, %u to a full queue, %u matched no filter, %u bad), "
	       "tx %u frames (%u deferred, %u dropped, backlog at most %u), %u interrupts, %u refills, %u reclaimed, "
	       "%u errors\n", s.rx_frames, s.rx_delivered, s.rx_queue_full, s.rx_no_filter, s.rx_bad,
	       s.tx_frames, s.tx_deferred, s.tx_dropped, s.tx_backlog_hwm, s.interrupts, s.rx_refills, s.tx_reclaimed, s.errors);
	CHECK_EQ(s.tx_dropped, 0);
	CHECK_EQ(s.rx_bad, 0);
	return guest_summary("test-net");
}
