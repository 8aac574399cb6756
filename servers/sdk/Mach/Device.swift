// Device.swift - GNU Mach's device interface from Swift: publishing a
// device name (servers) and using an open device (clients).

import CMach

/// Device names behind the device master port.  A server registers a name
/// with the receive right it serves; from then on every device_open for
/// that name on the master port reaches that port as an ordinary
/// device_open request (msgh_id 2800), which the server's device_server
/// demux hands to its ds_device_open.
public enum DeviceRegistry {
    /// sm_device_register: publishes `name` (at most 63 bytes) for `port`,
    /// a receive right of this task (a send right is made from it).
    /// DeviceHost.publish calls it; a server without a host may too.
    public static func register(_ name: String, port: PortName,
                                master: PortName = .deviceMaster) -> kern_return_t {
        var cname = Array(name.utf8CString)
        return cname.withUnsafeMutableBufferPointer {
            sm_device_register(master.raw, $0.baseAddress, port.raw)
        }
    }
}

/// A client's open device: the send right device_open returned and typed
/// wrappers over the inband routines of device.defs (the MIG user stubs).
/// Noncopyable; `close()` calls device_close and releases the right, and a
/// handle that is simply dropped releases the right without closing.
public struct DeviceHandle: ~Copyable {
    public let right: SendRight

    public var port: PortName { right.name }

    public init(adopting right: consuming SendRight) { self.right = right }

    /// device_open(name) on the master port.
    public static func open(_ name: StaticString, mode: dev_mode_t,
                            master: PortName = .deviceMaster) throws(MachError) -> DeviceHandle {
        var raw = mach_port_t(0)
        try MachError.check(device_open(master.raw, mode, cString(name), &raw))
        return DeviceHandle(adopting: SendRight(adopting: PortName(raw)))
    }

    /// device_write_inband: at most IO_INBAND_MAX (128) bytes at `record`.
    /// Returns the bytes written.
    public func write(at record: recnum_t, _ bytes: [UInt8],
                      mode: dev_mode_t = 0) throws(MachError) -> Int {
        var written: Int32 = 0
        let kr = bytes.withUnsafeBufferPointer { buf in
            buf.withMemoryRebound(to: CChar.self) {
                device_write_inband(port.raw, mode, record, $0.baseAddress,
                                    mach_msg_type_number_t($0.count), &written)
            }
        }
        try MachError.check(kr)
        return Int(written)
    }

    /// device_read_inband: up to `count` bytes (at most 128) from `record`.
    public func read(at record: recnum_t, count: Int,
                     mode: dev_mode_t = 0) throws(MachError) -> [UInt8] {
        var buf = [UInt8](repeating: 0, count: Int(IO_INBAND_MAX))
        var got = mach_msg_type_number_t(IO_INBAND_MAX)
        let kr = buf.withUnsafeMutableBufferPointer { b in
            b.withMemoryRebound(to: CChar.self) {
                device_read_inband(port.raw, mode, record, Int32(truncatingIfNeeded: count),
                                   $0.baseAddress, &got)
            }
        }
        try MachError.check(kr)
        return Array(buf[0..<min(Int(got), buf.count)])
    }

    /// device_get_status: the words of `flavor`, asking for at most `count`.
    public func status(_ flavor: dev_flavor_t, count: Int = 16) throws(MachError) -> [Int32] {
        var words = [Int32](repeating: 0, count: max(count, 1))
        var n = mach_msg_type_number_t(count)
        let kr = words.withUnsafeMutableBufferPointer {
            device_get_status(port.raw, flavor, $0.baseAddress, &n)
        }
        try MachError.check(kr)
        return Array(words[0..<min(Int(n), words.count)])
    }

    /// device_set_status with the given words.
    public func setStatus(_ flavor: dev_flavor_t, _ words: [Int32]) throws(MachError) {
        var copy = words
        let kr = copy.withUnsafeMutableBufferPointer {
            device_set_status(port.raw, flavor, $0.baseAddress,
                              mach_msg_type_number_t($0.count))
        }
        try MachError.check(kr)
    }

    /// device_close, then the send right is released.  Returns
    /// device_close's answer.
    public consuming func close() -> kern_return_t {
        let kr = device_close(port.raw)
        _ = right.deallocate()
        return kr
    }
}
