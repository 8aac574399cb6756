/* test-net-nics: one virtio-net server driving two NICs (QEMU gives the
 * task the devices at 00:04.0 and 00:05.0, each on a user network of its
 * own, so each has its own 10.0.2.2).  Both eth0 and eth1 open, have
 * different MACs (QEMU's 52:54:00:12:34:56 and :57), resolve their gateway
 * and pass echoes; a frame of one NIC reaches only the filters set on it;
 * one client port with a filter on each interface, once dead, takes both
 * filters with it (one dead-name notification for the name, told to each
 * interface). */
#include "guest-check.h"
#include "netclient.h"
#include <sm/traps.h>
#include <sm/net_stats.h>
#include <string.h>
#include "mach.h"
#include "device.h"

#define PINGS 50

struct nic {
	const char *name;
	mach_port_t dev;
	uint8_t mac[6], gw_mac[6];
	mach_port_t icmp;		/* a port with an ICMP filter on this NIC */
};

static struct nic nics[2] = { { .name = "eth0" }, { .name = "eth1" } };

/* netclient works on one interface at a time: make it this one. */
static void use(struct nic *n)
{
	nc_dev = n->dev;
	memcpy(nc_mac, n->mac, 6);
	memcpy(nc_gw_mac, n->gw_mac, 6);
}

static void keep(struct nic *n)
{
	n->dev = nc_dev;
	memcpy(n->mac, nc_mac, 6);
	memcpy(n->gw_mac, nc_gw_mac, 6);
}

static struct net_stats stats(struct nic *n)
{
	struct net_stats s;
	mach_msg_type_number_t count = NET_STATS_COUNT;
	memset(&s, 0, sizeof s);
	CHECK_EQ(device_get_status(n->dev, NET_GET_STATS, (int *)&s, &count), D_SUCCESS);
	return s;
}

static void bring_up(struct nic *n)
{
	CHECK_EQ(nc_open_name(n->name), D_SUCCESS);
	keep(n);
	int st[NET_STATUS_COUNT];
	mach_msg_type_number_t count = NET_STATUS_COUNT;
	CHECK_EQ(device_get_status(n->dev, NET_STATUS, st, &count), D_SUCCESS);
	CHECK(st[5] & NET_IFF_UP && st[5] & NET_IFF_RUNNING, "%s flags %x", n->name, st[5]);
	mach_port_t arp = nc_port();
	CHECK_EQ(nc_filter(arp, 0, nc_netf_all, 3), D_SUCCESS);
	CHECK(nc_resolve_gateway(arp), "%s: no ARP reply from 10.0.2.2", n->name);
	keep(n);
	mach_port_mod_refs(smrt_task_port(), arp, MACH_PORT_RIGHT_RECEIVE, -1);
	filter_t words[NET_MAX_FILTER];
	n->icmp = nc_port();
	CHECK_EQ(nc_filter(n->icmp, 0, words, nc_bpf_ip_proto(words, NC_PROTO_ICMP)), D_SUCCESS);
	printf("test-net-nics: %s MAC %02x:%02x:%02x:%02x:%02x:%02x\n", n->name, n->mac[0], n->mac[1],
	       n->mac[2], n->mac[3], n->mac[4], n->mac[5]);
}

/* Echoes through n; none may show on the other NIC's ICMP port. */
static void pings(struct nic *n, struct nic *other)
{
	use(n);
	struct net_stats before = stats(n), other_before = stats(other);
	int lost = 0;
	for (int i = 0; i < PINGS; i++)
		lost += nc_ping(n->icmp, 0x5150, (uint16_t)i, 1000) == 0;
	CHECK_EQ(lost, 0);
	CHECK_EQ(nc_drain(other->icmp), 0);
	struct net_stats after = stats(n), other_after = stats(other);
	CHECK(after.tx_frames - before.tx_frames >= PINGS && after.rx_frames - before.rx_frames >= PINGS,
	      "%s: %u frames out, %u in", n->name, after.tx_frames - before.tx_frames,
	      after.rx_frames - before.rx_frames);
	CHECK_EQ(other_after.tx_frames - other_before.tx_frames, 0);
	printf("test-net-nics: %d echoes through %s, %d lost\n", PINGS, n->name, lost);
}

/* One port, a filter on each NIC; its death removes both. */
static void shared_port(void)
{
	static const filter_t nothing[] = { NETF_IN, NETF_PUSHZERO };
	unsigned before0 = stats(&nics[0]).filters, before1 = stats(&nics[1]).filters;
	mach_port_t p = nc_port();
	for (int i = 0; i < 2; i++) {
		use(&nics[i]);
		CHECK_EQ(nc_filter(p, 0, nothing, 2), D_SUCCESS);
	}
	CHECK_EQ(stats(&nics[0]).filters, before0 + 1);
	CHECK_EQ(stats(&nics[1]).filters, before1 + 1);
	mach_port_mod_refs(smrt_task_port(), p, MACH_PORT_RIGHT_RECEIVE, -1);
	int gone = 0;
	for (int i = 0; i < 200 && !gone; i++) {
		gone = stats(&nics[0]).filters == before0 && stats(&nics[1]).filters == before1;
		if (!gone)
			smrt_sleep_ms(10);
	}
	CHECK(gone, "the dead port's filters: %u on eth0 (%u before), %u on eth1 (%u before)",
	      stats(&nics[0]).filters, before0, stats(&nics[1]).filters, before1);
}

int main(void)
{
	bring_up(&nics[0]);
	bring_up(&nics[1]);
	if (guest_failed)
		return guest_summary("test-net-nics");
	CHECK(nics[0].dev != nics[1].dev, "one open for both");
	CHECK(memcmp(nics[0].mac, nics[1].mac, 6) != 0, "eth0 and eth1 share a MAC");
	static const uint8_t qemu_mac1[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x57 };
	CHECK(memcmp(nics[1].mac, qemu_mac1, 6) == 0, "eth1 has not QEMU's second MAC");
	mach_port_t none;
	CHECK_EQ(device_open(NC_MASTER, D_READ | D_WRITE, "eth2", &none), D_NO_SUCH_DEVICE);
	pings(&nics[0], &nics[1]);
	pings(&nics[1], &nics[0]);
	shared_port();
	for (int i = 0; i < 2; i++) {
		struct net_stats s = stats(&nics[i]);
		CHECK_EQ(s.rx_bad, 0);
		CHECK_EQ(s.tx_dropped, 0);
	}
	return guest_summary("test-net-nics");
}
