// DeviceServer.swift - the server side of GNU Mach's device.defs, once for
// every driver: the ds_* routines the device_server demux (MIG server stub,
// gen/device_server.c, in libmach.a) calls, exported under their C names,
// checked against gen/device_server.h, converting C arguments to Swift
// values and handing them to the closures a driver installs.

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

/// What a driver does for each device.defs routine: a table of closures
/// (Embedded Swift has no existentials; closures need none).  A driver
/// fills the ones it offers and installs the table as
/// `DeviceServer.driver` before its receive loop starts; every routine
/// left nil answers through `unsupported` (by default D_INVALID_OPERATION).
/// The SDK has already checked the C pointers (MIG always passes them; a
/// missing one answers D_INVALID_SIZE) and writes the out-counts back when
/// a closure returns D_SUCCESS.
public struct DeviceDriver {
    /// device_open: on D_SUCCESS `port` names a receive right of this task
    /// (the open's port); the client gets a send right made from it.
    public var open: ((_ mode: dev_mode_t, _ name: UnsafePointer<CChar>,
                       _ port: inout PortName) -> kern_return_t)?
    public var close: ((_ device: mach_port_t) -> kern_return_t)?
    /// device_read: out-of-line data; `data` and `count` are the reply's.
    public var read: ((_ io: DeviceIO, _ wanted: Int32, _ data: inout io_buf_ptr_t?,
                       _ count: inout mach_msg_type_number_t) -> kern_return_t)?
    /// device_read_inband: at most `count` bytes (the stub's room) into
    /// `into`; `count` becomes the bytes read.
    public var readInband: ((_ io: DeviceIO, _ wanted: Int32, _ into: UnsafeMutablePointer<UInt8>,
                             _ count: inout Int) -> kern_return_t)?
    /// device_write: out-of-line `data` (nil only when `count` is 0)
    /// of `count` bytes, which belongs to the driver once it returns
    /// D_SUCCESS or MIG_NO_REPLY (on an error the receive loop frees it).
    public var write: ((_ io: DeviceIO, _ data: io_buf_ptr_t?, _ count: mach_msg_type_number_t,
                        _ written: inout Int32) -> kern_return_t)?
    public var writeInband: ((_ io: DeviceIO, _ data: UnsafeBufferPointer<UInt8>,
                              _ written: inout Int32) -> kern_return_t)?
    /// device_get_status: up to `count` words into `into`; `count` becomes
    /// the words written.
    public var getStatus: ((_ device: mach_port_t, _ flavor: dev_flavor_t,
                            _ into: UnsafeMutablePointer<Int32>, _ count: inout Int) -> kern_return_t)?
    public var setStatus: ((_ device: mach_port_t, _ flavor: dev_flavor_t,
                            _ words: UnsafeBufferPointer<Int32>) -> kern_return_t)?
    /// device_set_filter: `receivePort` is a send right that becomes the
    /// driver's on D_SUCCESS (on an error the receive loop destroys it);
    /// `filter` the client's words (at most NET_MAX_FILTER).
    public var setFilter: ((_ device: mach_port_t, _ receivePort: mach_port_t, _ priority: Int32,
                            _ filter: UnsafeBufferPointer<UInt16>) -> kern_return_t)?
    /// Every routine without a closure (device_map, device_set_filter,
    /// device_intr_register and device_intr_ack always): the port and the
    /// routine's name, for a log line.  Rights and out-of-line data in
    /// such requests are destroyed by the receive loop, since the answer
    /// is an error.
    public var unsupported: (_ device: mach_port_t, _ routine: StaticString) -> kern_return_t = { _, _ in
        D_INVALID_OPERATION
    }

    public init() {}
}

/// The device.defs interface for a ReceiveLoop: the installed driver and
/// the MIG demux with the interface's largest reply.
public enum DeviceServer {
    /// The table the ds_* routines call; set before the loop runs.
    nonisolated(unsafe) public static var driver = DeviceDriver()

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
    DeviceServer.driver.unsupported(device, routine)
}

@_cdecl("ds_device_open")
func dsDeviceOpen(_ master: mach_port_t, _ reply: mach_port_t, _ replyPoly: mach_msg_type_name_t,
                  _ mode: dev_mode_t, _ name: const_dev_name_t?,
                  _ device: UnsafeMutablePointer<mach_port_t>?,
                  _ devicePoly: UnsafeMutablePointer<mach_msg_type_name_t>?) -> kern_return_t {
    guard let open = DeviceServer.driver.open else { return unsupported(master, "device_open") }
    guard let name, let device, let devicePoly else { return D_NO_SUCH_DEVICE }
    var port = PortName.null
    let kr = open(mode, name, &port)
    if kr == D_SUCCESS {
        device.pointee = port.raw               // a send right made from the open's port
        devicePoly.pointee = mach_msg_type_name_t(MACH_MSG_TYPE_MAKE_SEND)
    }
    return kr
}

@_cdecl("ds_device_close")
func dsDeviceClose(_ device: mach_port_t) -> kern_return_t {
    guard let close = DeviceServer.driver.close else { return unsupported(device, "device_close") }
    return close(device)
}

