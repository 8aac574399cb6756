// BufferRing.swift - a split virtqueue (virtio 1.2, 2.7) whose every chain
// is one descriptor over one fixed-size DMA buffer the ring owns: a
// network card's receive and transmit queues, where a driver copies each
// frame into or out of a buffer.
//
// Virtqueue serves any chain (several segments, indirect tables, a context
// of the driver's type), and pays for that on every chain: a segment array
// checked in order, a context stored and handed back through a closure, a
// DMA pool to take the buffer from.  Here a chain is a buffer number: the
// ring keeps its buffers' addresses, its free buffers and free descriptors
// in fixed tables made once, so making a frame available is a descriptor
// write and a ring entry, and taking one back an index check and a push.
//
// What Virtqueue guarantees still holds: the ring keeps its own record of
// which descriptor carries which buffer, so a used entry naming a
// descriptor that is not in flight marks the ring broken (nothing reaches
// the driver for it, every later call does nothing); a used length longer
// than a device-writable buffer is cut to the buffer and counted; a
// buffer is never made available twice.  Notifications follow 2.7.10
// (EVENT_IDX or NO_NOTIFY), as Virtqueue's, and it is a CompletingQueue,
// so the interrupt helper services it.
//
// Single-threaded; no kernel calls (host-testable: the notification is
// the `notify` closure, the memory comes from `allocate`).

import CVirtioRing

public final class BufferRing: CompletingQueue {
    public let queueIndex: UInt16
    public let size: UInt16
    /// Whether the device writes the buffers (receive) or reads them
    /// (transmit).
    public let deviceWrites: Bool
    public let eventIndex: Bool
    /// Bytes of each buffer, and how many the ring has (more than `size`
    /// lets a driver fill buffers while the ring is full).
    public let bufferBytes: Int
    public private(set) var bufferCount = 0
    /// Sends the available-buffer notification (the transport's kick).
    public var notify: () -> Void

    let desc: UnsafeMutableRawPointer
    let avail: UnsafeMutableRawPointer
    @usableFromInline let used: UnsafeMutableRawPointer
    let mask: UInt16
    /// Per buffer: where the driver and the device see it.
    @usableFromInline let addresses: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    let physicals: UnsafeMutablePointer<UInt64>
    /// Free buffers and free descriptors, as stacks.
    @usableFromInline let freeBuffers: UnsafeMutablePointer<UInt16>
    @usableFromInline var freeBufferCount = 0
    let freeDescs: UnsafeMutablePointer<UInt16>
    public private(set) var freeDescriptors: Int
    /// Per descriptor: the buffer it carries plus one; 0 when not in flight.
    let carried: UnsafeMutablePointer<UInt16>

    var availIdx: UInt16 = 0        // the idx we publish next
    var decidedIdx: UInt16 = 0      // avail idx at the last notification decision
    @usableFromInline var lastUsed: UInt16 = 0
    public private(set) var broken: String?
    /// `broken != nil`, kept apart for the inlined checks.
    @usableFromInline var isBroken = false
    public private(set) var stats = Stats()

    public struct Stats {
        public var submitted = 0, completed = 0, notifies = 0, suppressed = 0
        /// Used entries whose length was more than the buffer holds.
        public var overlongLengths = 0
    }

    /// What `drainUsed` (and so the interrupt helper) does with each
    /// finished chain before its buffer is free again: the buffer's number
    /// and the bytes the device wrote into it (at most `bufferBytes`).
    public var onUsed: ((_ buffer: Int, _ written: Int) -> Void)?

    /// False: `rearm` leaves the ring quiet (a transmit ring whose driver
    /// takes its chains back itself and asks for an interrupt only when it
    /// needs one, with `armInterrupt`); as Virtqueue's.
    public var interruptsWanted = true

