/* netclient.c - see netclient.h. */
#include "netclient.h"
#include <sm/runtime.h>
#include <sm/traps.h>
#include <sm/inet_checksum.h>
#include <string.h>
#include <mach/message.h>
#include <mach/mig_errors.h>
#include "smhost.h"
#include "mach.h"
#include "device.h"

mach_port_t nc_dev;
uint8_t nc_mac[6], nc_gw_mac[6];

uint16_t nc_htons(uint16_t v) { return (uint16_t)(v << 8 | v >> 8); }
uint32_t nc_htonl(uint32_t v)
{
	return v << 24 | (v & 0xff00) << 8 | (v >> 8 & 0xff00) | v >> 24;
}

kern_return_t nc_open(void)
{
	return nc_open_name("eth0");
}

kern_return_t nc_open_name(const char *name)
{
	kern_return_t kr = D_NO_SUCH_DEVICE;
	for (int i = 0; i < 200 && kr == D_NO_SUCH_DEVICE; i++)
		if ((kr = device_open(NC_MASTER, D_READ | D_WRITE, (char *)name, &nc_dev)) == D_NO_SUCH_DEVICE)
			smrt_sleep_ms(50);	/* the server is still starting */
	if (kr != D_SUCCESS)
		return kr;
	int words[2];
	mach_msg_type_number_t n = 2;
	kr = device_get_status(nc_dev, NET_ADDRESS, words, &n);
	if (kr == D_SUCCESS) {
		uint32_t w0 = nc_htonl((uint32_t)words[0]), w1 = nc_htonl((uint32_t)words[1]);
		memcpy(nc_mac, &w0, 4);
		memcpy(nc_mac + 4, &w1, 2);
	}
	return kr;
}

mach_port_t nc_port(void)
{
	mach_port_t p = MACH_PORT_NULL;
	mach_port_allocate(smrt_task_port(), MACH_PORT_RIGHT_RECEIVE, &p);
	return p;
}

kern_return_t nc_filter(mach_port_t port, int priority, const filter_t *words, unsigned count)
{
	return device_set_filter(nc_dev, port, MACH_MSG_TYPE_MAKE_SEND, priority, (filter_array_t)words, count);
}

const filter_t nc_netf_all[3] = { NETF_IN, NETF_PUSHLIT | NETF_NOP, 1 };

/* pfinet's filter, as struct bpf_insn words (code, jt | jf << 8, k low, k high). */
#define INSN(code, jt, jf, k) (code), (filter_t)((jt) | (jf) << 8), (filter_t)((k) & 0xffff), (filter_t)((k) >> 16)
const filter_t nc_bpf_pfinet[28] = {
	INSN(NETF_IN | NETF_BPF, 0, 0, 0),
	INSN(BPF_LD | BPF_H | BPF_ABS, 0, 0, 12),
	INSN(BPF_JMP | BPF_JEQ | BPF_K, 2, 0, 0x0806),
	INSN(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 0x0800),
	INSN(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0x86dd),
	INSN(BPF_RET | BPF_K, 0, 0, 1500),
	INSN(BPF_RET | BPF_K, 0, 0, 0),
};

unsigned nc_bpf_ip_proto(filter_t out[NET_MAX_FILTER], uint8_t proto)
{
	const filter_t p[] = {
		INSN(NETF_IN | NETF_BPF, 0, 0, 0),
		INSN(BPF_LD | BPF_H | BPF_ABS, 0, 0, 12),
		INSN(BPF_JMP | BPF_JEQ | BPF_K, 0, 3, 0x0800),
		INSN(BPF_LD | BPF_B | BPF_ABS, 0, 0, 23),
		INSN(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, proto),
		INSN(BPF_RET | BPF_K, 0, 0, 0xffff),
		INSN(BPF_RET | BPF_K, 0, 0, 0),
	};
	memcpy(out, p, sizeof p);
	return sizeof p / sizeof p[0];
}

