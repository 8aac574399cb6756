// Virtqueue.swift - the driver's side of a split virtqueue (virtio 1.2, 2.7).

import CVirtioRing

/// One buffer of a descriptor chain: guest-physical address, length, and
/// whether the device writes it (VIRTQ_DESC_F_WRITE) or reads it.
@frozen
public struct Segment {
    public var physical: UInt64
    public var length: UInt32
    public var deviceWrites: Bool

    @inlinable
    public init(physical: UInt64, length: UInt32, deviceWrites: Bool) {
        self.physical = physical
        self.length = length
        self.deviceWrites = deviceWrites
    }
}

/// A chain the device has finished with: its head (the id to look the
/// driver's request up by) and the bytes it wrote (the used `len`).
@frozen
public struct UsedChain {
    public let head: UInt16
    public let written: UInt32
}

/// The driver's side of one split virtqueue in memory shared with the
/// device (descriptor table, available ring, used ring; 2.7.2): a free
/// list of descriptors, chains made available directly or through an
/// indirect table when VIRTIO_F_INDIRECT_DESC was negotiated, notification
/// decisions with VIRTIO_F_EVENT_IDX or the NO_NOTIFY flag, and finished
/// chains taken off the used ring in batches.
///
/// Each chain carries the driver's `Context` (as Linux's
/// `virtqueue_add_*(..., data)`): `submit` stores it with the chain, and
/// `takeUsed` recycles the finished chain's descriptors and hands the
/// context back, so no driver keeps a map from heads to its requests.
/// Only this queue can complete its chains, and only those the device
/// returns: a used entry naming a chain that is not in flight here is
/// refused, and nothing in flight is recycled for it.
///
/// The queue keeps its own copy of everything it needs to recycle
/// descriptors (chain lengths, the free list, each chain's writable
/// bytes), so a device that scribbles over the descriptor table cannot
/// corrupt the driver's bookkeeping; a device that reports a chain that is
/// not in flight marks the queue broken (`broken` says why) and every later
/// call does nothing.
///
/// Single-threaded: one thread drives a queue.  Host-testable: it knows
/// nothing of the transport except the `notify` closure.
///
/// The per-descriptor bookkeeping is in fixed blocks of `size` entries
/// allocated once (not arrays): every index into them is a descriptor
/// this queue took off its own free list (all below `size`, since the
/// list holds only descriptor numbers it made) or a used id that was
/// checked against `size` first, so they are read and written without a
/// bounds check, and nothing on the per-chain path allocates or counts
/// references for them.
public final class Virtqueue<Context>: CompletingQueue {
    public let queueIndex: UInt16
    public let size: UInt16
    let desc: UnsafeMutableRawPointer
    let avail: UnsafeMutableRawPointer
    let used: UnsafeMutableRawPointer
    public let indirect: Bool
    public let eventIndex: Bool
    /// Sends the available-buffer notification (the transport's kick).
    public var notify: () -> Void

    var freeHead: UInt16 = 0
    public private(set) var freeDescriptors: Int
    let nextFree: UnsafeMutablePointer<UInt16>  // our copy of `next` for free and chained descriptors
    let heads: UnsafeMutablePointer<HeadState>  // per head: what recycling and checking `written` need
    let contexts: UnsafeMutablePointer<Context?> // per head: the driver's value, until takeUsed returns it
    let tables: IndirectTables?

    /// What the queue keeps for a chain's head while the device has it.
    struct HeadState {
        var length: UInt16 = 0      // ring descriptors the chain holds; 0 = not in flight
        var table: Int32 = -1       // its indirect table, or -1
        var writable: UInt32 = 0    // device-writable bytes, the most `written` can be
    }
    var availIdx: UInt16 = 0        // the idx we publish next
    var decidedIdx: UInt16 = 0      // avail idx at the last notification decision
    var kickQueued = false          // a kickIfNeeded waits for the server to be idle (BatchedKick.swift)
    var lastBatch = 0               // chains the last notification decision covered (BatchedKick.swift)
    var lastUsed: UInt16 = 0
    public private(set) var inFlight = 0
    public private(set) var broken: String?
    public private(set) var stats = Stats()

