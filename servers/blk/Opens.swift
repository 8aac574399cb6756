// Opens.swift - the server's disks and their clients' opens, and the
// checks every read and write goes through before it becomes a request.

import Mach
import Virtio
import CBlk

/// An open of one of the disks (the SDK's DeviceOpen).
typealias OpenDevice = DeviceOpen<Disk>

extension DeviceOpen where Target == Disk {
    /// What the table calls the target: the routines read better with it.
    var disk: Disk { target }
}

/// The disks this task serves and every open of them.  Closed opens keep
/// their ports until their clients let go (the no-senders notification
/// retires them, as for a client that died), and count against the limit
/// until then.
final class BlkServer {
    static let openModes = dev_mode_t(D_READ | D_WRITE | D_NODELAY | D_NOWAIT)
    static let maxOpens = 256

    var disks: [Disk] = []
    let opens: OpenTable<Disk>

    init(set: PortName) {
        opens = OpenTable(set: set, limit: BlkServer.maxOpens, closedOpens: .untilNoSenders)
    }

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
        do throws(OpenRefusal) {
            port = try opens.add(target: d, mode: mode)
        } catch {
            return d.refuse("device_open", error.code, error.why)
        }
        d.opens += 1
        return D_SUCCESS
    }

    /// The open a request came in on (and counts the request), unless it
    /// is closed or unknown.
    func lookup(_ routine: StaticString, _ port: mach_port_t) -> OpenDevice? {
        guard let o = opens.lookup(PortName(port)) else {
            print("blk: \(routine): port \(port) is no open disk: D_NO_SUCH_DEVICE")
            return nil
        }
        o.disk.stats.requests += 1
        guard !o.closed else {
            _ = o.disk.refuse(routine, D_NO_SUCH_DEVICE, "device is closed")
            return nil
        }
        return o
    }

    func close(_ port: mach_port_t) -> kern_return_t {
        guard let o = lookup("device_close", port) else { return D_NO_SUCH_DEVICE }
        opens.close(o)
        o.disk.opens -= 1
        return D_SUCCESS
    }

    /// No-senders on an open's port: nobody can use it any more.  Its
    /// requests in flight still finish (their replies go to reply ports).
    func forget(_ port: PortName) {
        if let o = opens.forget(port), !o.closed { o.disk.opens -= 1 }
    }
}

extension Disk {
    /// Requests accepted and not yet in the device, at most: a client that
    /// sends faster than the device works would otherwise grow the queue
    /// (and the memory its requests hold) until this task runs out.
    static let maxWaiting = 4096

    /// D_NO_MEMORY (logged) when the queue of waiting requests is full.
    func tooManyWaiting(_ routine: StaticString) -> kern_return_t? {
        guard waiting.count >= Disk.maxWaiting else { return nil }
        return refuse(routine, D_NO_MEMORY, "\(waiting.count) requests wait already")
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
    /// for the inband forms, which no record fits), the record number, room
    /// among the waiting requests; a request that runs past the end is cut
    /// there.
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
        if let code = tooManyWaiting(routine) { return (nil, code) }
        // 5.2.6.1: never read or write beyond capacity.
        let room = (recs - UInt64(recnum)) * UInt64(recordSize)
        let bytes = Int(min(UInt64(wanted), room))
        return (Extent(sector: UInt64(recnum) * sectorsPerRecord, bytes: bytes), D_SUCCESS)
    }
}