    /// A ring over memory of `size` entries (a power of two) from
    /// virtio_queue_setup, with up to `buffers` buffers of `bufferBytes`
    /// (dividing 4096 or a multiple of it) taken from `allocate` in pieces
    /// of at most `chunkBytes`; fewer if it refuses (`bufferCount` says).
    public init(queueIndex: UInt16, size: UInt16, descriptors: UnsafeMutableRawPointer,
                available: UnsafeMutableRawPointer, used: UnsafeMutableRawPointer, features: VirtioFeatures,
                deviceWrites: Bool, buffers: Int, bufferBytes: Int, chunkBytes: Int = 1 << 20,
                allocate: DMAAllocator, notify: @escaping () -> Void) {
        precondition(size != 0 && size & (size &- 1) == 0, "queue size must be a power of two")
        precondition(buffers > 0 && buffers < 65535, "buffer count out of range")
        self.queueIndex = queueIndex
        self.size = size
        self.deviceWrites = deviceWrites
        self.bufferBytes = bufferBytes
        self.notify = notify
        desc = descriptors
        avail = available
        self.used = used
        mask = size &- 1
        eventIndex = features.contains(.eventIndex)
        let n = Int(size)
        addresses = .allocate(capacity: buffers)
        physicals = .allocate(capacity: buffers)
        freeBuffers = .allocate(capacity: buffers)
        freeDescs = .allocate(capacity: n)
        carried = .allocate(capacity: n)
        carried.initialize(repeating: 0, count: n)
        for i in 0..<n { freeDescs[i] = UInt16(n - 1 - i) }
        freeDescriptors = n
        // The buffers, in as few allocations as the limit per call allows.
        let perChunk = max(chunkBytes / bufferBytes, 1)
        while bufferCount < buffers {
            let k = min(perChunk, buffers - bufferCount)
            let bytes = (k * bufferBytes + pageSize - 1) & ~(pageSize - 1)
            guard let region = allocate(bytes) else { break }
            for j in 0..<k {
                addresses[bufferCount] = region.address + j * bufferBytes
                physicals[bufferCount] = region.physical + UInt64(j * bufferBytes)
                bufferCount += 1
            }
        }
        for i in 0..<bufferCount { freeBuffers[i] = UInt16(bufferCount - 1 - i) }
        freeBufferCount = bufferCount
        // As Virtqueue: interrupts wanted, and 2.7.10.1's used flags 0.
        vio_store16(virtq_avail_flags(avail), 0)
        vio_store16(virtq_used_flags(used), 0)
        if eventIndex { vio_store16(virtq_used_event(avail, size), 0) }
        availIdx = vio_load16(virtq_avail_idx(avail))
        decidedIdx = availIdx
        lastUsed = vio_load16(virtq_used_idx(used))
    }

    // MARK: buffers

    /// Where the driver reads or writes buffer `b`.
    @inlinable
    public func address(_ b: Int) -> UnsafeMutableRawPointer { addresses[b]! }

    /// A free buffer (neither in the ring nor held by the driver), or nil.
    @inlinable
    public func takeBuffer() -> Int? {
        guard freeBufferCount > 0 else { return nil }
        freeBufferCount -= 1
        return Int(freeBuffers[freeBufferCount])
    }

    /// Gives back a buffer taken with `takeBuffer` and not submitted.
    public func giveBuffer(_ b: Int) {
        freeBuffers[freeBufferCount] = UInt16(b)
        freeBufferCount += 1
    }

    public var freeBufferTotal: Int { freeBufferCount }

    // MARK: the driver's side of the ring

    /// Whether a chain would fit now.
    @inline(__always)
    public var hasRoom: Bool { freeDescriptors > 0 && broken == nil }

    /// Makes buffer `b` (taken with `takeBuffer`) available as one chain
    /// of `length` bytes from its start (the whole buffer for a ring the
    /// device writes).  False, keeping nothing, when the ring is full or
    /// broken.  Does not notify: `kickIfNeeded` after a batch.
    public func submit(_ b: Int, length: Int) -> Bool {
        guard freeDescriptors > 0, broken == nil else { return false }
        freeDescriptors -= 1
        let d = Int(freeDescs[freeDescriptors])
        carried[d] = UInt16(b + 1)
        // The descriptor (2.7.5) and the ring entry as plain stores: the
        // device looks at neither before the index below exposes them, and
        // the barrier keeps the compiler from moving them past it.
        let entry = desc + 16 * d
        entry.storeBytes(of: physicals[b], as: UInt64.self)
        entry.storeBytes(of: UInt32(length), toByteOffset: 8, as: UInt32.self)
        entry.storeBytes(of: deviceWrites ? UInt32(VIRTQ_DESC_F_WRITE) : 0, toByteOffset: 12, as: UInt32.self)
        // 2.7.13.2-3: the entry, then (after the barrier of 2.7.13.3.1)
        // the index that exposes it.
        (avail + 4).storeBytes(of: UInt16(d), toByteOffset: 2 * Int(availIdx & mask), as: UInt16.self)
        vio_compiler_barrier()
        availIdx &+= 1
        vio_store16(avail + 2, availIdx)
        stats.submitted &+= 1
        return true
    }

    /// Chains made available and not yet returned.
    public var inFlight: Int { Int(size) - freeDescriptors }

    /// Notifies the device if chains were added since the last decision
    /// and it wants to hear about them (2.7.10); returns whether it did.
    @discardableResult
    public func kickIfNeeded() -> Bool {
        guard availIdx != decidedIdx, broken == nil else { return false }
        let old = decidedIdx, new = availIdx
        decidedIdx = new
        guard deviceWantsNotification(used: used, size: size, eventIndex: eventIndex, old: old, new: new) else {
            stats.suppressed &+= 1
            return false
        }
        stats.notifies &+= 1
        notify()
        return true
    }

    /// Whether the device has returned chains not taken yet (a compiler
    /// barrier first, so the load is made here and now).
    @inlinable
    public var hasUsed: Bool {
        vio_compiler_barrier()
        return vio_load16(used + 2) != lastUsed && !isBroken
    }

