// Opens.swift - the server's disks and their clients' opens, and the
// checks every read and write goes through before it becomes a request.

import Mach
import Virtio
import CBlk

/// One device_open: its port (a member of the server's port set; requests
/// on it are for this open), the disk and the mode.  After device_close
/// the port answers D_NO_SUCH_DEVICE until its client lets go of it (the
/// no-senders notification retires it, as for a client that died).
final class OpenDevice {
    let right: ReceiveRight
    let disk: Disk
    let mode: dev_mode_t
    var closed = false

    init(right: consuming ReceiveRight, disk: Disk, mode: dev_mode_t) {
        self.right = right
        self.disk = disk
        self.mode = mode
    }
}

/// The disks this task serves and every open of them.
final class BlkServer {
    static let openModes = dev_mode_t(D_READ | D_WRITE | D_NODELAY | D_NOWAIT)
    static let maxOpens = 256

    let set: PortName
    var disks: [Disk] = []
    var opens: [OpenDevice] = []

    init(set: PortName) { self.set = set }

    func disk(named name: UnsafePointer<CChar>) -> Disk? {
        for d in disks {
            let want = Array(d.name.utf8)
            var i = 0
            while i < want.count && UInt8(bitPattern: name[i]) == want[i] { i += 1 }
            if i == want.count && name[i] == 0 { return d }
        }
        return nil
    }

    func open(mode: dev_mode_t, name: UnsafePointer<CChar>, port: inout PortName) -> kern_return_t {
        guard let d = disk(named: name) else {
            print("blk: device_open: no disk of that name: D_NO_SUCH_DEVICE")
            return D_NO_SUCH_DEVICE
        }
        guard mode & ~BlkServer.openModes == 0 else {
            return d.refuse("device_open", D_INVALID_OPERATION, "mode \(hex(mode))")
        }
        if mode & dev_mode_t(D_WRITE) != 0 && d.readOnly {
            return d.refuse("device_open", D_READ_ONLY, "the disk is read-only")
        }
        guard opens.count < BlkServer.maxOpens else {
            return d.refuse("device_open", D_NO_MEMORY, "\(opens.count) opens already")
        }
        guard let right = ReceiveRight.allocate() else {
            return d.refuse("device_open", D_NO_MEMORY, "no port")
        }
        var kr = right.join(set)
        if kr == KERN_SUCCESS { kr = right.requestNoSenders() }
        guard kr == KERN_SUCCESS else {
            return d.refuse("device_open", D_NO_MEMORY, "port set or notification: \(hex(kr))")
        }
        port = right.name
        opens.append(OpenDevice(right: right, disk: d, mode: mode))
        d.opens += 1
        return D_SUCCESS
    }

    /// The open a request came in on (and counts the request), unless it
    /// is closed or unknown.
    func lookup(_ routine: StaticString, _ port: mach_port_t) -> OpenDevice? {
        for o in opens where o.right.name.raw == port {
            o.disk.stats.requests += 1
            if !o.closed { return o }
            _ = o.disk.refuse(routine, D_NO_SUCH_DEVICE, "device is closed")
            return nil
        }
        print("blk: \(routine): port \(port) is no open disk: D_NO_SUCH_DEVICE")
        return nil
    }

    func close(_ port: mach_port_t) -> kern_return_t {
        guard let o = lookup("device_close", port) else { return D_NO_SUCH_DEVICE }
        o.closed = true
        o.disk.opens -= 1
        return D_SUCCESS
    }

    /// No-senders on an open's port: nobody can use it any more.  Its
    /// requests in flight still finish (their replies go to reply ports).
    func forget(_ port: PortName) {
        if let i = opens.firstIndex(where: { $0.right.name == port }) {
            if !opens[i].closed { opens[i].disk.opens -= 1 }
            opens.remove(at: i)
        }
    }
}

/// Where a checked read or write goes.
struct Extent {
    let sector: UInt64
    let bytes: Int
}

extension Disk {
    /// The checks of include/sm/blk_stats.h for a read or write of `wanted`
    /// bytes at record `recnum`: the open's mode, the disk's read-only
    /// state, the size (whole records, at most BLK_MAX_IO, or IO_INBAND_MAX
    /// for the inband forms, which no record fits), the record number; a
    /// request that runs past the end is cut there.
    func check(_ routine: StaticString, _ open: OpenDevice, write: Bool, inband: Bool,
               recnum: recnum_t, wanted: Int) -> (Extent?, kern_return_t) {
        if write {
            if readOnly { return (nil, refuse(routine, D_READ_ONLY, "the disk is read-only")) }
            if open.mode & dev_mode_t(D_WRITE) == 0 {
                return (nil, refuse(routine, D_READ_ONLY, "opened without D_WRITE"))
            }
        } else if open.mode & dev_mode_t(D_WRITE) != 0 && open.mode & dev_mode_t(D_READ) == 0 {
            return (nil, refuse(routine, D_INVALID_OPERATION, "opened for writing only"))
        }
        if wanted <= 0 { return (nil, refuse(routine, D_INVALID_SIZE, "\(wanted) bytes")) }
        if inband && wanted > Int(IO_INBAND_MAX) {
            return (nil, refuse(routine, D_INVALID_SIZE, "\(wanted) bytes inband (at most \(IO_INBAND_MAX))"))
        } else if wanted % recordSize != 0 {
            return (nil, refuse(routine, D_INVALID_SIZE, "\(wanted) bytes is not a multiple of \(recordSize)"))
        } else if wanted > Int(BLK_MAX_IO) {
            return (nil, refuse(routine, D_INVALID_SIZE, "\(wanted) bytes (at most \(BLK_MAX_IO))"))
        }
        let recs = records
        if UInt64(recnum) >= recs {
            return (nil, refuse(routine, D_INVALID_RECNUM, "record \(recnum) of \(recs)"))
        }
        // 5.2.6.1: never read or write beyond capacity.
        let room = (recs - UInt64(recnum)) * UInt64(recordSize)
        let bytes = Int(min(UInt64(wanted), room))
        return (Extent(sector: UInt64(recnum) * sectorsPerRecord, bytes: bytes), D_SUCCESS)
    }
}
