// Main.swift - the virtio-net server: a GNU Mach network device server
// ("eth0", "eth1", ...) in front of the virtio-net devices the boot
// configuration gives this task.
//
// GRUB starts it as a module:  module /boot/net net device=virtio-net
// (the kernel hands the device's port over at name 3, a second device=
// item at 4 ...; Config.swift lists the other arguments).  It brings each
// NIC up, registers its name behind the device master port and serves
// device.defs (opens, filters, writes, status), the NICs' interrupts and
// the opens' no-senders notifications on one port set, on one thread.
// The network-device protocol itself is the SDK's NetInterface
// (servers/sdk/Mach/Net*.swift); this server adds the virtio-net device.

import Mach
import Virtio
import CNet

@_cdecl("main")
func netMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    let config = ServerConfig(BootArguments(argc: argc, argv: argv))
    print("net: virtio-net server starting: \(config.summary)")
    let devices = VirtioDevice.granted(type: UInt32(VIRTIO_ID_NET))
    if devices.isEmpty {
        print("net: no virtio-net device was given to this task (module argument device=virtio-net)")
        return 1
    }
    guard let set = PortSet.allocate() else {
        print("net: no port set")
        return 1
    }
    let srv = NetServer(set: set.name)
    server = srv
    for dev in devices {
        let nic = Nic(name: "eth\(srv.nics.count)", device: dev, config: config)
        do throws(MachError) {
            try nic.bringUp(set: set.name)
            try register(nic, in: set.name)
        } catch {
            print("net: \(nic.name): device \(dev.label) not usable: \(hex(error.code))")
            continue
        }
        srv.nics.append(nic)
    }
    if srv.nics.isEmpty { return 1 }
    DeviceServer.driver = srv.driver()
    Notifications.onNoSenders = { port, _ in server.forget(port) }
    var loop = ReceiveLoop(set: set, interfaces: [
        DeviceServer.interface,
        VirtioInterrupts.interface,
        Notifications.interface,
    ])
    loop.maxRequestSize = DeviceServer.maxRequestSize
    loop.refusalCode = D_NO_MEMORY
    print("net: serving \(srv.nics.map { $0.name }.joined(separator: " "))")
    let mr = loop.run()
    print("net: receive loop ended: \(hex(mr))")
    return 1
}

/// Publishes the NIC's name behind the device master port.
func register(_ nic: Nic, in set: PortName) throws(MachError) {
    guard let right = ReceiveRight.allocate() else { throw MachError(KERN_RESOURCE_SHORTAGE) }
    try MachError.check(right.join(set))
    var cname = Array(nic.name.utf8CString)
    try MachError.check(cname.withUnsafeMutableBufferPointer {
        sm_device_register(PortName.deviceMaster.raw, $0.baseAddress, right.name.raw)
    })
    nic.registered = consume right
}
