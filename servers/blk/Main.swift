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
// device from the pages the data arrived in (virtio_phys_pages), smaller
// ones are copied into DMA buffers.

import Mach
import Virtio
import CBlk

@_cdecl("main")
func blkMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    let config = ServerConfig(BootArguments(argc: argc, argv: argv))
    print("blk: virtio-blk server starting: \(config.summary)")
    let devices = VirtioDevice.granted(type: UInt32(VIRTIO_ID_BLOCK))
    if devices.isEmpty {
        print("blk: no virtio-blk device was given to this task (module argument device=virtio-blk)")
        return 1
    }
    guard let set = PortSet.allocate() else {
        print("blk: no port set")
        return 1
    }
    let host = DeviceHost<Disk>(set: set.name, logPrefix: "blk")
    for dev in devices {
        let letter = UInt8(ascii: "a") + UInt8(truncatingIfNeeded: host.devices.count)
        let name = "vd" + String(decoding: [letter], as: UTF8.self)
        let disk = Disk(name: name, device: dev, config: config)
        do throws(MachError) {
            try disk.bringUp(set: set.name)
            try host.publish(disk)
        } catch {
            print("blk: \(name): device \(dev.label) not usable: \(hex(error.code))")
        }
    }
    if host.devices.isEmpty { return 1 }
    _ = host.run(set)
    return 1
}
