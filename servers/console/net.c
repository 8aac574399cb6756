/* Network commands: ping and arp as a client of eth0 through GNU Mach's
 * network device interface: device_open "eth0", device_get_status
 * NET_ADDRESS (the MAC), device_set_filter with a port of ours and a filter
 * that takes every frame, device_write of whole Ethernet frames, and frames
 * back as net_rcv_msg (the Ethernet header, then a packet_header and the
 * payload). The console speaks ARP (RFC 826) and ICMP echo (RFC 792) over
 * IPv4 (RFC 791) itself, as 10.0.2.15, QEMU user networking's address for
 * the guest; every address outside 10.0.2.0/24 is reached through the
 * gateway 10.0.2.2. Its ARP table lives as long as the console. */
#include "shell.h"
#include <device/device_types.h>
#include <device/net_status.h>
#include <sm/inet_checksum.h>
#include "device.h"
#include "mach.h"

#define NET_DEVICE	"eth0"
#define ETHERTYPE_IP	0x0800
#define ETHERTYPE_ARP	0x0806
#define ARP_ENTRIES	8
#define PING_PAYLOAD	56

static const uint8_t my_ip[4] = { 10, 0, 2, 15 }, gateway[4] = { 10, 0, 2, 2 };

/* A frame as GNU Mach delivers it: <device/net_status.h>'s net_rcv_msg,
 * with its packet's header and payload named. */
struct net_rcv {
	mach_msg_header_t head;
	mach_msg_type_t header_type;
	uint8_t header[NET_HDW_HDR_MAX];        /* the Ethernet header */
	mach_msg_type_t packet_type;
	struct packet_header ph;                /* length counts these 4 bytes */
	uint8_t data[NET_RCV_MAX - sizeof(struct packet_header)];
	boolean_t sent;
};
_Static_assert(sizeof(struct net_rcv) == sizeof(struct net_rcv_msg), "net_rcv is net_rcv_msg");

struct net {
	mach_port_t dev, port;
	uint8_t mac[6];
};

static struct { uint8_t ip[4], mac[6]; bool used; } arp_table[ARP_ENTRIES];

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }

static void net_close(struct net *n)
{
	if (n->port)
		mach_port_destroy(smrt_task_port(), n->port);
	device_close(n->dev);
	mach_port_deallocate(smrt_task_port(), n->dev);
}

/* Open eth0, learn its MAC and ask for its frames, or say why not. */
static bool net_open(const char *cmd, struct net *n)
{
	memset(n, 0, sizeof *n);
	kern_return_t kr = device_open(DEVICE_MASTER, D_READ | D_WRITE, NET_DEVICE, &n->dev);
	if (kr == D_NO_SUCH_DEVICE) {
		printf("%s: no network device (%s is not registered: no net server is running)\n", cmd, NET_DEVICE);
		return false;
	}
	if (kr != D_SUCCESS) {
		printf("%s: %s: %s\n", cmd, NET_DEVICE, kr_name(kr));
		return false;
	}
	int words[2] = { 0, 0 };
	mach_msg_type_number_t count = 2;
	kr = device_get_status(n->dev, NET_ADDRESS, words, &count);
	if (kr == D_SUCCESS && count >= 2) {
		for (int i = 0; i < 6; i++)             /* each int holds bytes in network order */
			n->mac[i] = (uint8_t)((uint32_t)words[i / 4] >> (24 - 8 * (i % 4)));
		kr = mach_port_allocate(smrt_task_port(), MACH_PORT_RIGHT_RECEIVE, &n->port);
	}
	if (kr == KERN_SUCCESS) {
		filter_t accept_all[3] = { NETF_IN, NETF_PUSHLIT, 1 };   /* pfinet's */
		kr = device_set_filter(n->dev, n->port, MACH_MSG_TYPE_MAKE_SEND, 0, accept_all, 3);
	}
	if (kr != KERN_SUCCESS) {
		printf("%s: %s: %s\n", cmd, NET_DEVICE, kr_name(kr));
		net_close(n);
		return false;
	}
	return true;
}

static bool send_frame(struct net *n, const uint8_t dst[6], uint16_t type, const uint8_t *payload, unsigned len)
{
	uint8_t frame[14 + 1500];
	if (len > 1500)
		return false;
	memcpy(frame, dst, 6);
	memcpy(frame + 6, n->mac, 6);
	put16(frame + 12, type);
	memcpy(frame + 14, payload, len);
	unsigned total = 14 + len < 60 ? 60 : 14 + len;   /* Ethernet's minimum frame */
	if (total > 14 + len)
		memset(frame + 14 + len, 0, total - 14 - len);
	int written = 0;
	return device_write(n->dev, 0, 0, (io_buf_ptr_t)frame, total, &written) == D_SUCCESS;
}

/* The next frame within ms (false on timeout or Ctrl-C); *type and
 * *payload, *len from it. Frames a device sends malformed are skipped. */
