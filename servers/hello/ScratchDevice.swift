// ScratchDevice.swift - the "hello" device: an echo/scratch store behind
// GNU Mach's device interface.  The SDK's MIG glue (DeviceServer) turns
// requests into calls on HelloDevice, a DeviceDriver; this file is the
// device's logic.
//
// Semantics (record size 1 byte, so record numbers are byte offsets):
//   open        modes D_READ D_WRITE D_NODELAY D_NOWAIT; other bits are
//               D_INVALID_OPERATION, other names D_NO_SUCH_DEVICE.  Each
//               open gets a port of its own (a member of the server's port
//               set) and the client a send right to it; at most `maxOpen`
//               opens at a time (D_NO_MEMORY).
//   close       after device_close the open's port stays, and everything
//               on it answers D_NO_SUCH_DEVICE as GNU Mach does for a closed
//               device, until the client lets go of its send right: the
//               no-senders notification then retires the open (closed or
//               not, so a client that dies holding opens frees them).  Of
//               closed ports still held, the last `keptClosed` are kept and
//               older ones destroyed (their holders then see a dead name).
//   write       appends: the record number must be the current size (so
//               concurrent writers find out with D_INVALID_RECNUM that
//               someone else appended first); at most 128 bytes
//               (D_INVALID_SIZE), at most `ScratchBuffer.limit` in all
//               (D_NO_MEMORY); the open needs D_WRITE (D_INVALID_OPERATION).
//   read        up to 128 bytes from any record up to the size (at the end:
//               0 bytes); beyond it D_INVALID_RECNUM, a negative or larger
//               count D_INVALID_SIZE; the open needs D_READ.
//   get_status  DEV_GET_SIZE and DEV_GET_RECORDS (2 words each); other
//               flavors D_INVALID_OPERATION, room for fewer than 2 words
//               D_INVALID_SIZE.
//   set_status  D_INVALID_OPERATION.
// All opens share one store: the device, not the open, holds the data.

import SMRuntime
import Mach

/// The device's bytes: an append-only buffer (a class: one store shared by
/// every open, reference counted).
final class ScratchBuffer {
    static let limit = 16 * 1024
    private(set) var bytes: [UInt8] = []

    var count: Int { bytes.count }

    func append(_ data: UnsafeBufferPointer<UInt8>) {
        bytes.append(contentsOf: data)
    }

    /// Copies `n` bytes from `offset` to `out`.
    func copy(from offset: Int, count n: Int, to out: UnsafeMutablePointer<UInt8>) {
        for i in 0..<n { out[i] = bytes[offset + i] }
    }
}

/// The device as the server sees it: the registered port (device_open
/// arrives there), its opens (the SDK's OpenTable: there is one device, so
/// an open refers to nothing more), its store, and the checks every
/// request goes through.
final class HelloDevice {
    static let name: StaticString = "hello"
    static let recordSize: Int32 = 1
    static let knownModes = dev_mode_t(D_READ | D_WRITE | D_NODELAY | D_NOWAIT)
    static let maxOpen = 64
    static let keptClosed = 16

    let registered: ReceiveRight
    let opens: OpenTable<Void>
    let store = ScratchBuffer()
    var complaints = LogLimiter(burst: 40, every: 200)

    init(set: PortName, registered: consuming ReceiveRight) {
        self.registered = registered
        opens = OpenTable(set: set, limit: HelloDevice.maxOpen,
                          closedOpens: .keepAtMost(HelloDevice.keptClosed))
    }

    /// Logs why a request failed (rate limited) and returns its code.
    func refuse(_ routine: StaticString, _ code: kern_return_t, _ why: String) -> kern_return_t {
        if complaints.allow() {
            print("hello: \(routine): \(why): \(deviceErrorName(code))")
        }
        return code
    }

    /// device_open: on success `port` names the new open's port.
    func open(mode: dev_mode_t, name: UnsafePointer<CChar>, port: inout PortName) -> kern_return_t {
        guard strncmp(name, cName(HelloDevice.name), MemoryLayout<dev_name_t>.size) == 0 else {
            return refuse("device_open", D_NO_SUCH_DEVICE, "unknown name")
        }
        guard mode & ~HelloDevice.knownModes == 0 else {
            return refuse("device_open", D_INVALID_OPERATION, "mode \(hex(mode))")
        }
        do throws(OpenRefusal) {
            port = try opens.add(target: (), mode: mode)
            return D_SUCCESS
        } catch {
            return refuse("device_open", error.code, error.why)
        }
    }

    /// The open a request arrived on, unless it is closed (or the request
    /// came to the registered port, which is no open device).
    func lookup(_ routine: StaticString, _ port: mach_port_t) -> DeviceOpen<Void>? {
        guard let o = opens.lookup(PortName(port)) else {
            _ = refuse(routine, D_NO_SUCH_DEVICE, "port \(port) is no open device")
            return nil
        }
        guard !o.closed else {
            _ = refuse(routine, D_NO_SUCH_DEVICE, "device is closed")
            return nil
        }
        return o
    }

    func close(_ port: mach_port_t) -> kern_return_t {
        guard let o = lookup("device_close", port) else { return D_NO_SUCH_DEVICE }
        opens.close(o)
        return D_SUCCESS
    }

