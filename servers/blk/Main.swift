// Main.swift - the virtio-blk server: a GNU Mach device server ("vda",
// "vdb", ...) in front of the virtio-blk devices the boot configuration
// gives this task.
//
// GRUB starts it as a module:  module /boot/blk blk device=virtio-blk
// (the kernel hands the device's port over at name 3, a second device=
// item at 4 ...; Config.swift lists the other arguments).  It brings each
// disk up, registers its name behind the device master port and serves
// device.defs (and the device_request.defs forms) on one port set with
// the devices' interrupt ports and the opens' ports, on one thread.
//
// Scope: one request queue per disk (no VIRTIO_BLK_F_MQ), no zoned disks;
// reads of a page or more are zero-copy (the device fills pages that are
// then moved to the client); writes of two pages or more are read by the
// device from the pages the data arrived in, lent to it with no copy
// (virtio_lend_pages), smaller ones are copied into DMA buffers.

import Mach
import Virtio
import CBlk

@_cdecl("main")
func blkMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    let config = ServerConfig(BootArguments(argc: argc, argv: argv))
    print("blk: virtio-blk server starting: \(config.summary)")
    return DeviceHost<Disk>.serveVirtio(type: UInt32(VIRTIO_ID_BLOCK), logPrefix: "blk") { device, index, set throws(MachError) in
        let letter = UInt8(ascii: "a") + UInt8(truncatingIfNeeded: index)
        let disk = Disk(name: "vd" + String(decoding: [letter], as: UTF8.self), device: device, config: config)
        try disk.bringUp(set: set)
        return disk
    }
}
