// ParkedReply.swift - a reply that goes out in the receive loop's next
// mach_msg, together with the receive.
//
// A server that answers requests later (PendingReply: a disk read answered
// when the device has finished) sent each reply with a trap of its own, and
// the receive loop then made another trap to receive.  mach_msg does both
// in one call (MACH_SEND_MSG | MACH_RCV_MSG, the send first), so while a
// ReceiveLoop runs, the device replies (DeviceReplies.swift, built in
// place here) and the loop's own simple MIG replies are parked here, and
// the loop sends the parked one with its next receive.  A second reply
// sends the parked one at once and takes its place, so at most one waits
// and replies leave in the order they were made; every other reply (the
// loop's complex MIG replies, PendingReply.send, a MIG stub's) sends the
// parked one first too, which matters to a client that has several
// requests answered on one reply port.  Nothing waits longer than the
// handling of the current message: the loop receives right after.
//
// A parked reply whose send fails is cleaned up as a failed direct send
// is (the one rule for every parked reply; the loop parks only replies
// with nothing else in them): its reply right is released, and
// out-of-line data it carried with
// the deallocate bit (a read reply's pages) is deallocated here, since
// the code that made it has moved on; the failure is logged.  So a caller
// that parks gives its data away whether or not the send later succeeds.

import CMach

enum ParkedReply {
    /// Whether replies may be parked: a ReceiveLoop is running, so a
    /// receive follows.
    nonisolated(unsafe) static var enabled = false
    /// The parked message (device replies are at most 64 bytes), and its
    /// size; 0 when none is parked.
    nonisolated(unsafe) static var storage: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) =
        (0, 0, 0, 0, 0, 0, 0, 0)
    nonisolated(unsafe) static var size = 0
    nonisolated(unsafe) static var failures = LogLimiter()
    static let capacity = 64
    /// device_read_reply's id, and the offsets of its out-of-line pointer
    /// and byte count (DeviceReplies.swift lays the message out).
    static let readReplyID: mach_msg_id_t = 2904
    static let oolAddressOffset = 44, oolCountOffset = 40

    /// Parks the message `build` writes straight into the parked slot (a
    /// header and body ready to send, at most `capacity` bytes; `build`
    /// returns its size), sending any parked one first.  False (nothing
    /// built) when no receive loop runs: build and send it yourself.
    /// Built in place, not built elsewhere and copied: a reply per read.
    static func park(building build: (UnsafeMutableRawPointer) -> Int) -> Bool {
        guard enabled else { return false }
        flush()
        let n = withUnsafeMutableBytes(of: &storage) { build($0.baseAddress!) }
        precondition(n <= capacity, "parked reply over its slot")
        size = n
        return true
    }

    /// Sends the parked reply now, on its own (before another send).
    static func flush() {
        guard size > 0 else { return }
        let n = size
        size = 0
        let mr = withUnsafeMutableBytes(of: &storage) { raw in
            let h = raw.baseAddress!.assumingMemoryBound(to: mach_msg_header_t.self)
            return mach_msg(h, MACH_SEND_MSG | sendOptions(h), mach_msg_size_t(n), 0, 0, 0, 0)
        }
        if mr != MACH_MSG_SUCCESS { takenFailed(mr) }
    }

    /// The reply last taken (or flushed) could not be sent: clean it up.
    static func takenFailed(_ mr: mach_msg_return_t) {
        withUnsafeBytes(of: &storage) { failed(mr, $0.baseAddress!) }
    }

    /// Copies the parked reply, if any, into `buffer` to be sent by the
    /// caller's combined mach_msg, and unparks it; returns its size (0:
    /// none).  The caller adds `sendOptions` and, if the send fails, calls
    /// `takenFailed` before anything is parked again.
    static func take(into buffer: UnsafeMutableRawPointer) -> Int {
        guard size > 0 else { return 0 }
        let n = size
        size = 0
        withUnsafeBytes(of: &storage) { buffer.copyMemory(from: $0.baseAddress!, byteCount: n) }
        return n
    }

    /// A reply to a send right (not send-once) never waits for room.
    static func sendOptions(_ h: UnsafePointer<mach_msg_header_t>) -> mach_msg_option_t {
        h.pointee.msgh_bits & 0xff == UInt32(MACH_MSG_TYPE_PORT_SEND_ONCE) ? 0 : MACH_SEND_TIMEOUT
    }

    /// Whether a combined send-and-receive failed in its send part (so
    /// nothing was received either).
    static func isSendFailure(_ mr: mach_msg_return_t) -> Bool {
        mr != MACH_MSG_SUCCESS && mr & ~MACH_MSG_MASK < MACH_RCV_IN_PROGRESS
    }

    /// The clean-up of a reply at `message` that could not be sent.
    static func failed(_ mr: mach_msg_return_t, _ message: UnsafeRawPointer) {
        let h = message.load(as: mach_msg_header_t.self)
        Message.release(PortName(h.msgh_remote_port), disposition: h.msgh_bits & 0xff)
        if h.msgh_id == readReplyID && h.msgh_size >= UInt32(oolAddressOffset + 4) {
            let address = message.load(fromByteOffset: oolAddressOffset, as: UInt32.self)
            let count = message.load(fromByteOffset: oolCountOffset, as: UInt32.self)
            if address != 0 && count != 0 {
                _ = vm_deallocate(smrt_task_port(), vm_address_t(address), vm_size_t(count))
            }
        }
        if failures.allow() {
            print("mach: parked reply (id \(h.msgh_id)) not sent: \(hex(mr)) (the client is gone?)")
        }
    }
}
