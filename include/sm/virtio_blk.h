/*
 * sm/virtio_blk.h - the virtio block device (virtio 1.2, 5.2) as C types
 * and constants: feature bits, the configuration layout, the request
 * header and the discard/write-zeroes range, request types and status
 * values.  The one statement of these facts in the tree: the kernel's
 * tests (tests/virtio-*.c) and the Swift blk server (servers/blk, through
 * its module CBlk) both use it.  Feature values are bit numbers (use
 * VIRTIO_BIT() from <sm/virtio_spec.h>); fields are little-endian.
 */
#ifndef _SM_VIRTIO_BLK_H_
#define _SM_VIRTIO_BLK_H_

#include <stddef.h>
#include <stdint.h>

/* 5.2.3 Feature bits. */
#define VIRTIO_BLK_F_BARRIER		0	/* legacy */
#define VIRTIO_BLK_F_SIZE_MAX		1	/* size_max: largest segment */
#define VIRTIO_BLK_F_SEG_MAX		2	/* seg_max: most data segments per request */
#define VIRTIO_BLK_F_GEOMETRY		4
#define VIRTIO_BLK_F_RO			5	/* the device refuses writes */
#define VIRTIO_BLK_F_BLK_SIZE		6	/* blk_size: logical block size */
#define VIRTIO_BLK_F_SCSI		7	/* legacy */
#define VIRTIO_BLK_F_FLUSH		9	/* VIRTIO_BLK_T_FLUSH */
#define VIRTIO_BLK_F_TOPOLOGY		10	/* physical_block_exp, alignment, io sizes */
#define VIRTIO_BLK_F_CONFIG_WCE		11	/* writeback is writable */
#define VIRTIO_BLK_F_MQ			12
#define VIRTIO_BLK_F_DISCARD		13
#define VIRTIO_BLK_F_WRITE_ZEROES	14
#define VIRTIO_BLK_F_LIFETIME		15
#define VIRTIO_BLK_F_SECURE_ERASE	16
#define VIRTIO_BLK_F_ZONED		17

/* 5.2.4 Device configuration layout (the fields this project reads). */
struct virtio_blk_config {
	uint64_t capacity;		/* 512-byte sectors, always present */
	uint32_t size_max;
	uint32_t seg_max;
	struct {
		uint16_t cylinders;
		uint8_t heads;
		uint8_t sectors;
	} geometry;
	uint32_t blk_size;
	struct {
		uint8_t physical_block_exp;
		uint8_t alignment_offset;
		uint16_t min_io_size;
		uint32_t opt_io_size;
	} topology;
	uint8_t writeback;
	uint8_t unused0;
	uint16_t num_queues;
	uint32_t max_discard_sectors;
	uint32_t max_discard_seg;
	uint32_t discard_sector_alignment;
	uint32_t max_write_zeroes_sectors;
	uint32_t max_write_zeroes_seg;
	uint8_t write_zeroes_may_unmap;
	uint8_t unused1[3];
};

/* Byte offsets of the configuration fields, for virtio_config_read. */
enum {
	VIRTIO_BLK_CFG_CAPACITY = offsetof(struct virtio_blk_config, capacity),
	VIRTIO_BLK_CFG_SIZE_MAX = offsetof(struct virtio_blk_config, size_max),
	VIRTIO_BLK_CFG_SEG_MAX = offsetof(struct virtio_blk_config, seg_max),
	VIRTIO_BLK_CFG_BLK_SIZE = offsetof(struct virtio_blk_config, blk_size),
	VIRTIO_BLK_CFG_PHYSICAL_BLOCK_EXP = offsetof(struct virtio_blk_config, topology.physical_block_exp),
	VIRTIO_BLK_CFG_ALIGNMENT_OFFSET = offsetof(struct virtio_blk_config, topology.alignment_offset),
	VIRTIO_BLK_CFG_MIN_IO_SIZE = offsetof(struct virtio_blk_config, topology.min_io_size),
	VIRTIO_BLK_CFG_OPT_IO_SIZE = offsetof(struct virtio_blk_config, topology.opt_io_size),
	VIRTIO_BLK_CFG_WRITEBACK = offsetof(struct virtio_blk_config, writeback),
	VIRTIO_BLK_CFG_MAX_DISCARD_SECTORS = offsetof(struct virtio_blk_config, max_discard_sectors),
	VIRTIO_BLK_CFG_MAX_DISCARD_SEG = offsetof(struct virtio_blk_config, max_discard_seg),
	VIRTIO_BLK_CFG_MAX_WRITE_ZEROES_SECTORS = offsetof(struct virtio_blk_config, max_write_zeroes_sectors),
	VIRTIO_BLK_CFG_MAX_WRITE_ZEROES_SEG = offsetof(struct virtio_blk_config, max_write_zeroes_seg),
};
/* The layout of 5.2.4, checked where the compiler pads. */
_Static_assert(offsetof(struct virtio_blk_config, blk_size) == 20, "virtio_blk_config.blk_size");
_Static_assert(offsetof(struct virtio_blk_config, writeback) == 32, "virtio_blk_config.writeback");
_Static_assert(offsetof(struct virtio_blk_config, max_discard_sectors) == 36, "virtio_blk_config.max_discard_sectors");
_Static_assert(offsetof(struct virtio_blk_config, write_zeroes_may_unmap) == 56, "virtio_blk_config.write_zeroes_may_unmap");

/* 5.2.6 Device Operation: a request is this header (device-readable), the
 * data (or a range), then one status byte (device-writable).  Sector
 * numbers and capacity count 512 bytes, whatever blk_size is (5.2.5). */
#define VIRTIO_BLK_SECTOR_SIZE		512
struct virtio_blk_req_hdr {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};
_Static_assert(sizeof(struct virtio_blk_req_hdr) == 16, "virtio_blk_req_hdr");

/* 5.2.6: the data of VIRTIO_BLK_T_DISCARD and _WRITE_ZEROES. */
struct virtio_blk_discard_write_zeroes {
	uint64_t sector;
	uint32_t num_sectors;
	uint32_t flags;
};
#define VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP	1	/* 5.2.6.1: MUST be 0 for discard */
_Static_assert(sizeof(struct virtio_blk_discard_write_zeroes) == 16, "virtio_blk_discard_write_zeroes");

#define VIRTIO_BLK_T_IN			0
#define VIRTIO_BLK_T_OUT		1
#define VIRTIO_BLK_T_FLUSH		4
#define VIRTIO_BLK_T_GET_ID		8
#define VIRTIO_BLK_T_DISCARD		11
#define VIRTIO_BLK_T_WRITE_ZEROES	13

#define VIRTIO_BLK_S_OK			0
#define VIRTIO_BLK_S_IOERR		1
#define VIRTIO_BLK_S_UNSUPP		2

#endif /* _SM_VIRTIO_BLK_H_ */
