/*
 * sm/virtio_devices.h - device-type facts of the virtio 1.2 specification
 * that drivers need: the block device (5.2) and the network device (5.1).
 * Feature values are bit numbers; use VIRTIO_BIT() from <sm/virtio_spec.h>.
 */
#ifndef _SM_VIRTIO_DEVICES_H_
#define _SM_VIRTIO_DEVICES_H_

#include <stdint.h>

/* 5.2 Block device: one request queue (without VIRTIO_BLK_F_MQ). */
#define VIRTIO_BLK_F_SIZE_MAX		1
#define VIRTIO_BLK_F_SEG_MAX		2
#define VIRTIO_BLK_F_GEOMETRY		4
#define VIRTIO_BLK_F_RO			5
#define VIRTIO_BLK_F_BLK_SIZE		6
#define VIRTIO_BLK_F_FLUSH		9
#define VIRTIO_BLK_CFG_CAPACITY		0	/* le64, in 512-byte sectors */
#define VIRTIO_BLK_SECTOR_SIZE		512

#define VIRTIO_BLK_T_IN			0
#define VIRTIO_BLK_T_OUT		1
#define VIRTIO_BLK_T_FLUSH		4
#define VIRTIO_BLK_T_GET_ID		8
#define VIRTIO_BLK_S_OK			0
#define VIRTIO_BLK_S_IOERR		1
#define VIRTIO_BLK_S_UNSUPP		2

/* 5.2.6: a request is this header (device-readable), the data, then one
 * status byte (device-writable). */
struct virtio_blk_req_hdr {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};

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
