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
    let srv = BlkServer(set: set.name)
    server = srv
    for dev in devices {
        let letter = UInt8(ascii: "a") + UInt8(truncatingIfNeeded: srv.disks.count)
        let name = "vd" + String(decoding: [letter], as: UTF8.self)
        let disk = Disk(name: name, device: dev, config: config)
        do throws(MachError) {
            try disk.bringUp(set: set.name)
            try register(disk, in: set.name)
        } catch {
            print("blk: \(name): device \(dev.label) not usable: \(hex(error.code))")
            continue
        }
        srv.disks.append(disk)
    }
    if srv.disks.isEmpty { return 1 }
    DeviceServer.driver = srv.driver()
    Notifications.onNoSenders = { port, _ in server.forget(port) }
    var loop = ReceiveLoop(set: set, interfaces: [
        DeviceServer.interface,
        VirtioInterrupts.interface,
        Notifications.interface,
    ])
    loop.maxRequestSize = DeviceServer.maxRequestSize
    loop.refusalCode = D_NO_MEMORY          // a request whose out-of-line data did not fit this task
    print("blk: serving \(srv.disks.map { $0.name }.joined(separator: " "))")
    let mr = loop.run()
    print("blk: receive loop ended: \(hex(mr))")
    return 1
}

/// Publishes the disk's name behind the device master port: device_open
/// for it then arrives on a port of ours, in the set.
func register(_ disk: Disk, in set: PortName) throws(MachError) {
    guard let right = ReceiveRight.allocate() else { throw MachError(KERN_RESOURCE_SHORTAGE) }
    try MachError.check(right.join(set))
    var cname = Array(disk.name.utf8CString)
    try MachError.check(cname.withUnsafeMutableBufferPointer {
        sm_device_register(PortName.deviceMaster.raw, $0.baseAddress, right.name.raw)
    })
    disk.registered = consume right
}
