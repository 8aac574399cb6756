// DeviceRoutines.swift - the ds_* routines the device_server demux (MIG
// server stub of GNU Mach's device.defs, gen/device_server.c) calls.
//
// Each routine is exported under its C name with @_cdecl and checked
// against the prototype in gen/device_server.h at compile time
// (checkPrototype in `routinePrototypesMatch`).  The routines only convert
// between C arguments and Swift values; HelloDevice decides.  Routines the
// device does not offer answer D_INVALID_OPERATION, so every request of
// the interface gets a reply.

import SMRuntime
import Mach

/// The device this task serves; set before the receive loop starts.
nonisolated(unsafe) var helloDevice: HelloDevice?

/// The largest reply of device.defs: device_get_status, 44 bytes plus
/// 1024 status words (gen/device_server.sizecheck.c).
let deviceMaxReply = 44 + 4 * Int(DEV_STATUS_MAX)

/// Fails to compile if any routine below differs from its C prototype.
func routinePrototypesMatch() {
    checkPrototype(type(of: ds_device_open), type(of: deviceOpen))
    checkPrototype(type(of: ds_device_close), type(of: deviceClose))
    checkPrototype(type(of: ds_device_write), type(of: deviceWrite))
    checkPrototype(type(of: ds_device_write_inband), type(of: deviceWriteInband))
    checkPrototype(type(of: ds_device_read), type(of: deviceRead))
    checkPrototype(type(of: ds_device_read_inband), type(of: deviceReadInband))
    checkPrototype(type(of: ds_device_map), type(of: deviceMap))
    checkPrototype(type(of: ds_device_set_status), type(of: deviceSetStatus))
    checkPrototype(type(of: ds_device_get_status), type(of: deviceGetStatus))
    checkPrototype(type(of: ds_device_set_filter), type(of: deviceSetFilter))
    checkPrototype(type(of: ds_device_intr_register), type(of: deviceIntrRegister))
    checkPrototype(type(of: ds_device_intr_ack), type(of: deviceIntrAck))
}

@_cdecl("ds_device_open")
func deviceOpen(_ master: mach_port_t, _ reply: mach_port_t, _ replyPoly: mach_msg_type_name_t,
                _ mode: dev_mode_t, _ name: const_dev_name_t?,
                _ device: UnsafeMutablePointer<mach_port_t>?,
                _ devicePoly: UnsafeMutablePointer<mach_msg_type_name_t>?) -> kern_return_t {
    guard let dev = helloDevice, let name, let device, let devicePoly else {
        return D_NO_SUCH_DEVICE
    }
    var port = PortName.null
    let kr = dev.open(mode: mode, name: name, port: &port)
    if kr == D_SUCCESS {
        device.pointee = port.raw               // a send right made from the open's port
        devicePoly.pointee = mach_msg_type_name_t(MACH_MSG_TYPE_MAKE_SEND)
    }
    return kr
}

@_cdecl("ds_device_close")
func deviceClose(_ device: mach_port_t) -> kern_return_t {
    helloDevice?.close(device) ?? D_NO_SUCH_DEVICE
}

@_cdecl("ds_device_write_inband")
func deviceWriteInband(_ device: mach_port_t, _ reply: mach_port_t, _ replyPoly: mach_msg_type_name_t,
                       _ mode: dev_mode_t, _ recnum: recnum_t, _ data: UnsafePointer<CChar>?,
                       _ count: mach_msg_type_number_t,
                       _ written: UnsafeMutablePointer<Int32>?) -> kern_return_t {
    guard let dev = helloDevice, let written else { return D_NO_SUCH_DEVICE }
    let raw = UnsafeRawPointer(data).map { UnsafeBufferPointer(start: $0.assumingMemoryBound(to: UInt8.self),
                                                                count: Int(count)) }
    var n: Int32 = 0
    let kr = dev.write(device, mode: mode, record: recnum, raw ?? UnsafeBufferPointer(start: nil, count: 0),
                       written: &n)
    written.pointee = n
    return kr
}