/* IPv4 UDP: header word 6 (EtherType) == IP, CAND; then payload word 4
 * (TTL, protocol) & 0x00ff in network order == 17. */
unsigned nc_netf_udp(filter_t out[NET_MAX_FILTER])
{
	const filter_t p[] = {
		NETF_IN,
		NETF_PUSHHDR + 6, NETF_PUSHLIT | NETF_CAND, 0x0008,	/* htons(0x0800) on i386 */
		NETF_PUSHWORD + 4, NETF_PUSHLIT | NETF_AND, 0xff00,	/* protocol: the second byte */
		NETF_PUSHLIT | NETF_EQ, 0x1100,
	};
	memcpy(out, p, sizeof p);
	return sizeof p / sizeof p[0];
}

int nc_recv(mach_port_t port, uint32_t timeout_ms, struct nc_frame *f)
{
	static struct net_rcv_msg m;
	mach_msg_return_t mr = mach_msg(&m.msg_hdr, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof m, port,
					timeout_ms, MACH_PORT_NULL);
	if (mr != MACH_MSG_SUCCESS || m.msg_hdr.msgh_id != NET_RCV_MSG_ID)
		return 0;
	int plen = (int)m.packet_type.msgt_number - (int)sizeof(struct packet_header);
	if (plen < 0 || plen + 14 > (int)sizeof f->data)
		return 0;
	memcpy(f->data, m.header, 14);
	memcpy(f->data + 14, m.packet + sizeof(struct packet_header), (size_t)plen);
	f->len = 14 + plen;
	return 1;
}

int nc_drain(mach_port_t port)
{
	struct nc_frame f;
	int n = 0;
	while (nc_recv(port, 0, &f))
		n++;
	return n;
}

kern_return_t nc_send(const void *frame, int len, int inband)
{
	int written = 0;
	if (inband && len <= IO_INBAND_MAX)
		return device_write_inband(nc_dev, D_NOWAIT, 0, (const char *)frame, (mach_msg_type_number_t)len, &written);
	return device_write(nc_dev, D_NOWAIT, 0, (io_buf_ptr_t)frame, (mach_msg_type_number_t)len, &written);
}

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)(v >> 16)); put16(p + 2, (uint16_t)v); }
static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t get32(const uint8_t *p) { return (uint32_t)get16(p) << 16 | get16(p + 2); }

static int ether(uint8_t *buf, const uint8_t *dst, uint16_t type)
{
	memcpy(buf, dst, 6);
	memcpy(buf + 6, nc_mac, 6);
	put16(buf + 12, type);
	return 14;
}

int nc_arp_request(uint8_t *buf, uint32_t target_ip)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint8_t *a = buf + ether(buf, bcast, NC_ETH_ARP);
	put16(a, 1); put16(a + 2, NC_ETH_IP); a[4] = 6; a[5] = 4; put16(a + 6, 1);
	memcpy(a + 8, nc_mac, 6); put32(a + 14, NC_IP_SELF);
	memset(a + 18, 0, 6); put32(a + 24, target_ip);
	return 14 + 28;
}

static int ipv4(uint8_t *ip, uint8_t proto, int payload)
{
	static uint16_t ident;
	ip[0] = 0x45; ip[1] = 0; put16(ip + 2, (uint16_t)(20 + payload)); put16(ip + 4, ident++);
	put16(ip + 6, 0x4000); ip[8] = 64; ip[9] = proto; put16(ip + 10, 0);
	put32(ip + 12, NC_IP_SELF); put32(ip + 16, NC_IP_GATEWAY);
	put16(ip + 10, sm_inet_checksum(ip, 20));
	return 20;
}

int nc_icmp_echo(uint8_t *buf, uint16_t id, uint16_t seq, int payload)
{
	uint8_t *ip = buf + ether(buf, nc_gw_mac, NC_ETH_IP);
	uint8_t *icmp = ip + ipv4(ip, NC_PROTO_ICMP, 8 + payload);
	icmp[0] = 8; icmp[1] = 0; put16(icmp + 2, 0); put16(icmp + 4, id); put16(icmp + 6, seq);
	for (int i = 0; i < payload; i++)
		icmp[8 + i] = (uint8_t)(seq + i);
	put16(icmp + 2, sm_inet_checksum(icmp, 8 + payload));
	return 14 + 20 + 8 + payload;
}

