// DeviceServer.swift - the server side of GNU Mach's device.defs, once for
// every driver: the ds_* routines the device_server demux (MIG server stub,
// gen/device_server.c, in libmach.a) calls, exported under their C names,
// checked against gen/device_server.h, converting C arguments to Swift
// values and handing them to the installed DeviceDriver.

import CMach

/// Where a device_read or device_write came from: the port it arrived on
/// (an open's port, or a port the driver registered), the client's reply
/// port and how it came (MIG `sreplyport`), the mode and record number.
/// `pendingReply()` turns the reply port into a PendingReply for a request
/// answered later (the routine then returns MIG_NO_REPLY).
public struct DeviceIO {
    public let device: mach_port_t
    public let reply: PortName
    public let replyDisposition: mach_msg_type_name_t
    public let mode: dev_mode_t
    public let record: recnum_t
    /// The reply's msgh_id (the request's id + 100).
    public let replyID: mach_msg_id_t

    public func pendingReply() -> PendingReply {
        PendingReply(port: reply, disposition: replyDisposition, id: replyID)
    }
}

/// What a server does for each device.defs routine, at the level of the
/// C routines: a class-bound protocol, so the server's state lives in its
/// own object and `DeviceServer.driver` holds only a reference.  Most
/// servers do not implement it themselves: `DeviceHost` (DeviceHost.swift)
/// does, keeping opens and names and handing each request to the
/// `ServedDevice` it is for.  Every routine not implemented answers through
/// `unsupported` (by default D_INVALID_OPERATION).  The SDK has already
/// checked the C pointers (MIG always passes them; a missing one answers
/// D_INVALID_SIZE) and writes the out-counts back when a routine returns
/// D_SUCCESS.
public protocol DeviceDriver: AnyObject {
    /// device_open: on D_SUCCESS `port` names a receive right of this task
    /// (the open's port); the client gets a send right made from it.
    func open(mode: dev_mode_t, name: UnsafePointer<CChar>, port: inout PortName) -> kern_return_t
    func close(_ device: mach_port_t) -> kern_return_t
    /// device_read: out-of-line data; `data` and `count` are the reply's.
    func read(_ io: DeviceIO, wanted: Int32, data: inout io_buf_ptr_t?,
              count: inout mach_msg_type_number_t) -> kern_return_t
    /// device_read_inband: at most `count` bytes (the stub's room) into
    /// `into`; `count` becomes the bytes read.
    func readInband(_ io: DeviceIO, wanted: Int32, into: UnsafeMutablePointer<UInt8>,
                    count: inout Int) -> kern_return_t
    /// device_write: out-of-line `data` (nil only when `count` is 0)
    /// of `count` bytes, which belongs to the driver once it returns
    /// D_SUCCESS or MIG_NO_REPLY (on an error the receive loop frees it).
    func write(_ io: DeviceIO, data: io_buf_ptr_t?, count: mach_msg_type_number_t,
               written: inout Int32) -> kern_return_t
    func writeInband(_ io: DeviceIO, data: UnsafeBufferPointer<UInt8>, written: inout Int32) -> kern_return_t
    /// device_get_status: up to `count` words into `into`; `count` becomes
    /// the words written.
    func getStatus(_ device: mach_port_t, flavor: dev_flavor_t, into: UnsafeMutablePointer<Int32>,
                   count: inout Int) -> kern_return_t
    func setStatus(_ device: mach_port_t, flavor: dev_flavor_t, words: UnsafeBufferPointer<Int32>) -> kern_return_t
    /// device_set_filter (network devices): on D_SUCCESS the send right
    /// `receivePort` is the driver's; on an error the receive loop frees it.
    func setFilter(_ device: mach_port_t, receivePort: mach_port_t, priority: Int32,
                   filter: UnsafeBufferPointer<UInt16>) -> kern_return_t
    /// Every routine the driver does not offer (device_map,
    /// device_intr_register and device_intr_ack always): the port and the
    /// routine's name, for a log line.  Rights and out-of-line data in
    /// such requests are destroyed by the receive loop, since the answer
    /// is an error.
    func unsupported(_ device: mach_port_t, routine: StaticString) -> kern_return_t
}