@_cdecl("ds_device_read_inband")
func deviceReadInband(_ device: mach_port_t, _ reply: mach_port_t, _ replyPoly: mach_msg_type_name_t,
                      _ mode: dev_mode_t, _ recnum: recnum_t, _ wanted: Int32,
                      _ data: UnsafeMutablePointer<CChar>?,
                      _ count: UnsafeMutablePointer<mach_msg_type_number_t>?) -> kern_return_t {
    guard let dev = helloDevice, let data, let count else { return D_NO_SUCH_DEVICE }
    var n = Int(count.pointee)
    let kr = UnsafeMutableRawPointer(data).withMemoryRebound(to: UInt8.self, capacity: n) {
        dev.read(device, mode: mode, record: recnum, wanted: wanted, into: $0, count: &n)
    }
    if kr == D_SUCCESS { count.pointee = mach_msg_type_number_t(n) }
    return kr
}

@_cdecl("ds_device_get_status")
func deviceGetStatus(_ device: mach_port_t, _ flavor: dev_flavor_t, _ status: dev_status_t?,
                     _ count: UnsafeMutablePointer<mach_msg_type_number_t>?) -> kern_return_t {
    guard let dev = helloDevice, let status, let count else { return D_NO_SUCH_DEVICE }
    var n = Int(count.pointee)
    let kr = dev.status(device, flavor: flavor, into: status, count: &n)
    if kr == D_SUCCESS { count.pointee = mach_msg_type_number_t(n) }
    return kr
}

@_cdecl("ds_device_set_status")
func deviceSetStatus(_ device: mach_port_t, _ flavor: dev_flavor_t, _ status: dev_status_t?,
                     _ count: mach_msg_type_number_t) -> kern_return_t {
    helloDevice?.setStatus(device, flavor: flavor) ?? D_NO_SUCH_DEVICE
}

// Routines the scratch device does not offer.  Rights and out-of-line data
// in these requests are destroyed by the receive loop, since the answer is
// an error.

func unsupported(_ routine: StaticString) -> kern_return_t {
    helloDevice?.refuse(routine, D_INVALID_OPERATION, "not supported") ?? D_INVALID_OPERATION
}

@_cdecl("ds_device_write")
func deviceWrite(_ device: mach_port_t, _ reply: mach_port_t, _ replyPoly: mach_msg_type_name_t,
                 _ mode: dev_mode_t, _ recnum: recnum_t, _ data: io_buf_ptr_t,
                 _ count: mach_msg_type_number_t,
                 _ written: UnsafeMutablePointer<Int32>?) -> kern_return_t {
    unsupported("device_write")
}

@_cdecl("ds_device_read")
func deviceRead(_ device: mach_port_t, _ reply: mach_port_t, _ replyPoly: mach_msg_type_name_t,
                _ mode: dev_mode_t, _ recnum: recnum_t, _ wanted: Int32,
                _ data: UnsafeMutablePointer<io_buf_ptr_t>?,
                _ count: UnsafeMutablePointer<mach_msg_type_number_t>?) -> kern_return_t {
    unsupported("device_read")
}

@_cdecl("ds_device_map")
func deviceMap(_ device: mach_port_t, _ prot: vm_prot_t, _ offset: vm_offset_t, _ size: vm_size_t,
               _ pager: UnsafeMutablePointer<mach_port_t>?, _ unmap: Int32) -> kern_return_t {
    unsupported("device_map")
}

@_cdecl("ds_device_set_filter")
func deviceSetFilter(_ device: mach_port_t, _ receivePort: mach_port_t, _ priority: Int32,
                     _ filter: filter_array_t?,
                     _ count: mach_msg_type_number_t) -> kern_return_t {
    unsupported("device_set_filter")
}

@_cdecl("ds_device_intr_register")
func deviceIntrRegister(_ device: mach_port_t, _ id: Int32, _ flags: Int32,
                        _ receivePort: mach_port_t) -> kern_return_t {
    unsupported("device_intr_register")
}

@_cdecl("ds_device_intr_ack")
func deviceIntrAck(_ device: mach_port_t, _ receivePort: mach_port_t) -> kern_return_t {
    unsupported("device_intr_ack")
}