    public struct Stats {
        public var submitted = 0, completed = 0, indirectChains = 0
        public var notifies = 0, suppressed = 0, fullRefusals = 0
        /// Used entries whose length was more than the chain could hold.
        public var overlongLengths = 0
    }

    /// What `drainUsed` (and so the interrupt helper) does with each
    /// finished chain; set it before the device is live.
    public var onUsed: ((UsedChain, Context) -> Void)?

    /// A queue over ring memory of `size` entries (a power of two up to
    /// 32768) that the caller got from virtio_queue_setup.  `maxIndirect`:
    /// the most segments one indirect table holds (0: never indirect);
    /// `allocate` gives DMA memory for the tables.
    public init(queueIndex: UInt16, size: UInt16, descriptors: UnsafeMutableRawPointer,
                available: UnsafeMutableRawPointer, used: UnsafeMutableRawPointer,
                features: VirtioFeatures, maxIndirect: Int = 0,
                allocate: DMAAllocator? = nil, notify: @escaping () -> Void) {
        precondition(size != 0 && size & (size &- 1) == 0, "queue size must be a power of two")
        self.queueIndex = queueIndex
        self.size = size
        desc = descriptors
        avail = available
        self.used = used
        eventIndex = features.contains(.eventIndex)
        let wantIndirect = features.contains(.indirectDescriptors) && maxIndirect > 1 && allocate != nil
        indirect = wantIndirect
        // 2.7.5.3.1: a chain may not be longer than the queue size.
        // An indirect chain holds a ring descriptor, so at most `size`
        // tables are ever in use.
        tables = wantIndirect ? IndirectTables(entries: min(maxIndirect, Int(size)), most: Int(size),
                                               allocate: allocate!) : nil
        self.notify = notify
        let n = Int(size)
        freeDescriptors = n
        // Descriptor i's successor on the free list is i + 1; the last
        // one's (n) is never followed: freeDescriptors reaches 0 first.
        nextFree = .allocate(capacity: n)
        for i in 0..<n { (nextFree + i).initialize(to: UInt16(truncatingIfNeeded: i + 1)) }
        heads = .allocate(capacity: n)
        heads.initialize(repeating: HeadState(), count: n)
        contexts = .allocate(capacity: n)
        contexts.initialize(repeating: nil, count: n)
        // The rings are zeroed by the kernel; say what we start from anyway:
        // interrupts wanted (avail flags 0, used_event 0), and 2.7.10.1 "The
        // driver MUST initialize flags in the used ring to 0".
        vio_store16(virtq_avail_flags(avail), 0)
        vio_store16(virtq_used_flags(used), 0)
        if eventIndex { vio_store16(virtq_used_event(avail, size), 0) }
        availIdx = vio_load16(virtq_avail_idx(avail))
        decidedIdx = availIdx
        lastUsed = vio_load16(virtq_used_idx(used))
    }

    deinit {
        nextFree.deallocate()
        heads.deallocate()
        contexts.deinitialize(count: Int(size))
        contexts.deallocate()
    }

    /// The most segments `submit` accepts in one chain right now.
    public var maxSegments: Int { indirect ? tables!.entries : Int(size) }

    /// Whether a chain of `segments` buffers would fit now.
    public func hasRoom(for segments: Int) -> Bool {
        broken == nil && freeDescriptors >= descriptorsNeeded(segments)
    }

    func descriptorsNeeded(_ segments: Int) -> Int {
        indirect && segments > 1 ? 1 : segments
    }

    /// Makes one chain available to the device: `segments` in order, every
    /// device-readable one before every device-writable one (2.7.13.1),
    /// carrying `context` until `takeUsed` gives it back.  Returns its head,
    /// or nil (and keeps nothing) if the ring (or the indirect tables' DMA
    /// memory) has no room now, the queue is broken, or the chain breaks a
    /// rule (empty, readable after writable, over 4 GiB, 2.7.5.2).  Does not
    /// notify: call `kickIfNeeded` (or, in a server, `kickWhenIdle`) after a batch.
    public func submit(_ segments: UnsafeBufferPointer<Segment>, context: Context) -> UInt16? {
        let n = segments.count
        guard broken == nil, n > 0 else { return nil }
        guard freeDescriptors >= descriptorsNeeded(n) else {
            stats.fullRefusals += 1
            return nil
        }
        return indirect && n > 1 ? submitIndirect(segments, n, context) : submitDirect(segments, n, context)
    }