@_cdecl("ds_device_read")
func dsDeviceRead(_ device: mach_port_t, _ reply: mach_port_t, _ replyPoly: mach_msg_type_name_t,
                  _ mode: dev_mode_t, _ recnum: recnum_t, _ wanted: Int32,
                  _ data: UnsafeMutablePointer<io_buf_ptr_t?>?,
                  _ count: UnsafeMutablePointer<mach_msg_type_number_t>?) -> kern_return_t {
    guard let read = DeviceServer.driver.read else { return unsupported(device, "device_read") }
    guard let data, let count else { return D_INVALID_SIZE }
    let io = DeviceIO(device: device, reply: PortName(reply), replyDisposition: replyPoly,
                      mode: mode, record: recnum, replyID: readReplyID)
    return read(io, wanted, &data.pointee, &count.pointee)
}

@_cdecl("ds_device_read_inband")
func dsDeviceReadInband(_ device: mach_port_t, _ reply: mach_port_t, _ replyPoly: mach_msg_type_name_t,
                        _ mode: dev_mode_t, _ recnum: recnum_t, _ wanted: Int32,
                        _ data: UnsafeMutablePointer<CChar>?,
                        _ count: UnsafeMutablePointer<mach_msg_type_number_t>?) -> kern_return_t {
    guard let read = DeviceServer.driver.readInband else {
        return unsupported(device, "device_read_inband")
    }
    guard let data, let count, var n = wordCount(count.pointee) else { return D_INVALID_SIZE }
    let io = DeviceIO(device: device, reply: PortName(reply), replyDisposition: replyPoly,
                      mode: mode, record: recnum, replyID: readInbandReplyID)
    let kr = UnsafeMutableRawPointer(data).withMemoryRebound(to: UInt8.self, capacity: n) {
        read(io, wanted, $0, &n)
    }
    if kr == D_SUCCESS { count.pointee = mach_msg_type_number_t(n) }
    return kr
}

@_cdecl("ds_device_write")
func dsDeviceWrite(_ device: mach_port_t, _ reply: mach_port_t, _ replyPoly: mach_msg_type_name_t,
                   _ mode: dev_mode_t, _ recnum: recnum_t, _ data: io_buf_ptr_t?,
                   _ count: mach_msg_type_number_t,
                   _ written: UnsafeMutablePointer<Int32>?) -> kern_return_t {
    guard let write = DeviceServer.driver.write else { return unsupported(device, "device_write") }
    let io = DeviceIO(device: device, reply: PortName(reply), replyDisposition: replyPoly,
                      mode: mode, record: recnum, replyID: writeReplyID)
    var n: Int32 = 0
    let kr = write(io, data, count, &n)
    written?.pointee = n
    return kr
}

@_cdecl("ds_device_write_inband")
func dsDeviceWriteInband(_ device: mach_port_t, _ reply: mach_port_t, _ replyPoly: mach_msg_type_name_t,
                         _ mode: dev_mode_t, _ recnum: recnum_t, _ data: UnsafePointer<CChar>?,
                         _ count: mach_msg_type_number_t,
                         _ written: UnsafeMutablePointer<Int32>?) -> kern_return_t {
    guard let write = DeviceServer.driver.writeInband else {
        return unsupported(device, "device_write_inband")
    }
    guard let length = wordCount(count) else { return D_INVALID_SIZE }
    let io = DeviceIO(device: device, reply: PortName(reply), replyDisposition: replyPoly,
                      mode: mode, record: recnum, replyID: writeInbandReplyID)
    let bytes = UnsafeBufferPointer(start: UnsafeRawPointer(data)?.assumingMemoryBound(to: UInt8.self),
                                    count: data == nil ? 0 : length)
    var n: Int32 = 0
    let kr = write(io, bytes, &n)
    written?.pointee = n
    return kr
}

@_cdecl("ds_device_get_status")
func dsDeviceGetStatus(_ device: mach_port_t, _ flavor: dev_flavor_t, _ status: dev_status_t?,
                       _ count: UnsafeMutablePointer<mach_msg_type_number_t>?) -> kern_return_t {
    guard let get = DeviceServer.driver.getStatus else {
        return unsupported(device, "device_get_status")
    }
    guard let status, let count, var n = wordCount(count.pointee) else { return D_INVALID_SIZE }
    let kr = get(device, flavor, status, &n)
    if kr == D_SUCCESS { count.pointee = mach_msg_type_number_t(n) }
    return kr
}

@_cdecl("ds_device_set_status")
func dsDeviceSetStatus(_ device: mach_port_t, _ flavor: dev_flavor_t, _ status: dev_status_t?,
                       _ count: mach_msg_type_number_t) -> kern_return_t {
    guard let set = DeviceServer.driver.setStatus else {
        return unsupported(device, "device_set_status")
    }
    guard let n = wordCount(count) else { return D_INVALID_SIZE }
    let words = UnsafeBufferPointer(start: status.map { UnsafePointer($0) },
                                    count: status == nil ? 0 : n)
    return set(device, flavor, words)
}

@_cdecl("ds_device_map")
func dsDeviceMap(_ device: mach_port_t, _ prot: vm_prot_t, _ offset: vm_offset_t, _ size: vm_size_t,
                 _ pager: UnsafeMutablePointer<mach_port_t>?, _ unmap: Int32) -> kern_return_t {
    unsupported(device, "device_map")
}

@_cdecl("ds_device_set_filter")
func dsDeviceSetFilter(_ device: mach_port_t, _ receivePort: mach_port_t, _ priority: Int32,
                       _ filter: filter_array_t?, _ count: mach_msg_type_number_t) -> kern_return_t {
    guard let set = DeviceServer.driver.setFilter else { return unsupported(device, "device_set_filter") }
    guard let n = wordCount(count) else { return D_INVALID_SIZE }
    return set(device, receivePort, priority, UnsafeBufferPointer(start: filter, count: filter == nil ? 0 : n))
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
