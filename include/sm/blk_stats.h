/*
 * sm/blk_stats.h - the contract between the virtio-blk server (servers/blk)
 * and its clients beyond GNU Mach's device.defs: the project's status
 * flavors (statistics, disk description, flush, write cache, discard, write
 * zeroes), the device_read mode bits that pick the read path, and the
 * semantics every request gets.
 *
 * Devices.  The server registers "vda" for the first virtio-blk device the
 * boot configuration gives it (module argument device=...), "vdb" for the
 * second, and so on, behind the device master port (name 2 in boot tasks).
 *
 * Records.  A record is one logical block: 512 bytes, or the device's
 * blk_size when it offers VIRTIO_BLK_F_BLK_SIZE with a power of two from
 * 512 to 4096 (QEMU: logical_block_size=4096).  recnum counts records;
 * every byte count must be a positive multiple of the record size.
 * DEV_GET_SIZE gives { device size in bytes (0 if it does not fit in
 * 31 bits), record size }, DEV_GET_RECORDS { records, record size }.
 *
 * Requests and their errors (each refusal also writes one log line, rate
 * limited; the server keeps serving):
 *   device_open      names vda, vdb, ...; modes D_READ, D_WRITE, D_NODELAY,
 *                    D_NOWAIT (others: D_INVALID_OPERATION).  D_WRITE on a
 *                    read-only disk (VIRTIO_BLK_F_RO): D_READ_ONLY.
 *   device_read, device_read_inband, device_write, device_write_inband
 *                    recnum at or beyond the last record: D_INVALID_RECNUM.
 *                    Zero, negative, unaligned (not a multiple of the record
 *                    size) or absurd (more than BLK_MAX_IO bytes, or
 *                    IO_INBAND_MAX for the inband forms) counts:
 *                    D_INVALID_SIZE.  A record is at least 512 bytes and an
 *                    inband request carries at most 128, so the inband
 *                    forms always fail (D_INVALID_SIZE, unless a check
 *                    before the size fails first: closed device, read-only
 *                    disk or open).  A request that starts on the disk but
 *                    runs past its end is cut at the end (fewer bytes read
 *                    or written, reported in the reply).  Writes on a
 *                    read-only disk, or through an open without D_WRITE:
 *                    D_READ_ONLY.  Reads through an open without D_READ
 *                    (opened with mode D_WRITE only): D_INVALID_OPERATION.
 *                    The device failing a request (VIRTIO_BLK_S_IOERR or
 *                    _UNSUPP): D_IO_ERROR.  Out of memory, or 4096
 *                    requests of the disk waiting for the device already
 *                    (also for flush, discard, write zeroes): D_NO_MEMORY.
 *                    A request with out-of-line data beyond the server's
 *                    page limit: D_NO_MEMORY, before any other check.
 *                    A closed open (after device_close): D_NO_SUCH_DEVICE.
 *   device_get_status  DEV_GET_SIZE, DEV_GET_RECORDS, BLK_GET_STATS,
 *                    BLK_GET_INFO; fewer words of room than the flavor has:
 *                    D_INVALID_SIZE; other flavors D_INVALID_OPERATION.
 *   device_set_status  the BLK_SET_* flavors below; others
 *                    D_INVALID_OPERATION.
 * Every routine may also be sent as its device_request.defs form; the
 * answer comes as the device_reply.defs message with the same content.
 * Requests in flight at the same time are not ordered against each other
 * (as on a real disk); a request sent after another's reply sees its
 * effects.  Up to the server's in-flight limit (boot argument inflight=N,
 * default 32) virtio requests run at once, the rest wait in order.
 *
 * Read paths.  device_read results of a page or more arrive as out-of-line
 * pages that the device wrote directly (zero-copy: the server moves them
 * to the client, nobody copies the data).  The copying path reads into the
 * server's DMA buffers and copies into the reply pages.  The boot argument
 * zerocopy=0 makes copying the default; the mode bits BLK_MODE_COPY and
 * BLK_MODE_ZEROCOPY choose per device_read request.
 *
 * Everything here is 32-bit words, as device_get_status/device_set_status
 * carry them (dev_status_t, an array of int); the 64-bit fields sit at
 * 8-byte offsets so the layout is the same under gcc -m32 and x86_64.
 */
#ifndef _SM_BLK_STATS_H_
#define _SM_BLK_STATS_H_

#include <stdint.h>

/* The project's flavors: 'B' 'K' in the high half, a number below
 * (plain numbers, so that Swift imports them too). */
#define BLK_GET_STATS		0x424b0001	/* get: struct blk_stats */
#define BLK_GET_INFO		0x424b0002	/* get: struct blk_info */
/* set, no words: sends VIRTIO_BLK_T_FLUSH after every write the server
 * accepted before it has completed; replies once the device has finished
 * it (D_IO_ERROR if it failed).  Without VIRTIO_BLK_F_FLUSH it only waits
 * for those writes (the device writes through, 5.2.6.2) and counts in
 * flushes_emulated. */
#define BLK_SET_FLUSH		0x424b0003
/* set, no words: every counter of struct blk_stats back to 0, the
 * high-water marks to the current values (the pool's sizes stay). */
#define BLK_SET_STATS_RESET	0x424b0004
/* set, 1 word: 0 writethrough, 1 writeback; needs VIRTIO_BLK_F_CONFIG_WCE
 * (else D_INVALID_OPERATION). */