extension DeviceDriver {
    public func open(mode: dev_mode_t, name: UnsafePointer<CChar>, port: inout PortName) -> kern_return_t {
        D_NO_SUCH_DEVICE
    }
    public func close(_ device: mach_port_t) -> kern_return_t { unsupported(device, routine: "device_close") }
    public func read(_ io: DeviceIO, wanted: Int32, data: inout io_buf_ptr_t?,
                     count: inout mach_msg_type_number_t) -> kern_return_t {
        unsupported(io.device, routine: "device_read")
    }
    public func readInband(_ io: DeviceIO, wanted: Int32, into: UnsafeMutablePointer<UInt8>,
                           count: inout Int) -> kern_return_t {
        unsupported(io.device, routine: "device_read_inband")
    }
    public func write(_ io: DeviceIO, data: io_buf_ptr_t?, count: mach_msg_type_number_t,
                      written: inout Int32) -> kern_return_t {
        unsupported(io.device, routine: "device_write")
    }
    public func writeInband(_ io: DeviceIO, data: UnsafeBufferPointer<UInt8>, written: inout Int32) -> kern_return_t {
        unsupported(io.device, routine: "device_write_inband")
    }
    public func getStatus(_ device: mach_port_t, flavor: dev_flavor_t, into: UnsafeMutablePointer<Int32>,
                          count: inout Int) -> kern_return_t {
        unsupported(device, routine: "device_get_status")
    }
    public func setStatus(_ device: mach_port_t, flavor: dev_flavor_t,
                          words: UnsafeBufferPointer<Int32>) -> kern_return_t {
        unsupported(device, routine: "device_set_status")
    }
    public func setFilter(_ device: mach_port_t, receivePort: mach_port_t, priority: Int32,
                          filter: UnsafeBufferPointer<UInt16>) -> kern_return_t {
        unsupported(device, routine: "device_set_filter")
    }
    public func unsupported(_ device: mach_port_t, routine: StaticString) -> kern_return_t {
        D_INVALID_OPERATION
    }
}

/// The device.defs interface for a ReceiveLoop: the installed driver and
/// the MIG demux with the interface's largest reply.
public enum DeviceServer {
    /// The driver the ds_* routines call; set before the loop runs (nil:
    /// every routine answers D_NO_SUCH_DEVICE).
    nonisolated(unsafe) public static var driver: (any DeviceDriver)?

    /// The largest reply of device.defs: device_get_status, 36 bytes plus
    /// DEV_STATUS_MAX (1024) words (gen/device_server.sizecheck.c).
    public static let maxReplySize = 36 + 4 * Int(DEV_STATUS_MAX)

    /// Requests are under 4.2 KiB (device_write_inband and _set_status).
    public static let maxRequestSize = 8192

    /// Add to a ReceiveLoop's interfaces.
    public static var interface: MIGInterface {
        MIGInterface(demux: device_server, maxReplySize: maxReplySize)
    }
}

/// device_read's reply id (2804 + 100), device_write's (2802 + 100),
/// their inband forms' (2805 + 100, 2803 + 100).
let readReplyID: mach_msg_id_t = 2904, writeReplyID: mach_msg_id_t = 2902
let readInbandReplyID: mach_msg_id_t = 2905, writeInbandReplyID: mach_msg_id_t = 2903

/// Fails to compile if any routine below differs from its C prototype.
func deviceRoutinePrototypesMatch() {
    checkPrototype(type(of: ds_device_open), type(of: dsDeviceOpen))
    checkPrototype(type(of: ds_device_close), type(of: dsDeviceClose))
    checkPrototype(type(of: ds_device_write), type(of: dsDeviceWrite))
    checkPrototype(type(of: ds_device_write_inband), type(of: dsDeviceWriteInband))
    checkPrototype(type(of: ds_device_read), type(of: dsDeviceRead))
    checkPrototype(type(of: ds_device_read_inband), type(of: dsDeviceReadInband))
    checkPrototype(type(of: ds_device_map), type(of: dsDeviceMap))
    checkPrototype(type(of: ds_device_set_status), type(of: dsDeviceSetStatus))
    checkPrototype(type(of: ds_device_get_status), type(of: dsDeviceGetStatus))
    checkPrototype(type(of: ds_device_set_filter), type(of: dsDeviceSetFilter))
    checkPrototype(type(of: ds_device_intr_register), type(of: dsDeviceIntrRegister))
    checkPrototype(type(of: ds_device_intr_ack), type(of: dsDeviceIntrAck))
}