    /// An open that allows `need` (D_READ or D_WRITE), asked with a mode
    /// of known bits.
    func usable(_ routine: StaticString, _ port: mach_port_t, _ mode: dev_mode_t,
                _ need: Int32, _ code: inout kern_return_t) -> DeviceOpen<Void>? {
        code = D_NO_SUCH_DEVICE
        guard let o = lookup(routine, port) else { return nil }
        if mode & ~HelloDevice.knownModes != 0 {
            code = refuse(routine, D_INVALID_OPERATION, "mode \(hex(mode))")
        } else if o.mode & dev_mode_t(need) == 0 {
            code = refuse(routine, D_INVALID_OPERATION, "opened with mode \(hex(o.mode))")
        } else {
            code = D_SUCCESS
            return o
        }
        return nil
    }

    func write(_ port: mach_port_t, mode: dev_mode_t, record: recnum_t,
               _ data: UnsafeBufferPointer<UInt8>, written: inout Int32) -> kern_return_t {
        var kr = D_SUCCESS
        guard usable("device_write_inband", port, mode, D_WRITE, &kr) != nil else { return kr }
        if data.count > Int(IO_INBAND_MAX) {
            kr = refuse("device_write_inband", D_INVALID_SIZE, "\(data.count) bytes")
        } else if Int(record) != store.count {
            kr = refuse("device_write_inband", D_INVALID_RECNUM,
                        "record \(record) is not the end (\(store.count))")
        } else if store.count + data.count > ScratchBuffer.limit {
            kr = refuse("device_write_inband", D_NO_MEMORY, "store full")
        } else {
            store.append(data)
            written = Int32(data.count)
        }
        return kr
    }

    func read(_ port: mach_port_t, mode: dev_mode_t, record: recnum_t, wanted: Int32,
              into out: UnsafeMutablePointer<UInt8>, count: inout Int) -> kern_return_t {
        var kr = D_SUCCESS
        guard usable("device_read_inband", port, mode, D_READ, &kr) != nil else { return kr }
        guard wanted >= 0 && wanted <= Int32(IO_INBAND_MAX) && Int(wanted) <= count else {
            return refuse("device_read_inband", D_INVALID_SIZE, "\(wanted) bytes")
        }
        guard UInt64(record) <= UInt64(store.count) else {
            return refuse("device_read_inband", D_INVALID_RECNUM,
                          "record \(record) beyond the end (\(store.count))")
        }
        count = min(Int(wanted), store.count - Int(record))
        store.copy(from: Int(record), count: count, to: out)
        return D_SUCCESS
    }

    func status(_ port: mach_port_t, flavor: dev_flavor_t, into out: UnsafeMutablePointer<Int32>,
                count: inout Int) -> kern_return_t {
        guard lookup("device_get_status", port) != nil else { return D_NO_SUCH_DEVICE }
        guard flavor == DEV_GET_SIZE || flavor == DEV_GET_RECORDS else {
            return refuse("device_get_status", D_INVALID_OPERATION, "flavor \(flavor)")
        }
        guard count >= Int(DEV_GET_SIZE_COUNT) else {
            return refuse("device_get_status", D_INVALID_SIZE, "room for \(count) words")
        }
        // DEV_GET_SIZE: device size in bytes, record size.  DEV_GET_RECORDS:
        // number of records, record size.  With 1-byte records both say
        // the same, and the word indexes agree too.
        out[Int(DEV_GET_SIZE_DEVICE_SIZE)] = Int32(store.count)
        out[Int(DEV_GET_SIZE_RECORD_SIZE)] = HelloDevice.recordSize
        count = Int(DEV_GET_SIZE_COUNT)
        return D_SUCCESS
    }

    func setStatus(_ port: mach_port_t, flavor: dev_flavor_t) -> kern_return_t {
        guard lookup("device_set_status", port) != nil else { return D_NO_SUCH_DEVICE }
        return refuse("device_set_status", D_INVALID_OPERATION, "flavor \(flavor)")
    }
}

/// The routines this device offers, as the SDK's DeviceDriver: the inband
/// forms only (device_read and device_write, out of line, are refused like
/// every routine left out, with a log line).
extension HelloDevice: DeviceDriver {
    func writeInband(_ io: DeviceIO, data: UnsafeBufferPointer<UInt8>, written: inout Int32) -> kern_return_t {
        write(io.device, mode: io.mode, record: io.record, data, written: &written)
    }

    func readInband(_ io: DeviceIO, wanted: Int32, into: UnsafeMutablePointer<UInt8>,
                    count: inout Int) -> kern_return_t {
        read(io.device, mode: io.mode, record: io.record, wanted: wanted, into: into, count: &count)
    }

    func getStatus(_ device: mach_port_t, flavor: dev_flavor_t, into: UnsafeMutablePointer<Int32>,
                   count: inout Int) -> kern_return_t {
        status(device, flavor: flavor, into: into, count: &count)
    }

    func setStatus(_ device: mach_port_t, flavor: dev_flavor_t, words: UnsafeBufferPointer<Int32>) -> kern_return_t {
        setStatus(device, flavor: flavor)
    }

    func unsupported(_ device: mach_port_t, routine: StaticString) -> kern_return_t {
        refuse(routine, D_INVALID_OPERATION, "not supported")
    }
}

/// A string literal as a C string.
func cName(_ s: StaticString) -> UnsafePointer<CChar> {
    UnsafeRawPointer(s.utf8Start).assumingMemoryBound(to: CChar.self)
}