static bool receive_frame(struct net *n, struct net_rcv *m, unsigned ms, uint16_t *type, const uint8_t **payload,
			  unsigned *len, bool *interrupted)
{
	for (unsigned waited = 0; waited < ms; waited += 50) {
		kern_return_t kr = mach_msg(&m->head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof *m, n->port, 50,
					    MACH_PORT_NULL);
		if (kr == MACH_MSG_SUCCESS && m->head.msgh_id == NET_RCV_MSG_ID &&
		    m->head.msgh_size >= offsetof(struct net_rcv, data) && m->ph.length >= 4 &&
		    m->ph.length - 4u <= m->head.msgh_size - offsetof(struct net_rcv, data)) {
			*type = be16(m->header + 12);
			*payload = m->data;
			*len = m->ph.length - 4u;
			return true;
		}
		if (term_interrupted()) {
			*interrupted = true;
			return false;
		}
	}
	return false;
}

static void arp_learn(const uint8_t ip[4], const uint8_t mac[6])
{
	int slot = -1;
	for (int i = 0; i < ARP_ENTRIES && slot < 0; i++)
		if (!arp_table[i].used || memcmp(arp_table[i].ip, ip, 4) == 0)
			slot = i;
	if (slot < 0)
		slot = 0;
	memcpy(arp_table[slot].ip, ip, 4);
	memcpy(arp_table[slot].mac, mac, 6);
	arp_table[slot].used = true;
}

/* The MAC for ip (on the local net; else the gateway's), asking by ARP. */
static bool arp_resolve(struct net *n, const uint8_t ip[4], uint8_t mac[6], bool *interrupted)
{
	const uint8_t *hop = (ip[0] == 10 && ip[1] == 0 && ip[2] == 2) ? ip : gateway;
	static const uint8_t broadcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	for (int attempt = 0; attempt < 3; attempt++) {
		for (int i = 0; i < ARP_ENTRIES; i++)
			if (arp_table[i].used && memcmp(arp_table[i].ip, hop, 4) == 0) {
				memcpy(mac, arp_table[i].mac, 6);
				return true;
			}
		uint8_t req[28] = { 0, 1, 8, 0, 6, 4, 0, 1 };   /* Ethernet, IPv4, request */
		memcpy(req + 8, n->mac, 6);
		memcpy(req + 14, my_ip, 4);
		memcpy(req + 24, hop, 4);
		if (!send_frame(n, broadcast, ETHERTYPE_ARP, req, sizeof req))
			return false;
		static struct net_rcv m;
		uint16_t type;
		const uint8_t *p;
		unsigned len;
		while (receive_frame(n, &m, 500, &type, &p, &len, interrupted))
			if (type == ETHERTYPE_ARP && len >= 28 && be16(p + 6) == 2 && memcmp(p + 14, hop, 4) == 0) {
				arp_learn(p + 14, p + 8);
				break;
			}
		if (*interrupted)
			return false;
	}
	for (int i = 0; i < ARP_ENTRIES; i++)
		if (arp_table[i].used && memcmp(arp_table[i].ip, hop, 4) == 0) {
			memcpy(mac, arp_table[i].mac, 6);
			return true;
		}
	return false;
}

static bool parse_ip(const char *s, uint8_t ip[4])
{
	for (int i = 0; i < 4; i++) {
		uint32_t v = 0;
		int digits = 0;
		for (; *s >= '0' && *s <= '9' && digits < 4; s++, digits++)
			v = v * 10 + (uint32_t)(*s - '0');
		if (digits == 0 || v > 255 || (i < 3 && *s++ != '.'))
			return false;
		ip[i] = (uint8_t)v;
	}
	return *s == '\0';
}

/* One echo request and its reply: the round trip in ns, 0 when lost. */
static uint64_t echo(struct net *n, const uint8_t mac[6], const uint8_t ip[4], uint16_t seq, bool *interrupted)
{
	uint8_t pkt[20 + 8 + PING_PAYLOAD] = { 0x45, 0 };
	put16(pkt + 2, sizeof pkt);
	put16(pkt + 4, seq);
	pkt[8] = 64;                                       /* TTL */
	pkt[9] = 1;                                        /* ICMP */
	memcpy(pkt + 12, my_ip, 4);
	memcpy(pkt + 16, ip, 4);
	put16(pkt + 10, sm_inet_checksum(pkt, 20));
	uint8_t *icmp = pkt + 20;
	icmp[0] = 8;                                       /* echo request */
	put16(icmp + 4, 0x5343);                           /* identifier */
	put16(icmp + 6, seq);
	for (int i = 0; i < PING_PAYLOAD; i++)
		icmp[8 + i] = (uint8_t)i;
	put16(icmp + 2, sm_inet_checksum(icmp, 8 + PING_PAYLOAD));
	uint64_t start = uptime_ns();
	if (!send_frame(n, mac, ETHERTYPE_IP, pkt, sizeof pkt))
		return 0;
	static struct net_rcv m;
	uint16_t type;
	const uint8_t *p;
	unsigned len;
	while (receive_frame(n, &m, 1000, &type, &p, &len, interrupted)) {
		if (type == ETHERTYPE_ARP && len >= 28 && be16(p + 6) == 2)
			arp_learn(p + 14, p + 8);
		unsigned ihl = len >= 20 ? (p[0] & 0xf) * 4u : 0;
		if (type != ETHERTYPE_IP || ihl < 20 || len < ihl + 8 || p[9] != 1 || memcmp(p + 12, ip, 4) != 0)
			continue;
		const uint8_t *r = p + ihl;
		if (r[0] == 0 && be16(r + 4) == 0x5343 && be16(r + 6) == seq)
			return uptime_ns() - start;
	}
	return 0;
}