    /// `submit` of the chain a ChainBuilder holds, read in place (nil for
    /// one that overflowed its builder).
    public func submit(_ chain: borrowing ChainBuilder, context: Context) -> UInt16? {
        guard !chain.overflowed else { return nil }
        return submit(chain.segments, context: context)
    }

    /// `submit` of the first `count` (default: all) of an array's segments.
    public func submit(_ segments: [Segment], count: Int? = nil, context: Context) -> UInt16? {
        let n = count ?? segments.count
        guard n <= segments.count else { return nil }
        return segments.withUnsafeBufferPointer { segs -> UInt16? in
            submit(UnsafeBufferPointer(start: segs.baseAddress, count: n), context: context)
        }
    }

    /// A chain of `n` ring descriptors, written straight onto the free list
    /// in its order (the free list's links become the chain's `next`s).
    /// The checks are made in the same pass: a chain refused half-way has
    /// only written descriptors that are still free, which the device
    /// never looks at, and the free list is taken only once it passed.
    func submitDirect(_ segs: UnsafeBufferPointer<Segment>, _ n: Int, _ context: Context) -> UInt16? {
        let head = freeHead
        var d = head
        var last = head
        var check = ChainCheck()
        for i in 0..<n {
            let s = segs[i]
            guard check.add(s) else { return nil }
            let next = nextFree[Int(d)]
            let more = i + 1 < n
            Virtqueue.write(desc, Int(d), s, more: more, next: next)
            last = d
            d = next
        }
        freeHead = nextFree[Int(last)]
        freeDescriptors -= n
        heads[Int(head)] = HeadState(length: UInt16(n), table: -1, writable: check.writable)
        return made(head, context)
    }

    /// A chain in an indirect table (2.7.5.3): the table's descriptors in
    /// order, checked as they are written, then one ring descriptor.
    func submitIndirect(_ segs: UnsafeBufferPointer<Segment>, _ n: Int, _ context: Context) -> UInt16? {
        // Indirect: made in init, and the queue keeps it for its life, so
        // no reference is counted for this call.
        Unmanaged.passUnretained(tables.unsafelyUnwrapped)._withUnsafeGuaranteedRef {
            submitIndirect(segs, n, context, $0)
        }
    }

    func submitIndirect(_ segs: UnsafeBufferPointer<Segment>, _ n: Int, _ context: Context,
                        _ tables: IndirectTables) -> UInt16? {
        guard n <= tables.entries, let t = tables.take() else { return nil }
        let table = tables.address(t)
        var check = ChainCheck()
        for i in 0..<n {
            let s = segs[i]
            guard check.add(s) else {
                tables.give(t)
                return nil
            }
            let more = i + 1 < n
            Virtqueue.write(table, i, s, more: more, next: UInt16(truncatingIfNeeded: i + 1))
        }
        let head = popFree()
        // 2.7.5.3.1: INDIRECT without NEXT; the WRITE flag is ignored.
        vio_desc_write(desc, head, tables.physical(t), UInt32(n * MemoryLayout<virtq_desc>.stride),
                       UInt16(VIRTQ_DESC_F_INDIRECT), 0)
        heads[Int(head)] = HeadState(length: 1, table: t, writable: check.writable)
        stats.indirectChains += 1
        return made(head, context)
    }

