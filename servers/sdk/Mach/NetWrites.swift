// NetWrites.swift - device_write on a network device: a whole Ethernet
// frame, checked, copied into the driver's DMA memory, and answered once it
// is there.
//
// GNU Mach's clients (pfinet, lwip) treat any error from a write as fatal,
// so a full transmit ring never fails one.  When the driver has no DMA
// buffer free, the frame is copied aside with the write's reply right and
// the reply waits until the driver has taken the frame (`transmitWaiting`,
// called by the driver when buffers come back): a client with many writes
// in flight is slowed to the device's pace instead of losing frames.  Only
// beyond `maxWaitingWrites` is a frame dropped (counted in txDropped) and
// its write answered at once.

import CMach

/// A write whose frame waits for a DMA buffer.
final class WaitingWrite {
    let frame: [UInt8]
    var reply: PendingReply?
    init(frame: [UInt8], reply: consuming PendingReply) {
        self.frame = frame
        self.reply = consume reply
    }
}

extension NetInterface {
    /// A whole frame from a client (device_write, device_write_inband and
    /// their device_request.defs forms), handed to `transmit` (the
    /// driver's: copies the frame into DMA memory and returns true, or
    /// returns false when no DMA buffer is free now; the driver then calls
    /// `transmitWaiting` once buffers have come back).  Returns the reply's
    /// code and the bytes written, or MIG_NO_REPLY when the frame waits
    /// (the reply, taken from `reply`, goes later).  `transmit` is passed
    /// in rather than kept by the interface: a call through a stored
    /// closure costs its context's reference counting on every frame.
    public func write(_ routine: StaticString, _ frame: UnsafeRawBufferPointer,
                      reply: () -> PendingReply,
                      transmit: (UnsafeRawBufferPointer) -> Bool) -> (kern_return_t, Int32) {
        guard frame.count >= NetInterface.ethernetHeader && frame.count <= maxFrame else {
            counters.txOversize += 1
            return (refuse(routine, D_INVALID_SIZE, "frame of \(frame.count) bytes (14 to \(maxFrame))"), 0)
        }
        counters.txFrames += 1
        counters.txBytes &+= UInt32(frame.count)
        if !waitingWrites.isEmpty { transmitWaiting(transmit) }
        if waitingWrites.isEmpty && transmit(frame) {
            if outgoingFilters > 0 { written(frame: frame) }
            return (D_SUCCESS, Int32(frame.count))
        }
        guard waitingWrites.count < maxWaitingWrites else {
            counters.txDropped += 1
            if complaints.allow() { print("net: \(name): \(waitingWrites.count) writes wait already; frame dropped") }
            return (D_SUCCESS, Int32(frame.count))
        }
        if outgoingFilters > 0 { written(frame: frame) }
        counters.txDeferred += 1
        waitingWrites.append(WaitingWrite(frame: Array(frame), reply: reply()))
        counters.txWaitingHWM = max(counters.txWaitingHWM, UInt32(waitingWrites.count))
        return (MIG_NO_REPLY, 0)
    }

    /// Hands waiting frames to `transmit` while it takes them, answering
    /// each write; the driver calls it when DMA buffers have come back.
    public func transmitWaiting(_ transmit: (UnsafeRawBufferPointer) -> Bool) {
        while let w = waitingWrites.first {
            guard w.frame.withUnsafeBytes({ transmit($0) }) else { return }
            waitingWrites.removeFirst()
            guard let r = w.reply.take() else { continue }
            // device_write_reply or its inband form: the id the request's
            // reply carries either way (2902, 2903).
            let id = r.id
            let (port, poly) = r.consumeForStub()
            let mr = PendingReply.sendDeviceReply(port, poly, id: id, code: D_SUCCESS, complex: false) { body in
                body.storeBytes(of: integer32TypeWord, toByteOffset: 8, as: UInt32.self)
                body.storeBytes(of: Int32(w.frame.count), toByteOffset: 12, as: Int32.self)
                return 16
            }
            if mr != MACH_MSG_SUCCESS && complaints.allow() {
                print("net: \(name): write reply not delivered: \(hex(mr)) (the client is gone?)")
            }
        }
    }

    /// Writes waiting for a DMA buffer now.
    public var waitingWriteCount: Int { waitingWrites.count }
}
