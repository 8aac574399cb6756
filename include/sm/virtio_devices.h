/*
 * sm/virtio_devices.h - device-type facts of the virtio 1.2 specification
 * that drivers need: the network device (5.1) here, the block device (5.2)
 * in <sm/virtio_blk.h>, the entropy device (5.4) in <sm/virtio_rng.h>.
 * Feature values are bit numbers; use VIRTIO_BIT() from <sm/virtio_spec.h>.
 */
#ifndef _SM_VIRTIO_DEVICES_H_
#define _SM_VIRTIO_DEVICES_H_

#include <stdint.h>

/* 5.2 Block device. */
#include <sm/virtio_blk.h>

/* 5.1 Network device: queue 0 receives, queue 1 transmits. */
#define VIRTIO_NET_F_CSUM		0
#define VIRTIO_NET_F_GUEST_CSUM		1
#define VIRTIO_NET_F_MAC		5
#define VIRTIO_NET_F_MRG_RXBUF		15
#define VIRTIO_NET_F_STATUS		16
#define VIRTIO_NET_CFG_MAC		0	/* u8[6] */
#define VIRTIO_NET_CFG_STATUS		6	/* le16, with VIRTIO_NET_F_STATUS */
#define VIRTIO_NET_S_LINK_UP		1
#define VIRTIO_NET_RX_QUEUE		0
#define VIRTIO_NET_TX_QUEUE		1

/* 5.1.6: every packet starts with this header. num_buffers exists with
 * VIRTIO_F_VERSION_1 or VIRTIO_NET_F_MRG_RXBUF; without either (a legacy
 * device) the header is 10 bytes (5.1.6.1 Legacy Interface). */
struct virtio_net_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
	uint16_t num_buffers;
};
#define VIRTIO_NET_HDR_SIZE		12
#define VIRTIO_NET_HDR_SIZE_LEGACY	10
#define VIRTIO_NET_HDR_GSO_NONE		0

#endif /* _SM_VIRTIO_DEVICES_H_ */
