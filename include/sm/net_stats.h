/*
 * sm/net_stats.h - the contract between the virtio-net server (servers/net)
 * and its clients beyond GNU Mach's network device interface
 * (<device/net_status.h>, docs/net.md): the project's statistics flavor.
 *
 * Devices: "eth0" for the first virtio-net device the boot configuration
 * gives the server (module argument device=...), "eth1" for the second ...
 */
#ifndef _SM_NET_STATS_H_
#define _SM_NET_STATS_H_

/* device_get_status: struct net_stats (NET_STATS_COUNT words). */
#define NET_GET_STATS		0x4e450001
/* device_set_status, no words: every counter back to 0. */
#define NET_SET_STATS_RESET	0x4e450002

struct net_stats {
	unsigned int	rx_frames;		/* frames the device gave us */
	unsigned int	rx_bytes;
	unsigned int	rx_delivered;		/* net_rcv_msg messages sent */
	unsigned int	rx_no_filter;		/* frames no filter accepted */
	unsigned int	rx_queue_full;		/* deliveries lost: the client's queue was full */
	unsigned int	rx_bad;			/* frames too short or longer than the buffer */
	unsigned int	tx_frames;		/* frames handed to the device */
	unsigned int	tx_bytes;
	unsigned int	tx_ring_full;		/* times a write found every TX buffer in use */
	unsigned int	tx_oversize;		/* writes refused: 0 bytes or over MTU + 14 */
	unsigned int	tx_backlog_hwm;		/* most frames waiting for ring space */
	unsigned int	interrupts;
	unsigned int	rx_refills;		/* RX buffers posted again */
	unsigned int	rx_kicks;		/* RX notifications after a refill */
	unsigned int	tx_reclaimed;		/* TX chains taken back */
	unsigned int	link_changes;
	unsigned int	link_up;		/* 1 when the link is up */
	unsigned int	filters;		/* filters set now */
	unsigned int	filters_pruned;		/* filters dropped because their port died */
	unsigned int	errors;			/* requests refused */
	unsigned int	ctrl_commands;		/* control-queue commands sent */
	unsigned int	ctrl_failures;		/* ... that the device refused */
	unsigned int	queue_size_rx;
	unsigned int	queue_size_tx;
	unsigned int	mtu;
	unsigned int	modern;			/* 1: virtio 1.x transport, 0: legacy */
	unsigned int	tx_deferred;		/* writes whose reply waited for a TX buffer */
	unsigned int	tx_waiting_hwm;		/* most writes waiting at once */
	unsigned int	tx_dropped;		/* frames dropped: too many writes waiting */
	unsigned int	tx_filtered;		/* written frames delivered to NETF_OUT filters */
	unsigned int	tx_kicks;		/* TX notifications (the others EVENT_IDX spared) */
};
#define NET_STATS_COUNT		(sizeof(struct net_stats) / sizeof(int))

#endif /* _SM_NET_STATS_H_ */