/* count echoes to ip, a line each unless quiet; false if none could be sent. */
static bool ping_run(const char *cmd, const uint8_t ip[4], uint32_t count, bool quiet, uint64_t rtt[3],
		     uint32_t *received)
{
	struct net n;
	if (!net_open(cmd, &n))
		return false;
	bool interrupted = false;
	uint8_t mac[6];
	bool ok = arp_resolve(&n, ip, mac, &interrupted);
	if (!ok && !interrupted)
		printf("%s: no ARP answer for the next hop of %u.%u.%u.%u\n", cmd, ip[0], ip[1], ip[2], ip[3]);
	*received = 0;
	rtt[0] = ~0ull, rtt[1] = rtt[2] = 0;
	for (uint32_t seq = 1; ok && seq <= count && !interrupted; seq++) {
		uint64_t ns = echo(&n, mac, ip, (uint16_t)seq, &interrupted);
		if (ns) {
			(*received)++;
			rtt[0] = ns < rtt[0] ? ns : rtt[0];
			rtt[1] += ns;
			rtt[2] = ns > rtt[2] ? ns : rtt[2];
		}
		if (!quiet && !interrupted)
			printf(ns ? "%u bytes from %u.%u.%u.%u: icmp_seq=%u time=%llu us\n" : "icmp_seq=%u lost\n",
			       ns ? 8 + PING_PAYLOAD : seq, ip[0], ip[1], ip[2], ip[3], seq,
			       (unsigned long long)(ns / 1000));
		else if (quiet)
			printf(".");
		term_flush();
	}
	net_close(&n);
	if (interrupted)
		printf("%s: stopped\n", cmd);
	return ok && !interrupted;
}

int cmd_ping(int argc, char **argv)
{
	uint8_t ip[4];
	uint32_t count = 4, received;
	if (argc < 2 || argc > 3 || !parse_ip(argv[1], ip) ||
	    (argc == 3 && (!parse_number(argv[2], &count) || count == 0 || count > 100))) {
		printf("ping: usage: ping <a.b.c.d> [count 1-100]\n");
		return 1;
	}
	uint64_t rtt[3];
	if (!ping_run("ping", ip, count, false, rtt, &received))
		return 1;
	printf("%u sent, %u received", count, received);
	if (received)
		printf(", rtt min/avg/max %llu/%llu/%llu us", (unsigned long long)(rtt[0] / 1000),
		       (unsigned long long)(rtt[1] / received / 1000), (unsigned long long)(rtt[2] / 1000));
	printf("\n");
	return received ? 0 : 1;
}

int cmd_arp(int argc, char **argv)
{
	if (argc != 1) {
		printf("arp: takes no arguments\n");
		return 1;
	}
	struct net n;
	if (!net_open("arp", &n))
		return 1;
	bool interrupted = false;
	uint8_t mac[6];
	arp_resolve(&n, gateway, mac, &interrupted);        /* the gateway at least */
	printf("this host %u.%u.%u.%u at %02x:%02x:%02x:%02x:%02x:%02x\n", my_ip[0], my_ip[1], my_ip[2], my_ip[3],
	       n.mac[0], n.mac[1], n.mac[2], n.mac[3], n.mac[4], n.mac[5]);
	net_close(&n);
	for (int i = 0; i < ARP_ENTRIES; i++)
		if (arp_table[i].used)
			printf("%u.%u.%u.%u at %02x:%02x:%02x:%02x:%02x:%02x\n", arp_table[i].ip[0], arp_table[i].ip[1],
			       arp_table[i].ip[2], arp_table[i].ip[3], arp_table[i].mac[0], arp_table[i].mac[1],
			       arp_table[i].mac[2], arp_table[i].mac[3], arp_table[i].mac[4], arp_table[i].mac[5]);
	return 0;
}

int net_bench(void)
{
	uint64_t rtt[3];
	uint32_t received;
	printf("  %-22s ", "ICMP echo to 10.0.2.2");
	if (!ping_run("bench", gateway, 20, true, rtt, &received))
		return 1;
	printf("\nbench net (short form):\n  %-22s %8s %10s %10s %10s\n", "test", "echoes", "min us", "avg us",
	       "max us");
	if (received)
		printf("  %-22s %8u %10llu %10llu %10llu\n", "ICMP echo to 10.0.2.2", received,
		       (unsigned long long)(rtt[0] / 1000), (unsigned long long)(rtt[1] / received / 1000),
		       (unsigned long long)(rtt[2] / 1000));
	else
		printf("  no echo came back\n");
	return received ? 0 : 1;
}
