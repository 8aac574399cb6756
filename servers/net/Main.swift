// Main.swift - the virtio-net server: a GNU Mach network device server
// ("eth0", "eth1", ...) in front of the virtio-net devices the boot
// configuration gives this task.
//
// GRUB starts it as a module:  module /boot/net net device=virtio-net
// (the kernel hands the device's port over at name 3, a second device=
// item at 4 ...; Config.swift lists the other arguments).  The SDK's
// DeviceHost brings each NIC up (Nic.init), registers its name behind the
// device master port and serves device.defs, the opens' notifications and
// the NICs' interrupts on one port set, on one thread.  The network-device
// protocol itself is the SDK's NetInterface (servers/sdk/Mach/Net*.swift);
// this server adds the virtio-net device.

import Mach
import Virtio
import CNet

@_cdecl("main")
func netMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    let config = ServerConfig(BootArguments(argc: argc, argv: argv))
    print("net: virtio-net server starting: \(config.summary)")
    return DeviceHost<Nic>.serveVirtio(type: UInt32(VIRTIO_ID_NET), logPrefix: "net") { device, index, set throws(MachError) in
        try Nic(name: "eth\(index)", device: device, config: config, set: set)
    }
}