/// A count from a request as an Int, or nil if it cannot be one (the stubs
/// bound the inband counts already; this keeps a stub change from becoming
/// a trap on client input).
func wordCount(_ n: mach_msg_type_number_t) -> Int? {
    guard let i = Int(exactly: n), i <= Int(Int32.max) else { return nil }
    return i
}

func unsupported(_ device: mach_port_t, _ routine: StaticString) -> kern_return_t {
    DeviceServer.driver?.unsupported(device, routine: routine) ?? D_NO_SUCH_DEVICE
}

@_cdecl("ds_device_open")
func dsDeviceOpen(_ master: mach_port_t, _ reply: mach_port_t, _ replyPoly: mach_msg_type_name_t,
                  _ mode: dev_mode_t, _ name: const_dev_name_t?,
                  _ device: UnsafeMutablePointer<mach_port_t>?,
                  _ devicePoly: UnsafeMutablePointer<mach_msg_type_name_t>?) -> kern_return_t {
    guard let driver = DeviceServer.driver, let name, let device, let devicePoly else { return D_NO_SUCH_DEVICE }
    var port = PortName.null
    let kr = driver.open(mode: mode, name: name, port: &port)
    if kr == D_SUCCESS {
        device.pointee = port.raw               // a send right made from the open's port
        devicePoly.pointee = mach_msg_type_name_t(MACH_MSG_TYPE_MAKE_SEND)
    }
    return kr
}

@_cdecl("ds_device_close")
func dsDeviceClose(_ device: mach_port_t) -> kern_return_t {
    guard let driver = DeviceServer.driver else { return D_NO_SUCH_DEVICE }
    return driver.close(device)
}

@_cdecl("ds_device_read")
func dsDeviceRead(_ device: mach_port_t, _ reply: mach_port_t, _ replyPoly: mach_msg_type_name_t,
                  _ mode: dev_mode_t, _ recnum: recnum_t, _ wanted: Int32,
                  _ data: UnsafeMutablePointer<io_buf_ptr_t?>?,
                  _ count: UnsafeMutablePointer<mach_msg_type_number_t>?) -> kern_return_t {
    guard let driver = DeviceServer.driver else { return D_NO_SUCH_DEVICE }
    guard let data, let count else { return D_INVALID_SIZE }
    let io = DeviceIO(device: device, reply: PortName(reply), replyDisposition: replyPoly,
                      mode: mode, record: recnum, replyID: readReplyID)
    return driver.read(io, wanted: wanted, data: &data.pointee, count: &count.pointee)
}

@_cdecl("ds_device_read_inband")
func dsDeviceReadInband(_ device: mach_port_t, _ reply: mach_port_t, _ replyPoly: mach_msg_type_name_t,
                        _ mode: dev_mode_t, _ recnum: recnum_t, _ wanted: Int32,
                        _ data: UnsafeMutablePointer<CChar>?,
                        _ count: UnsafeMutablePointer<mach_msg_type_number_t>?) -> kern_return_t {
    guard let driver = DeviceServer.driver else { return D_NO_SUCH_DEVICE }
    guard let data, let count, var n = wordCount(count.pointee) else { return D_INVALID_SIZE }
    let io = DeviceIO(device: device, reply: PortName(reply), replyDisposition: replyPoly,
                      mode: mode, record: recnum, replyID: readInbandReplyID)
    let kr = UnsafeMutableRawPointer(data).withMemoryRebound(to: UInt8.self, capacity: n) {
        driver.readInband(io, wanted: wanted, into: $0, count: &n)
    }
    if kr == D_SUCCESS { count.pointee = mach_msg_type_number_t(n) }
    return kr
}

@_cdecl("ds_device_write")
func dsDeviceWrite(_ device: mach_port_t, _ reply: mach_port_t, _ replyPoly: mach_msg_type_name_t,
                   _ mode: dev_mode_t, _ recnum: recnum_t, _ data: io_buf_ptr_t?,
                   _ count: mach_msg_type_number_t,
                   _ written: UnsafeMutablePointer<Int32>?) -> kern_return_t {
    guard let driver = DeviceServer.driver else { return D_NO_SUCH_DEVICE }
    let io = DeviceIO(device: device, reply: PortName(reply), replyDisposition: replyPoly,
                      mode: mode, record: recnum, replyID: writeReplyID)
    var n: Int32 = 0
    let kr = driver.write(io, data: data, count: count, written: &n)
    written?.pointee = n
    return kr
}

