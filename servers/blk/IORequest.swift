// IORequest.swift - one client request on its way through the disk, and
// the record kept for each of its descriptor chains while the device has it.

import Mach
import Virtio
import CBlk

/// What a client asked for.
enum IOKind {
    case read           // device_read: out-of-line pages
    case write          // device_write: out-of-line data, read in place or copied into DMA buffers
    case flush          // BLK_SET_FLUSH
    case discard        // BLK_SET_DISCARD
    case writeZeroes    // BLK_SET_WRITE_ZEROES

    /// For log lines: Embedded Swift cannot print an enum value itself.
    var name: String {
        switch self {
        case .read: return "read"
        case .write: return "write"
        case .flush: return "flush"
        case .discard: return "discard"
        case .writeZeroes: return "write-zeroes"
        }
    }
}

/// A client request from the moment it is accepted until its reply is
/// sent.  It may be split into several chains (size_max, seg_max, the
/// server's chain size); `nextOffset` says how much of it has been handed
/// to chains, `chainsOut` how many of those the device still has.  The
/// reply right is a PendingReply, so the request is answered exactly once.
/// A finished request is kept for the next one (Disk.newRequest), which
/// saves an allocation and a free per request.
final class IORequest {
    private(set) var kind: IOKind
    var reply: PendingReply?
    /// First 512-byte sector, and data bytes (whole records).
    private(set) var sector: UInt64
    private(set) var bytes: Int
    var nextOffset = 0
    var allStarted = false
    var chainsOut = 0
    var error: kern_return_t = D_SUCCESS
    var waitedForPool = false

    /// Reads: where the data goes (pages sent to the client), and whether
    /// the device writes there directly.
    var region: DMARegion?
    var zeroCopy = false
    /// Writes: the client's data (out-of-line pages now in this task, freed
    /// when the request ends).
    var source: UnsafeMutableRawPointer?
    var sourceSize = 0
    /// Writes the device reads in place: the physical address of each page
    /// of `source` (empty: the data is copied into pool buffers).
    var sourcePages: [UInt64] = []
    /// Write zeroes: the unmap flag.
    var unmap = false

    init(kind: IOKind, reply: consuming PendingReply, sector: UInt64, bytes: Int) {
        self.kind = kind
        self.reply = consume reply
        self.sector = sector
        self.bytes = bytes
    }

    /// Every chain started and none left with the device.
    var finished: Bool { allStarted && chainsOut == 0 }

    /// Makes a finished request (its reply sent, nothing of it left with
    /// the device) a new one, as `init` would.
    func renew(kind: IOKind, reply: consuming PendingReply, sector: UInt64, bytes: Int) {
        self.kind = kind
        self.reply = consume reply
        self.sector = sector
        self.bytes = bytes
        nextOffset = 0
        allStarted = false
        chainsOut = 0
        error = D_SUCCESS
        waitedForPool = false
        region = nil
        zeroCopy = false
        source = nil
        sourceSize = 0
        // Only writes read in place fill it: a read's renewal skips the
        // array call.
        if !sourcePages.isEmpty { sourcePages.removeAll(keepingCapacity: true) }
        unmap = false
    }
}

extension Disk {
    /// A request to accept: a finished one kept by `retire`, or a new one.
    func newRequest(kind: IOKind, reply: consuming PendingReply, sector: UInt64, bytes: Int) -> IORequest {
        guard spareCount > 0 else {
            return IORequest(kind: kind, reply: reply, sector: sector, bytes: bytes)
        }
        spareCount -= 1
        let r = spareRequests[spareCount].takeRetainedValue()
        r.renew(kind: kind, reply: reply, sector: sector, bytes: bytes)
        return r
    }

    /// Keeps a request whose reply has gone, for `newRequest`; at most as
    /// many as can be in flight.  Nothing else may use it afterwards.
    func retire(_ r: IORequest) {
        guard spareCount < config.inflight else { return }
        spareRequests[spareCount] = .passRetained(r)
        spareCount += 1
    }
}

/// What the server keeps for a chain the device holds, in the chain's
/// slot (`Disk.chains`; the slot is the chain's context in the queue and
/// also its command block, header and status): the request it serves,
/// which part of the request, and whether it uses pool buffers (kept in
/// `Disk.slotBuffers`, for the copying paths only).  Plain values, no
/// class references or arrays, so storing and taking a record counts no
/// references: the request is retained by hand once per chain
/// (`Unmanaged.passRetained` when the chain starts, `takeRetainedValue`
/// when it is used), since once its last chain has started nothing else
/// may hold it.
struct ChainRecord {
    let request: Unmanaged<IORequest>
    let offset: Int
    let length: Int
    /// It counts in Disk.writesInFlight (a flush waits for it).
    let isWrite: Bool
    /// Its data is in pool buffers, Disk.slotBuffers[slot].
    let pooled: Bool
}
