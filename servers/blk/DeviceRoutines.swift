// DeviceRoutines.swift - the ds_* routines the device_server demux (MIG
// server stub of GNU Mach's device.defs) calls, for device.defs requests
// and for their device_request.defs forms, which arrive as the same
// messages.
//
// Each routine is exported under its C name and checked against the
// prototype in gen/device_server.h at compile time (`prototypesMatch`).
// Reads and writes that pass the checks become IORequests and return
// MIG_NO_REPLY: the reply (device_reply.defs' message, the same one a
// synchronous caller waits for) goes when the device has finished.  Checks
// that fail return their D_* code, which the stub sends at once.

import Mach
import Virtio
import CBlk

nonisolated(unsafe) var server: BlkServer!

/// Fails to compile if any routine below differs from its C prototype.
func prototypesMatch() {
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

/// device_read's reply id (2804 + 100), device_write's (2802 + 100).
let readReplyID: mach_msg_id_t = 2904, writeReplyID: mach_msg_id_t = 2902

@_cdecl("ds_device_open")
func deviceOpen(_ master: mach_port_t, _ reply: mach_port_t, _ replyPoly: mach_msg_type_name_t,
                _ mode: dev_mode_t, _ name: const_dev_name_t?,
                _ device: UnsafeMutablePointer<mach_port_t>?,
                _ devicePoly: UnsafeMutablePointer<mach_msg_type_name_t>?) -> kern_return_t {
    guard let name, let device, let devicePoly else { return D_NO_SUCH_DEVICE }
    var port = PortName.null
    let kr = server.open(mode: mode, name: name, port: &port)
    if kr == D_SUCCESS {
        device.pointee = port.raw                       // a send right made from the open's port
        devicePoly.pointee = mach_msg_type_name_t(MACH_MSG_TYPE_MAKE_SEND)
    }
    return kr
}

@_cdecl("ds_device_close")
func deviceClose(_ device: mach_port_t) -> kern_return_t {
    server.close(device)
}

@_cdecl("ds_device_read")
func deviceRead(_ device: mach_port_t, _ reply: mach_port_t, _ replyPoly: mach_msg_type_name_t,
                _ mode: dev_mode_t, _ recnum: recnum_t, _ wanted: Int32,
                _ data: UnsafeMutablePointer<io_buf_ptr_t>?,
                _ count: UnsafeMutablePointer<mach_msg_type_number_t>?) -> kern_return_t {
    guard let o = server.lookup("device_read", device) else { return D_NO_SUCH_DEVICE }
    let d = o.disk
    let (extent, code) = d.check("device_read", o, write: false, inband: false, recnum: recnum, wanted: Int(wanted))
    guard let extent else { return code }
    var zeroCopy = d.config.zeroCopy
    if mode & dev_mode_t(BLK_MODE_COPY) != 0 { zeroCopy = false }
    if mode & dev_mode_t(BLK_MODE_ZEROCOPY) != 0 { zeroCopy = true }
    // Pages for the reply: contiguous ones the device can fill; failing
    // that (fragmented memory), ordinary ones and the copying path.
    let pages = (extent.bytes + pageSize - 1) / pageSize
    var region = d.reserve.take(pages: pages)
    if region == nil {
        region = PageReserve.ordinaryPages(pages)
        zeroCopy = false
    }
    guard let region else {
        return d.refuse("device_read", D_NO_MEMORY, "no pages for \(extent.bytes) bytes")
    }
    let r = IORequest(kind: .read, reply: PendingReply(port: PortName(reply), disposition: replyPoly, id: readReplyID),
                      sector: extent.sector, bytes: extent.bytes)
    r.region = region
    r.zeroCopy = zeroCopy
    d.accept(r)
    return MIG_NO_REPLY
}

// The inband forms follow the same rules as the others, whole records
// only; a record (512 bytes at least) never fits in IO_INBAND_MAX (128)
// bytes, so every inband read or write is refused, with the error the
// checks find first (a closed device, a read-only disk, a bad size).

@_cdecl("ds_device_read_inband")
func deviceReadInband(_ device: mach_port_t, _ reply: mach_port_t, _ replyPoly: mach_msg_type_name_t,
                      _ mode: dev_mode_t, _ recnum: recnum_t, _ wanted: Int32,
                      _ data: UnsafeMutablePointer<CChar>?,
                      _ count: UnsafeMutablePointer<mach_msg_type_number_t>?) -> kern_return_t {
    guard let o = server.lookup("device_read_inband", device) else { return D_NO_SUCH_DEVICE }
    let (_, code) = o.disk.check("device_read_inband", o, write: false, inband: true, recnum: recnum,
                                 wanted: Int(wanted))
    return code
}

@_cdecl("ds_device_write")
func deviceWrite(_ device: mach_port_t, _ reply: mach_port_t, _ replyPoly: mach_msg_type_name_t,
                 _ mode: dev_mode_t, _ recnum: recnum_t, _ data: io_buf_ptr_t,
                 _ count: mach_msg_type_number_t,
                 _ written: UnsafeMutablePointer<Int32>?) -> kern_return_t {
    // On an error return the receive loop frees the out-of-line data.
    guard let o = server.lookup("device_write", device) else { return D_NO_SUCH_DEVICE }
    let d = o.disk
    let (extent, code) = d.check("device_write", o, write: true, inband: false, recnum: recnum, wanted: Int(count))
    guard let extent else { return code }
    guard data >> 32 == 0, let src = UnsafeMutableRawPointer(bitPattern: UInt(data)) else {
        return d.refuse("device_write", D_INVALID_SIZE, "no data")
    }
    let r = IORequest(kind: .write, reply: PendingReply(port: PortName(reply), disposition: replyPoly, id: writeReplyID),
                      sector: extent.sector, bytes: extent.bytes)
    r.source = src                      // ours now: freed when the request ends
    r.sourceSize = Int(count)
    d.accept(r)
    return MIG_NO_REPLY
}

@_cdecl("ds_device_write_inband")
func deviceWriteInband(_ device: mach_port_t, _ reply: mach_port_t, _ replyPoly: mach_msg_type_name_t,
                       _ mode: dev_mode_t, _ recnum: recnum_t, _ data: UnsafePointer<CChar>?,
                       _ count: mach_msg_type_number_t,
                       _ written: UnsafeMutablePointer<Int32>?) -> kern_return_t {
    guard let o = server.lookup("device_write_inband", device) else { return D_NO_SUCH_DEVICE }
    let (_, code) = o.disk.check("device_write_inband", o, write: true, inband: true, recnum: recnum,
                                 wanted: Int(count))
    return code
}

@_cdecl("ds_device_get_status")
func deviceGetStatus(_ device: mach_port_t, _ flavor: dev_flavor_t, _ status: dev_status_t?,
                     _ count: UnsafeMutablePointer<mach_msg_type_number_t>?) -> kern_return_t {
    guard let o = server.lookup("device_get_status", device) else { return D_NO_SUCH_DEVICE }
    guard let status, let count else { return D_INVALID_SIZE }
    var n = Int(count.pointee)
    let kr = o.disk.getStatus(flavor, into: status, count: &n)
    if kr == D_SUCCESS { count.pointee = mach_msg_type_number_t(n) }
    return kr
}

@_cdecl("ds_device_set_status")
func deviceSetStatus(_ device: mach_port_t, _ flavor: dev_flavor_t, _ status: dev_status_t?,
                     _ count: mach_msg_type_number_t) -> kern_return_t {
    guard let o = server.lookup("device_set_status", device) else { return D_NO_SUCH_DEVICE }
    return o.disk.setStatus(o, flavor, status.map { UnsafePointer($0) }, status == nil ? 0 : Int(count))
}

// Routines a disk does not offer.  Rights in these requests are destroyed
// by the receive loop, since the answer is an error.

func unsupported(_ device: mach_port_t, _ routine: StaticString) -> kern_return_t {
    guard let o = server.lookup(routine, device) else { return D_NO_SUCH_DEVICE }
    return o.disk.refuse(routine, D_INVALID_OPERATION, "not offered by a disk")
}

@_cdecl("ds_device_map")
func deviceMap(_ device: mach_port_t, _ prot: vm_prot_t, _ offset: vm_offset_t, _ size: vm_size_t,
               _ pager: UnsafeMutablePointer<mach_port_t>?, _ unmap: Int32) -> kern_return_t {
    unsupported(device, "device_map")
}

@_cdecl("ds_device_set_filter")
func deviceSetFilter(_ device: mach_port_t, _ receivePort: mach_port_t, _ priority: Int32,
                     _ filter: filter_array_t?, _ count: mach_msg_type_number_t) -> kern_return_t {
    unsupported(device, "device_set_filter")
}

@_cdecl("ds_device_intr_register")
func deviceIntrRegister(_ device: mach_port_t, _ id: Int32, _ flags: Int32,
                        _ receivePort: mach_port_t) -> kern_return_t {
    unsupported(device, "device_intr_register")
}

@_cdecl("ds_device_intr_ack")
func deviceIntrAck(_ device: mach_port_t, _ receivePort: mach_port_t) -> kern_return_t {
    unsupported(device, "device_intr_ack")
}