    /// Descriptor `i` of `table` (the ring's or an indirect one) for segment
    /// `s`, linked to `next` if `more` follow.  A plain store, inlined: the
    /// device looks at no descriptor before `publish` exposes its chain,
    /// after a barrier (2.7.13.3.1).
    @inline(__always)
    static func write(_ table: UnsafeMutableRawPointer, _ i: Int, _ s: Segment, more: Bool, next: UInt16) {
        let flags = UInt16(s.deviceWrites ? VIRTQ_DESC_F_WRITE : 0) | UInt16(more ? VIRTQ_DESC_F_NEXT : 0)
        (table.assumingMemoryBound(to: virtq_desc.self) + i).pointee =
            virtq_desc(addr: s.physical, len: s.length, flags: flags, next: more ? next : 0)
    }

    /// The chain at `head` is written: its context kept, the head published.
    func made(_ head: UInt16, _ context: Context) -> UInt16 {
        (contexts + Int(head)).pointee = context
        publish(head)
        inFlight += 1
        stats.submitted += 1
        return head
    }

    /// The rules a chain's segments must keep, checked one segment at a
    /// time: every device-readable one before every device-writable one
    /// (2.7.13.1), at most 2^32 - 1 bytes in all (2.7.5.2); and the
    /// writable bytes, the most a used length may say.
    struct ChainCheck {
        var sawWritable = false
        var total: UInt64 = 0
        var writable: UInt32 = 0

        mutating func add(_ s: Segment) -> Bool {
            if s.deviceWrites {
                sawWritable = true
                writable &+= s.length
            } else if sawWritable {
                return false
            }
            total += UInt64(s.length)
            return total <= 0xFFFF_FFFF
        }
    }

    func popFree() -> UInt16 {
        let d = freeHead
        freeHead = nextFree[Int(d)]
        freeDescriptors -= 1
        return d
    }

    /// 2.7.13.2-3: the head goes into the next ring entry, then (after the
    /// barrier of 2.7.13.3.1) the index that exposes it.
    func publish(_ head: UInt16) {
        vio_store16(virtq_avail_entry(avail, size, availIdx), head)
        vio_compiler_barrier()
        availIdx &+= 1
        vio_store16(virtq_avail_idx(avail), availIdx)
    }

    /// Notifies the device if chains were added since the last decision and
    /// the device wants to hear about them (2.7.10: `avail_event` with
    /// VIRTIO_F_EVENT_IDX, else the used ring's NO_NOTIFY flag).  Returns
    /// whether it notified.
    @discardableResult
    public func kickIfNeeded() -> Bool {
        guard availIdx != decidedIdx, broken == nil else { return false }
        let old = decidedIdx, new = availIdx
        decidedIdx = new
        lastBatch = Int(new &- old)
        guard deviceWantsNotification(used: used, size: size, eventIndex: eventIndex, old: old, new: new) else {
            stats.suppressed += 1
            return false
        }
        stats.notifies += 1
        notify()
        return true
    }

    /// 2.7.10 with VIRTIO_F_EVENT_IDX: the other side asked to hear when the
    /// index passes `event`; moving it from `old` to `new` crossed it iff
    /// event lies in [old, new) modulo 2^16.
    @inlinable
    public static func eventCrossed(event: UInt16, new: UInt16, old: UInt16) -> Bool {
        new &- event &- 1 < new &- old
    }

    /// Whether the device has finished chains not taken yet.
    public var hasUsed: Bool { broken == nil && vio_load16(virtq_used_idx(used)) != lastUsed }

