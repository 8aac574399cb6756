// VirtioServer.swift - the main of a virtio device server, once for all.

import Mach

extension DeviceHost {
    /// Serves every device of virtio type `type` (VIRTIO_ID_*) the boot
    /// configuration gave this task (module argument device=virtio-NAME):
    /// makes the port set, calls `make` for each device (its index among
    /// them, and the set its interrupt port must join) and publishes what
    /// it returns; a device whose `make` throws is logged and skipped.
    /// Then runs the receive loop.  Returns main's exit status: 1 when no
    /// device could be served or the loop ended.
    public static func serveVirtio(type: UInt32, logPrefix: String,
                                   _ make: (VirtioDevice, Int, PortName) throws(MachError) -> Device) -> Int32 {
        let devices = VirtioDevice.granted(type: type)
        guard !devices.isEmpty, let set = PortSet.allocate() else {
            print("\(logPrefix): no device of virtio type \(type) was given to this task, or no port set")
            return 1
        }
        let host = DeviceHost(set: set.name, logPrefix: logPrefix)
        for (i, device) in devices.enumerated() {
            do throws(MachError) {
                try host.publish(try make(device, i, set.name))
            } catch {
                print("\(logPrefix): device \(device.label) not usable: \(hex(error.code))")
            }
        }
        if host.devices.isEmpty { return 1 }
        _ = host.run(set)
        return 1
    }
}
