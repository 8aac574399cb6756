// BlockSpec.swift - what the virtio specification says about block devices
// (Virtual I/O Device (VIRTIO) Version 1.2, section 5.2), as Swift values.
// Facts only: no driver logic.

import Virtio

/// 5.2.3 Feature bits of the block device (bit numbers).
enum BlkFeature {
    static let sizeMax = 1          // size_max: largest segment
    static let segMax = 2           // seg_max: most data segments per request
    static let geometry = 4
    static let readOnly = 5         // the device refuses writes
    static let blockSize = 6        // blk_size: logical block size
    static let flush = 9            // VIRTIO_BLK_T_FLUSH
    static let topology = 10        // physical_block_exp, alignment, io sizes
    static let configWCE = 11       // writeback field is writable
    static let multiQueue = 12
    static let discard = 13
    static let writeZeroes = 14
    static let lifetime = 15
    static let secureErase = 16
    static let zoned = 17

    /// Names for the offered/accepted log lines.
    static let names: [(Int, StaticString)] = [
        (0, "BARRIER"), (1, "SIZE_MAX"), (2, "SEG_MAX"), (4, "GEOMETRY"), (5, "RO"),
        (6, "BLK_SIZE"), (7, "SCSI"), (9, "FLUSH"), (10, "TOPOLOGY"), (11, "CONFIG_WCE"),
        (12, "MQ"), (13, "DISCARD"), (14, "WRITE_ZEROES"), (15, "LIFETIME"),
        (16, "SECURE_ERASE"), (17, "ZONED"),
    ]
}

/// 5.2.4 Device configuration layout: byte offsets of struct virtio_blk_config.
enum BlkConfig {
    static let capacity = 0                 // le64, 512-byte sectors, always present
    static let sizeMax = 8                  // le32
    static let segMax = 12                  // le32
    static let blkSize = 20                 // le32
    static let physicalBlockExp = 24        // u8   } struct virtio_blk_topology
    static let alignmentOffset = 25         // u8   }
    static let minIOSize = 26               // le16 }
    static let optIOSize = 28               // le32 }
    static let writeback = 32               // u8
    static let maxDiscardSectors = 36       // le32
    static let maxDiscardSeg = 40           // le32
    static let discardSectorAlignment = 44  // le32
    static let maxWriteZeroesSectors = 48   // le32
    static let maxWriteZeroesSeg = 52       // le32
    static let writeZeroesMayUnmap = 56     // u8
}

/// 5.2.6 Device Operation: request types and status values.
enum BlkRequest {
    static let typeIn: UInt32 = 0
    static let typeOut: UInt32 = 1
    static let typeFlush: UInt32 = 4
    static let typeGetID: UInt32 = 8
    static let typeDiscard: UInt32 = 11
    static let typeWriteZeroes: UInt32 = 13

    static let statusOK: UInt8 = 0
    static let statusIOError: UInt8 = 1
    static let statusUnsupported: UInt8 = 2

    /// The protocol's unit: sector numbers and capacity are in 512 bytes,
    /// whatever the logical block size (5.2.5).
    static let sectorSize = 512

    /// struct virtio_blk_req's device-readable header: le32 type,
    /// le32 reserved, le64 sector.
    static let headerBytes = 16
    /// struct virtio_blk_discard_write_zeroes: le64 sector,
    /// le32 num_sectors, le32 flags (bit 0: unmap).
    static let rangeBytes = 16
}
