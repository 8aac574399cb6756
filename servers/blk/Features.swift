// Features.swift - the block device's feature bits as this server uses
// them: which it asks for, and their names for the log.  The bit numbers
// are include/sm/virtio_blk.h's (module CBlk), stated nowhere else.

import Virtio
import CBlk

extension Disk {
    /// The device features the server implements (5.2.3).  Not asked for:
    /// MQ (one queue serves), ZONED (5.2.5.1: not without zone support),
    /// SECURE_ERASE, LIFETIME, legacy BARRIER and SCSI.
    static let implemented = [VIRTIO_BLK_F_SIZE_MAX, VIRTIO_BLK_F_SEG_MAX, VIRTIO_BLK_F_RO,
                              VIRTIO_BLK_F_BLK_SIZE, VIRTIO_BLK_F_FLUSH, VIRTIO_BLK_F_TOPOLOGY,
                              VIRTIO_BLK_F_CONFIG_WCE, VIRTIO_BLK_F_DISCARD, VIRTIO_BLK_F_WRITE_ZEROES].map { Int($0) }

    /// Names for the offered/accepted log lines.
    static let featureNames: [(Int, StaticString)] = [
        (Int(VIRTIO_BLK_F_BARRIER), "BARRIER"), (Int(VIRTIO_BLK_F_SIZE_MAX), "SIZE_MAX"),
        (Int(VIRTIO_BLK_F_SEG_MAX), "SEG_MAX"), (Int(VIRTIO_BLK_F_GEOMETRY), "GEOMETRY"),
        (Int(VIRTIO_BLK_F_RO), "RO"), (Int(VIRTIO_BLK_F_BLK_SIZE), "BLK_SIZE"), (Int(VIRTIO_BLK_F_SCSI), "SCSI"),
        (Int(VIRTIO_BLK_F_FLUSH), "FLUSH"), (Int(VIRTIO_BLK_F_TOPOLOGY), "TOPOLOGY"),
        (Int(VIRTIO_BLK_F_CONFIG_WCE), "CONFIG_WCE"), (Int(VIRTIO_BLK_F_MQ), "MQ"),
        (Int(VIRTIO_BLK_F_DISCARD), "DISCARD"), (Int(VIRTIO_BLK_F_WRITE_ZEROES), "WRITE_ZEROES"),
        (Int(VIRTIO_BLK_F_LIFETIME), "LIFETIME"), (Int(VIRTIO_BLK_F_SECURE_ERASE), "SECURE_ERASE"),
        (Int(VIRTIO_BLK_F_ZONED), "ZONED"),
    ]

    /// The protocol's unit: sector numbers and capacity count 512 bytes,
    /// whatever the logical block size (5.2.5).
    static let sectorSize = Int(VIRTIO_BLK_SECTOR_SIZE)

    func has(_ bit: Int32) -> Bool { features.has(bit: Int(bit)) }
}