    /// Takes returned chains, oldest first: `body` gets each buffer and the
    /// bytes written into it, then the buffer is free again (`body` may
    /// take and submit it at once).  Returns how many.  An entry naming a
    /// descriptor not in flight marks the ring broken and reaches no one.
    @discardableResult
    public func takeUsed(_ body: (_ buffer: Int, _ written: Int) -> Void) -> Int {
        var taken = 0
        while broken == nil {
            let idx = vio_load16(used + 2)
            if idx == lastUsed { break }
            if idx &- lastUsed > size {
                markBroken("used idx \(idx) is more than the queue size past \(lastUsed)")
                break
            }
            // 2.7.14: the entry is read after the index that covers it.
            vio_compiler_barrier()
            let entry = used + 4 + 8 * Int(lastUsed & mask)
            let id = vio_load32(entry)
            var written = Int(vio_load32(entry + 4))
            lastUsed &+= 1
            guard id < UInt32(size), carried[Int(id)] != 0 else {
                markBroken("used ring names descriptor \(id), which is not in flight")
                break
            }
            let b = Int(carried[Int(id)]) - 1
            carried[Int(id)] = 0
            freeDescs[freeDescriptors] = UInt16(id)
            freeDescriptors += 1
            if written > (deviceWrites ? bufferBytes : 0) {
                // A transmit buffer is only read; a receive buffer holds
                // bufferBytes.  Either way the driver never sees more.
                if deviceWrites {
                    stats.overlongLengths += 1
                    if stats.overlongLengths <= 8 {
                        print("virtio: queue \(queueIndex): used length \(written) is more than the " +
                              "\(bufferBytes)-byte buffer; taken as \(bufferBytes)")
                    }
                    written = bufferBytes
                } else {
                    written = 0
                }
            }
            taken += 1
            stats.completed &+= 1
            body(b, written)
            giveBuffer(b)
        }
        return taken
    }

    /// Takes every returned chain through `onUsed`; returns how many.
    @discardableResult
    public func drainUsed() -> Int {
        guard let onUsed else { return reclaim() }
        return takeUsed(onUsed)
    }

    /// Takes returned chains whose buffers need no look (a transmit ring):
    /// each buffer is free again at once.  Returns how many; the same
    /// checks as `takeUsed`, which handles whatever breaks them.
    @discardableResult
    public func reclaim() -> Int {
        var taken = 0
        while true {
            let idx = vio_load16(used + 2)
            if idx == lastUsed || broken != nil { break }
            // 2.7.14: the entry is read after the index that covers it.
            vio_compiler_barrier()
            let id = Int(vio_load32(used + 4 + 8 * Int(lastUsed & mask)))
            guard idx &- lastUsed <= size, id < Int(size), carried[id] != 0 else {
                return taken + takeUsed { _, _ in }       // marks the ring broken, says why
            }
            lastUsed &+= 1
            freeBuffers[freeBufferCount] = carried[id] &- 1
            freeBufferCount += 1
            carried[id] = 0
            freeDescs[freeDescriptors] = UInt16(id)
            freeDescriptors += 1
            taken += 1
        }
        stats.completed &+= taken
        return taken
    }

    /// `armInterrupt`, or, when interrupts are not wanted, only whether
    /// returned chains wait.
    public func rearm() -> Bool {
        guard interruptsWanted else {
            vio_full_barrier()
            return hasUsed
        }
        return armInterrupt()
    }

    /// Asks for an interrupt when the next chain is returned (EVENT_IDX:
    /// used_event = the next entry to look at, 2.7.7) and returns whether
    /// chains came back meanwhile, which raise no interrupt of their own.
    public func armInterrupt() -> Bool {
        guard broken == nil else { return false }
        if eventIndex { vio_store16(virtq_used_event(avail, size), lastUsed) }
        vio_full_barrier()
        return vio_load16(used + 2) != lastUsed
    }

    func markBroken(_ why: String) {
        if broken == nil {
            broken = why
            isBroken = true
            print("virtio: queue \(queueIndex) broken: \(why)")
        }
    }
}

/// 2.7.10: whether the device wants an available-buffer notification for
/// the chains a driver made available since it last decided (the avail idx
/// moved from `old` to `new`): with VIRTIO_F_EVENT_IDX, whether the idx
/// passed the device's avail_event; without, whether the used ring's
/// NO_NOTIFY flag is clear.  The full barrier of 2.7.13.4.1 comes first,
/// between publishing the idx and reading either, or a notification could
/// be missed.  Both ring kinds decide with it (`BufferRing.kickIfNeeded`,
/// `Virtqueue.kickIfNeeded`).
@inline(__always)
func deviceWantsNotification(used: UnsafeMutableRawPointer, size: UInt16, eventIndex: Bool,
                             old: UInt16, new: UInt16) -> Bool {
    vio_full_barrier()
    if eventIndex {
        return Virtqueue<Void>.eventCrossed(event: vio_load16(virtq_avail_event(used, size)), new: new, old: old)
    }
    return vio_load16(virtq_used_flags(used)) & UInt16(VIRTQ_USED_F_NO_NOTIFY) == 0
}
