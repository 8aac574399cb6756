/*
 * cblk.h - what module CBlk shows servers/blk: the project's status
 * flavors (<sm/blk_stats.h>), the block device's facts (<sm/virtio_blk.h>)
 * and the command block each request slot keeps in DMA memory.  The
 * replies sent once the device has finished come from the SDK
 * (DeviceReplies.swift).
 */
#ifndef SERVERS_BLK_CBLK_H
#define SERVERS_BLK_CBLK_H

#include <sm/swift_runtime.h>
#include <device/device_types.h>
#include <sm/blk_stats.h>
#include <sm/virtio_spec.h>
#include <sm/virtio_blk.h>

/* One in-flight slot's command block (64 bytes of DMA memory): what the
 * device reads and writes besides the data.  A chain is header, data (or
 * range), status. */
struct blk_command {
	struct virtio_blk_req_hdr header;		/* device-readable */
	uint8_t status;					/* device-writable */
	uint8_t unused0[15];
	struct virtio_blk_discard_write_zeroes range;	/* device-readable */
	uint8_t unused1[16];
};
enum {
	BLK_COMMAND_STATUS = offsetof(struct blk_command, status),
	BLK_COMMAND_RANGE = offsetof(struct blk_command, range),
	BLK_COMMAND_SIZE = sizeof(struct blk_command),
};

#endif