int nc_udp(uint8_t *buf, uint16_t sport, uint16_t dport, const void *payload, int n)
{
	uint8_t *ip = buf + ether(buf, nc_gw_mac, NC_ETH_IP);
	uint8_t *u = ip + ipv4(ip, NC_PROTO_UDP, 8 + n);
	put16(u, sport); put16(u + 2, dport); put16(u + 4, (uint16_t)(8 + n)); put16(u + 6, 0);
	memcpy(u + 8, payload, (size_t)n);
	return 14 + 20 + 8 + n;
}

int nc_is_arp_reply(const struct nc_frame *f, uint32_t from_ip, uint8_t mac[6])
{
	const uint8_t *a = f->data + 14;
	if (f->len < 42 || get16(f->data + 12) != NC_ETH_ARP || get16(a + 6) != 2 || get32(a + 14) != from_ip)
		return 0;
	memcpy(mac, a + 8, 6);
	return 1;
}

static const uint8_t *ip_payload(const struct nc_frame *f, uint8_t proto, int *n)
{
	const uint8_t *ip = f->data + 14;
	if (f->len < 34 || get16(f->data + 12) != NC_ETH_IP || (ip[0] >> 4) != 4 || ip[9] != proto)
		return 0;
	int hl = (ip[0] & 15) * 4, total = get16(ip + 2);
	if (hl < 20 || total < hl || 14 + total > f->len)
		return 0;
	*n = total - hl;
	return ip + hl;
}

int nc_is_echo_reply(const struct nc_frame *f, uint16_t id, uint16_t seq)
{
	int n;
	const uint8_t *icmp = ip_payload(f, NC_PROTO_ICMP, &n);
	return icmp && n >= 8 && icmp[0] == 0 && get16(icmp + 4) == id && get16(icmp + 6) == seq;
}

int nc_udp_payload(const struct nc_frame *f, uint16_t sport, uint16_t dport, const uint8_t **payload)
{
	int n;
	const uint8_t *u = ip_payload(f, NC_PROTO_UDP, &n);
	if (!u || n < 8 || get16(u) != sport || get16(u + 2) != dport || get16(u + 4) > n)
		return -1;
	*payload = u + 8;
	return get16(u + 4) - 8;
}

int nc_resolve_gateway(mach_port_t port)
{
	uint8_t buf[64];
	struct nc_frame f;
	for (int attempt = 0; attempt < 5; attempt++) {
		nc_send(buf, nc_arp_request(buf, NC_IP_GATEWAY), 1);
		uint64_t end = nc_now_ns() + 500000000ull;
		while (nc_now_ns() < end)
			if (nc_recv(port, 100, &f) && nc_is_arp_reply(&f, NC_IP_GATEWAY, nc_gw_mac))
				return 1;
	}
	return 0;
}

uint64_t nc_ping_written_ns;

uint64_t nc_ping(mach_port_t port, uint16_t id, uint16_t seq, uint32_t timeout_ms)
{
	static uint8_t buf[128];
	struct nc_frame f;
	int len = nc_icmp_echo(buf, id, seq, 56);
	uint64_t t0 = nc_now_ns();
	if (nc_send(buf, len, 1) != D_SUCCESS)
		return 0;
	nc_ping_written_ns = nc_now_ns() - t0;
	uint64_t end = t0 + (uint64_t)timeout_ms * 1000000ull;
	for (;;) {
		uint64_t now = nc_now_ns();
		if (now >= end)
			return 0;
		if (!nc_recv(port, (uint32_t)((end - now) / 1000000ull) + 1, &f))
			continue;
		if (nc_is_echo_reply(&f, id, seq))
			return nc_now_ns() - t0 ?: 1;
	}
}