    /// Takes finished chains off the used ring, oldest first, up to `limit`:
    /// recycles each one's descriptors (and indirect table), then calls
    /// `body` with the chain and the context it was submitted with (so
    /// `body` may submit again at once).  Returns how many.  A used entry
    /// naming a chain that is not in flight on this queue marks the queue
    /// broken and reaches no driver.
    @discardableResult
    public func takeUsed(limit: Int = Int.max, _ body: (UsedChain, Context) -> Void) -> Int {
        var taken = 0
        while taken < limit, broken == nil {
            let idx = vio_load16(virtq_used_idx(used))
            if idx == lastUsed { break }
            if idx &- lastUsed > size {
                markBroken("used idx \(idx) is more than the queue size past \(lastUsed)")
                break
            }
            // 2.7.14: the entry is read after the index that covers it.
            vio_compiler_barrier()
            let id = vio_used_id(used, size, lastUsed)
            var written = vio_used_len(used, size, lastUsed)
            lastUsed &+= 1
            // 2.7.8: id is the head of a chain the driver made available.
            // The device is not trusted to keep to that: an id past the
            // queue, or of a chain not in flight, stops the queue.  Checked
            // before any use as an index.
            guard id < UInt32(size), heads[Int(id)].length != 0 else {
                markBroken("used ring names chain \(id), which is not in flight")
                break
            }
            let head = Int(id)
            // 2.7.8.1: the device MUST have written at least len bytes into
            // the chain's writable buffers, so len cannot be more than they
            // hold; a larger one is cut to that (2.7.8.2: the driver looks
            // at nothing past len).
            let most = heads[head].writable
            if written > most {
                stats.overlongLengths += 1
                if stats.overlongLengths <= 8 {
                    print("virtio: queue \(queueIndex): chain \(head) used length \(written) is more than " +
                          "its \(most) writable bytes; taken as \(most)")
                }
                written = most
            }
            // In flight, so submit stored a context here (moved out; the
            // slot is left holding nil again).
            let context = (contexts + head).move().unsafelyUnwrapped
            (contexts + head).initialize(to: nil)
            recycle(head)
            taken += 1
            body(UsedChain(head: UInt16(head), written: written), context)
        }
        return taken
    }

    /// Takes every finished chain and hands each to `onUsed`; returns how
    /// many (the interrupt helper calls this for each queue).
    @discardableResult
    public func drainUsed() -> Int {
        // The closure is read once per drain, not once per chain.
        guard let onUsed else { return takeUsed { _, _ in } }
        return takeUsed { used, context in onUsed(used, context) }
    }

    /// Puts a returned chain's descriptors and indirect table back.
    func recycle(_ head: Int) {
        let state = heads[head]
        let n = Int(state.length)
        heads[head] = HeadState()
        if state.table >= 0 { tables.unsafelyUnwrapped.give(state.table) }
        // The chain's descriptors are linked through nextFree already (they
        // were taken off the free list in that order): find the last one
        // and put the whole run back at the front.
        var last = UInt16(head)
        var left = n
        while left > 1 { last = nextFree[Int(last)]; left -= 1 }
        nextFree[Int(last)] = freeHead
        freeHead = UInt16(head)
        freeDescriptors += n
        inFlight -= 1
        stats.completed += 1
    }

    /// False: `rearm` (and so every interrupt's service) leaves the queue
    /// quiet, for a driver that takes its chains back itself (virtio-net's
    /// transmit queue) and asks for an interrupt only when it needs one,
    /// with `armInterrupt`.  Works with VIRTIO_F_EVENT_IDX (2.7.7: the
    /// used_event the driver last wrote stays behind); without it the
    /// device interrupts as it likes.
    public var interruptsWanted = true

    /// `armInterrupt`, or, for a queue whose interrupts are not wanted,
    /// only whether finished chains are waiting.
    public func rearm() -> Bool {
        guard interruptsWanted else {
            vio_full_barrier()
            return broken == nil && vio_load16(virtq_used_idx(used)) != lastUsed
        }
        return armInterrupt()
    }

    /// Asks for an interrupt when the next chain is used (VIRTIO_F_EVENT_IDX:
    /// used_event = the next entry we will look at, 2.7.7) and returns
    /// whether chains arrived meanwhile, so the caller takes those too
    /// instead of waiting for an interrupt that may not come.
    public func armInterrupt() -> Bool {
        guard broken == nil else { return false }
        if eventIndex {
            vio_store16(virtq_used_event(avail, size), lastUsed)
        }
        vio_full_barrier()
        return vio_load16(virtq_used_idx(used)) != lastUsed
    }

    /// Indirect tables in use and allocated, for statistics.
    public var indirectTables: (inUse: Int, total: Int) {
        tables.map { ($0.inUse, $0.total) } ?? (0, 0)
    }

    func markBroken(_ why: String) {
        if broken == nil {
            broken = why
            print("virtio: queue \(queueIndex) broken: \(why)")
        }
    }
}
