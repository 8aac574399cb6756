// Opens.swift - what a disk does when it is opened and closed (the SDK's
// DeviceHost keeps the opens themselves), and the checks every read and
// write goes through before it becomes a request.

import Mach
import Virtio
import CBlk

/// An open of one of the disks (the SDK's DeviceOpen).
typealias OpenDevice = DeviceOpen<Disk>

extension DeviceOpen where Target == Disk {
    /// What the table calls the target: the routines read better with it.
    var disk: Disk { target }
}

/// Closed opens keep their ports until their clients let go (the
/// no-senders notification retires them, as for a client that died), and
/// count against the host's limit of 256 until then (DeviceHost's defaults).
extension Disk {
    var openModes: dev_mode_t { dev_mode_t(D_READ | D_WRITE | D_NODELAY | D_NOWAIT) }

    func mayOpen(mode: dev_mode_t) -> kern_return_t {
        if mode & dev_mode_t(D_WRITE) != 0 && readOnly {
            return refuse("device_open", D_READ_ONLY, "the disk is read-only")
        }
        return D_SUCCESS
    }

    /// The open's port queues half as many requests as the device takes
    /// at once (inflight=), not Mach's default 5: a client with 32 reads in
    /// flight blocked in its send whenever five waited, so the server took
    /// them about seven at a time, each batch with its own notification
    /// (~30 µs of QEMU's vCPU time, however many chains it carries),
    /// interrupt and two address-space switches.
    /// Half, not all: two batches, one in the device while the server and
    /// the client work on the other; a single batch of 32 left the CPU idle
    /// 40% of the time on a disk image, slower than before
    /// (docs/benchmarks.md, "Where the QD32 time goes").  What does not fit
    /// the device waits in `waiting`.
    var openQueueLimit: Int { max(config.inflight / 2, machDefaultQueueLimit) }
    func opened(_ open: OpenDevice) { opens += 1 }
    /// Requests of a closed or forgotten open still in flight finish
    /// (their replies go to reply ports).
    func closed(_ open: OpenDevice) { opens -= 1 }
    func requestArrived() { stats.requests += 1 }
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
