/* netclient.h - a small client of the GNU Mach network device interface
 * for in-guest tests and benchmarks (test-net, netbench): opens "eth0",
 * sets filters, writes Ethernet frames and receives net_rcv_msg; builds and
 * parses ARP, IPv4 ICMP echo and UDP over QEMU's user network (slirp:
 * the guest is 10.0.2.15, the gateway 10.0.2.2, which also reaches the
 * host's loopback). */
#ifndef TESTS_NETCLIENT_H
#define TESTS_NETCLIENT_H
#include <stdint.h>
#include <mach/port.h>
#include <device/device_types.h>
#include <device/net_status.h>
#include <sm/runtime.h>
#include "vdisk.h"

#define NC_MASTER	2
#define NC_IP_SELF	0x0a00020fu	/* 10.0.2.15 */
#define NC_IP_GATEWAY	0x0a000202u	/* 10.0.2.2 */
#define NC_ETH_ARP	0x0806
#define NC_ETH_IP	0x0800
#define NC_PROTO_ICMP	1
#define NC_PROTO_UDP	17

extern mach_port_t nc_dev;		/* the open of eth0 (or of nc_open_name's device) */
extern uint8_t nc_mac[6], nc_gw_mac[6];	/* its MAC, its gateway's */

/* A received frame, copied out of its net_rcv_msg. */
struct nc_frame {
	int	 len;			/* whole frame, Ethernet header included */
	uint8_t	 data[1600];
};

uint16_t nc_htons(uint16_t v);
uint32_t nc_htonl(uint32_t v);
/* The uptime clock is the runtime's, read from the kernel's time page
 * without a trap (as Linux's vDSO clock_gettime): a round trip is timed
 * without kernel calls of its own.  The test's arguments are
 * tests/lib/vdisk.c's. */
#define nc_now_ns smrt_now_ns
#define nc_arg vd_arg
#define nc_number vd_number

/* Opens eth0 (waiting up to 10 s for the server) and reads its MAC. */
kern_return_t nc_open(void);
/* The same for another interface ("eth1"): nc_dev and nc_mac become its;
 * a client of several keeps each one's and puts them back to switch. */
kern_return_t nc_open_name(const char *name);
/* A new receive right with a filter on it (MAKE_SEND). */
mach_port_t nc_port(void);
kern_return_t nc_filter(mach_port_t port, int priority, const filter_t *words, unsigned count);
/* Filters: NETF accept-all (pfinet's), pfinet's BPF (ARP, IPv4, IPv6), a
 * BPF program taking IPv4 of one protocol, a NETF program taking IPv4 UDP. */
extern const filter_t nc_netf_all[3];
extern const filter_t nc_bpf_pfinet[28];
unsigned nc_bpf_ip_proto(filter_t out[NET_MAX_FILTER], uint8_t proto);
unsigned nc_netf_udp(filter_t out[NET_MAX_FILTER]);

/* Waits up to timeout_ms for a frame on port; 1 if one came. */
int nc_recv(mach_port_t port, uint32_t timeout_ms, struct nc_frame *f);
/* Receives and drops everything queued on port; returns how many. */
int nc_drain(mach_port_t port);
/* device_write (inband when short enough and inband != 0). */
kern_return_t nc_send(const void *frame, int len, int inband);

/* Frames: each returns the frame's length. */
int nc_arp_request(uint8_t *buf, uint32_t target_ip);
int nc_icmp_echo(uint8_t *buf, uint16_t id, uint16_t seq, int payload);
int nc_udp(uint8_t *buf, uint16_t sport, uint16_t dport, const void *payload, int n);
/* Parsers: 1 if f is that reply. */
int nc_is_arp_reply(const struct nc_frame *f, uint32_t from_ip, uint8_t mac[6]);
int nc_is_echo_reply(const struct nc_frame *f, uint16_t id, uint16_t seq);
/* UDP to dport from sport: its payload and length, or -1. */
int nc_udp_payload(const struct nc_frame *f, uint16_t sport, uint16_t dport, const uint8_t **payload);

/* ARP for the gateway through port (which must see ARP); 1 on success. */
int nc_resolve_gateway(mach_port_t port);
/* One echo round trip through port; its time in ns, or 0 if lost.
 * nc_ping_written_ns: the last one's time until its write returned. */
uint64_t nc_ping(mach_port_t port, uint16_t id, uint16_t seq, uint32_t timeout_ms);
extern uint64_t nc_ping_written_ns;
#endif