#define BLK_SET_WRITEBACK	0x424b0005
/* set, 2 words {recnum, records}: VIRTIO_BLK_T_DISCARD; needs
 * VIRTIO_BLK_F_DISCARD and an open with D_WRITE. */
#define BLK_SET_DISCARD		0x424b0006
/* set, 3 words {recnum, records, unmap}: VIRTIO_BLK_T_WRITE_ZEROES; needs
 * VIRTIO_BLK_F_WRITE_ZEROES and an open with D_WRITE. */
#define BLK_SET_WRITE_ZEROES	0x424b0007

/* device_read / device_read_request mode bits (beside D_READ ...). */
#define BLK_MODE_COPY		0x00100000	/* this read takes the copying path */
#define BLK_MODE_ZEROCOPY	0x00200000	/* this read takes the zero-copy path */

/* The largest request in bytes (device_read, device_write, discard). */
#define BLK_MAX_IO		1048576		/* 1 MiB */

/* BLK_GET_STATS: counters since boot or the last BLK_SET_STATS_RESET, of
 * one disk (all its opens). */
struct blk_stats {
	uint64_t bytes_read;		/* delivered by successful reads */
	uint64_t bytes_written;		/* written by successful writes */
	uint64_t bytes_zero_copy;	/* of bytes_read: pages the device wrote, moved to the client */
	uint64_t bytes_copied;		/* of bytes_read: copied out of DMA buffers */
	uint32_t requests;		/* client requests received (any routine on an open) */
	uint32_t reads;			/* device_read(_inband) completed successfully */
	uint32_t writes;		/* device_write(_inband) completed successfully */
	uint32_t flushes;		/* VIRTIO_BLK_T_FLUSH completed */
	uint32_t flushes_emulated;	/* BLK_SET_FLUSH without VIRTIO_BLK_F_FLUSH */
	uint32_t discards;		/* discard and write-zeroes requests completed */
	uint32_t errors;		/* requests refused or failed (any D_* error) */
	uint32_t io_errors;		/* of errors: the device said IOERR or UNSUPP */
	uint32_t chains;		/* virtio requests (descriptor chains) completed */
	uint32_t split_requests;	/* client requests that took more than one chain */
	uint32_t inflight;		/* chains in the device now */
	uint32_t inflight_hwm;		/* most chains in the device at once */
	uint32_t inflight_limit;	/* the server's limit (inflight=N) */
	uint32_t waiting;		/* chains waiting for a slot, ring space or buffers now */
	uint32_t waiting_hwm;		/* most chains waiting at once */
	uint32_t interrupts;		/* interrupt messages handled */
	uint32_t completions_max_batch;	/* most chains completed on one interrupt */
	uint32_t notifies;		/* queue notifications sent */
	uint32_t notifies_suppressed;	/* not sent: the device did not want them */
	uint32_t pool_total;		/* DMA buffers (BLK_POOL_BUFFER bytes each) */
	uint32_t pool_free;
	uint32_t pool_in_use;
	uint32_t pool_hwm;		/* most buffers in use at once */
	uint32_t pool_limit;		/* the pool may grow to this many */
	uint32_t pool_grows;		/* times it grew */
	uint32_t pool_waits;		/* chains that waited for buffers */
	uint32_t zc_pages;		/* pages handed out for zero-copy reads */
	uint32_t zc_chunks;		/* vm_allocate_contiguous calls behind them */
	uint32_t opens;			/* opens now */
	uint32_t reserved[9];
};
#define BLK_STATS_COUNT		(sizeof(struct blk_stats) / 4)	/* words */
#define BLK_POOL_BUFFER		4096

/* BLK_GET_INFO: what the disk is and what was negotiated. */
struct blk_info {
	uint64_t capacity;		/* 512-byte sectors */
	uint64_t features_offered;	/* device feature bits */
	uint64_t features_accepted;	/* what the server negotiated */
	uint32_t record_size;		/* logical block size in bytes */
	uint32_t records;		/* capacity in records (saturated at 2^32-1) */
	uint32_t read_only;		/* VIRTIO_BLK_F_RO */
	uint32_t modern;		/* 1: virtio 1.x transport; 0: legacy */
	uint32_t queue_size;		/* descriptors in the request queue */
	uint32_t size_max;		/* bytes per segment (0: no limit) */
	uint32_t seg_max;		/* segments per request (0: no limit) */
	uint32_t max_chain_bytes;	/* data bytes the server puts in one chain */
	uint32_t writeback;		/* 1 writeback cache, 0 writethrough, 2 unknown */
	uint32_t physical_block_exp;	/* TOPOLOGY: log2 logical blocks per physical block */
	uint32_t alignment_offset;	/* TOPOLOGY: first aligned logical block */
	uint32_t min_io_size;		/* TOPOLOGY: in logical blocks */
	uint32_t opt_io_size;		/* TOPOLOGY: in logical blocks */
	uint32_t max_discard_sectors;	/* DISCARD (512-byte sectors) */
	uint32_t max_write_zeroes_sectors; /* WRITE_ZEROES (512-byte sectors) */
	uint32_t zero_copy_default;	/* 1 unless booted with zerocopy=0 */
	uint32_t indirect;		/* VIRTIO_F_INDIRECT_DESC negotiated */
	uint32_t event_idx;		/* VIRTIO_F_EVENT_IDX negotiated */
	uint32_t reserved[8];
};
#define BLK_INFO_COUNT		(sizeof(struct blk_info) / 4)	/* words */

#endif /* _SM_BLK_STATS_H_ */