@_cdecl("ds_device_write_inband")
func dsDeviceWriteInband(_ device: mach_port_t, _ reply: mach_port_t, _ replyPoly: mach_msg_type_name_t,
                         _ mode: dev_mode_t, _ recnum: recnum_t, _ data: UnsafePointer<CChar>?,
                         _ count: mach_msg_type_number_t,
                         _ written: UnsafeMutablePointer<Int32>?) -> kern_return_t {
    guard let driver = DeviceServer.driver else { return D_NO_SUCH_DEVICE }
    guard let length = wordCount(count) else { return D_INVALID_SIZE }
    let io = DeviceIO(device: device, reply: PortName(reply), replyDisposition: replyPoly,
                      mode: mode, record: recnum, replyID: writeInbandReplyID)
    let bytes = UnsafeBufferPointer(start: UnsafeRawPointer(data)?.assumingMemoryBound(to: UInt8.self),
                                    count: data == nil ? 0 : length)
    var n: Int32 = 0
    let kr = driver.writeInband(io, data: bytes, written: &n)
    written?.pointee = n
    return kr
}

@_cdecl("ds_device_get_status")
func dsDeviceGetStatus(_ device: mach_port_t, _ flavor: dev_flavor_t, _ status: dev_status_t?,
                       _ count: UnsafeMutablePointer<mach_msg_type_number_t>?) -> kern_return_t {
    guard let driver = DeviceServer.driver else { return D_NO_SUCH_DEVICE }
    guard let status, let count, var n = wordCount(count.pointee) else { return D_INVALID_SIZE }
    let kr = driver.getStatus(device, flavor: flavor, into: status, count: &n)
    if kr == D_SUCCESS { count.pointee = mach_msg_type_number_t(n) }
    return kr
}

@_cdecl("ds_device_set_status")
func dsDeviceSetStatus(_ device: mach_port_t, _ flavor: dev_flavor_t, _ status: dev_status_t?,
                       _ count: mach_msg_type_number_t) -> kern_return_t {
    guard let driver = DeviceServer.driver else { return D_NO_SUCH_DEVICE }
    guard let n = wordCount(count) else { return D_INVALID_SIZE }
    let words = UnsafeBufferPointer(start: status.map { UnsafePointer($0) },
                                    count: status == nil ? 0 : n)
    return driver.setStatus(device, flavor: flavor, words: words)
}

@_cdecl("ds_device_map")
func dsDeviceMap(_ device: mach_port_t, _ prot: vm_prot_t, _ offset: vm_offset_t, _ size: vm_size_t,
                 _ pager: UnsafeMutablePointer<mach_port_t>?, _ unmap: Int32) -> kern_return_t {
    unsupported(device, "device_map")
}

@_cdecl("ds_device_set_filter")
func dsDeviceSetFilter(_ device: mach_port_t, _ receivePort: mach_port_t, _ priority: Int32,
                       _ filter: filter_array_t?, _ count: mach_msg_type_number_t) -> kern_return_t {
    guard let driver = DeviceServer.driver else { return D_NO_SUCH_DEVICE }
    guard let n = wordCount(count) else { return D_INVALID_SIZE }
    let words = UnsafeBufferPointer(start: filter.map { UnsafePointer($0) }, count: filter == nil ? 0 : n)
    return driver.setFilter(device, receivePort: receivePort, priority: priority, filter: words)
}

@_cdecl("ds_device_intr_register")
func dsDeviceIntrRegister(_ device: mach_port_t, _ id: Int32, _ flags: Int32,
                          _ receivePort: mach_port_t) -> kern_return_t {
    unsupported(device, "device_intr_register")
}

@_cdecl("ds_device_intr_ack")
func dsDeviceIntrAck(_ device: mach_port_t, _ receivePort: mach_port_t) -> kern_return_t {
    unsupported(device, "device_intr_ack")
}

/// A device_get_status answer that is one C structure of 32-bit words
/// (`blk_stats`, `net_stats`, ...): copies `value` into the caller's `out`
/// and sets `count` to its words.  False, with nothing written, when the
/// caller's `count` words have no room for it (answer D_INVALID_SIZE).
public func putStatusWords<T>(_ value: T, into out: UnsafeMutablePointer<Int32>, count: inout Int) -> Bool {
    let words = MemoryLayout<T>.size / 4
    guard count >= words else { return false }
    withUnsafeBytes(of: value) { UnsafeMutableRawPointer(out).copyMemory(from: $0.baseAddress!, byteCount: words * 4) }
    count = words
    return true
}
