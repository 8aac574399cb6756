// PendingReply.swift - a request answered later, after the routine returned.

import CMach

/// The reply right of a request that a server answers later (a disk read
/// that must wait for the device): the routine takes the reply port, starts
/// the work and returns MIG_NO_REPLY; when the work is done the server
/// sends the reply exactly once.  Noncopyable: sending consumes it, so a
/// second reply does not compile.  A PendingReply that is dropped without
/// a reply releases its right, so the client gets a send-once notification
/// (an error) instead of waiting forever, and it is logged.
///
/// Routines with a reply port argument (MIG `sreplyport`, as device.defs'
/// device_read) pass it to `init(port:disposition:id:)`; others take it
/// from the request being dispatched with `takeFromCurrentRequest()`.
/// `send(_:)` answers with a return code only; device_reply.defs' read and
/// write replies go through `sendReadReply` and `sendWriteReply`
/// (DeviceReplies.swift); other replies with data hand the right to a MIG
/// user stub of their reply interface through `consumeForStub()`.
@frozen
public struct PendingReply: ~Copyable {
    public let port: PortName
    /// How the right came in (MACH_MSG_TYPE_PORT_SEND_ONCE, or _SEND),
    /// which is also the disposition that moves it on.
    public let disposition: UInt32
    /// The reply's msgh_id: the request's id + 100.
    public let id: mach_msg_id_t

    public init(port: PortName, disposition: UInt32, id: mach_msg_id_t) {
        self.port = port
        self.disposition = disposition
        self.id = id
    }

    /// Takes the reply port of the request the ReceiveLoop is dispatching;
    /// the routine must then answer MIG_NO_REPLY.  Nil outside a dispatch
    /// or for a request without a reply port.
    public static func takeFromCurrentRequest() -> PendingReply? {
        guard let h = currentRequest, PortName(h.pointee.msgh_remote_port).isValid else { return nil }
        let r = PendingReply(port: PortName(h.pointee.msgh_remote_port),
                             disposition: h.pointee.msgh_bits & 0xff, id: h.pointee.msgh_id &+ 100)
        h.pointee.msgh_remote_port = 0        // the loop must not touch it any more
        return r
    }

    /// Sends a reply carrying only `code` (mig_reply_header_t), as MIG's
    /// server stubs do for routines without out arguments or on errors.
    /// A reply to a send right (not send-once) does not wait for room.
    @discardableResult
    public consuming func send(_ code: kern_return_t) -> mach_msg_return_t {
        ParkedReply.flush()                       // replies leave in the order they were made
        var m = mig_reply_header_t()
        m.Head.msgh_bits = disposition
        m.Head.msgh_size = mach_msg_size_t(MemoryLayout<mig_reply_header_t>.size)
        m.Head.msgh_remote_port = port.raw
        m.Head.msgh_local_port = 0
        m.Head.msgh_id = id
        // RetCodeType: one 32-bit integer, inline.
        let typeWord = integer32TypeWord
        withUnsafeMutableBytes(of: &m.RetCodeType) { $0.storeBytes(of: typeWord, as: UInt32.self) }
        m.RetCode = code
        let once = disposition == UInt32(MACH_MSG_TYPE_PORT_SEND_ONCE)
        let mr = withUnsafeMutablePointer(to: &m.Head) {
            mach_msg($0, MACH_SEND_MSG | (once ? 0 : MACH_SEND_TIMEOUT), mach_msg_size_t(MemoryLayout<mig_reply_header_t>.size),
                     0, 0, 0, 0)
        }
        if mr != MACH_MSG_SUCCESS { Message.release(port, disposition: disposition) }
        discard self
        return mr
    }

    /// Gives up the token and returns the right for a MIG reply stub,
    /// which moves it (the stub's reply_portPoly is `disposition`).
    public consuming func consumeForStub() -> (port: mach_port_t, poly: mach_msg_type_name_t) {
        ParkedReply.flush()                       // the stub sends at once: the parked reply first
        let r = (port.raw, mach_msg_type_name_t(disposition))
        discard self
        return r
    }

    deinit {
        print("mach: reply to request \(id - 100) dropped unsent; its reply port is released")
        Message.release(port, disposition: disposition)
    }
}

/// The request ReceiveLoop is dispatching (nil between requests).
nonisolated(unsafe) var currentRequest: UnsafeMutablePointer<mach_msg_header_t>?

enum Message {
    /// Releases a received reply right that will not be used.
    static func release(_ port: PortName, disposition: UInt32) {
        MessageBuffer.release(port, disposition: disposition)
    }
}
