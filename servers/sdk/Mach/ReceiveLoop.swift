// ReceiveLoop.swift - a MIG server loop: receive a request, hand it to the
// MIG demuxes, send the reply, clean up after errors.

import CMach

/// The demux function MIG generates for an interface (`X_server`): it
/// unpacks the request, calls the routine and builds the reply.  Returns
/// false (with a MIG_BAD_ID reply) for message ids outside the interface.
public typealias MIGDemux = @convention(c) (
    UnsafeMutablePointer<mach_msg_header_t>?, UnsafeMutablePointer<mach_msg_header_t>?
) -> boolean_t

/// One interface a loop serves: its demux and the size of its largest
/// reply, which the stub writes without bounds checks (read it off the
/// generated Reply structs; gen/X_server.sizecheck.c lists them).
public struct MIGInterface {
    public let demux: MIGDemux
    public let maxReplySize: Int

    public init(demux: MIGDemux, maxReplySize: Int) {
        self.demux = demux
        self.maxReplySize = maxReplySize
    }
}

/// Compile-time check that a routine implementation has exactly the C
/// prototype MIG generated.  `@_cdecl` does not compare a Swift function
/// with the C declaration of the same name, so every exported routine
/// should be checked like this:
///
///     checkPrototype(type(of: ds_device_close), type(of: deviceClose))
///
/// The two metatypes must be the same type: no conversion (optional
/// pointers, result types) is allowed, so any difference fails to compile.
@inline(__always)
public func checkPrototype<F>(_ header: F.Type, _ implementation: F.Type) {}

/// Counts events and says which ones to log: the first `burst`, then one
/// in `every`, so a flood of bad messages cannot flood the console.
public struct LogLimiter {
    public private(set) var count = 0
    let burst: Int
    let every: Int

    public init(burst: Int = 10, every: Int = 500) {
        self.burst = burst
        self.every = every
    }

    public mutating func allow() -> Bool {
        count += 1
        return count <= burst || count % every == 0
    }
}

/// A server's receive loop on one receive right or on a port set (the
/// server adds and removes member ports while it runs, e.g. one per open
/// device): receives each request into a growing buffer, hands a message on
/// a port with a MessageEvents listener to that listener (no reply), offers
/// any other to each interface's MIG demux in turn, and sends the reply the
/// way MIG servers must:
///  - MIG_NO_REPLY: nothing is sent; the routine took the request's rights
///    and its reply port.  MIG_DESTROY_REQUEST: no reply, everything in the
///    request is destroyed.
///  - any other error: the request's body rights and out-of-line memory
///    are destroyed (the routine did not take them); the reply port is
///    kept for the error reply.
///  - no reply port: the reply's own rights are destroyed, nothing sent.
///  - a reply to a send right (not send-once) is sent with a zero timeout,
///    so a client that stops receiving cannot block the server; a reply
///    that cannot be delivered is destroyed.
/// Under `run()` a reply goes out with the receive of the next request, in
/// one mach_msg (send and receive options together): one trap per request
/// instead of two.  The loop's own small replies take the same way as the
/// device replies a server sends later (ParkedReply.swift): parked, then
/// sent by the next receive; one rule for both.
/// Requests larger than `maxRequestSize` are dropped by the kernel;
/// requests whose out-of-line memory or rights did not fit are answered
/// `refusalCode`.
public struct ReceiveLoop: ~Copyable {
    /// What the loop receives on: its port or its port set.
    public let name: PortName
    let ownedPort: ReceiveRight?
    let ownedSet: PortSet?
    public let interfaces: [MIGInterface]
    public var maxRequestSize = 65536
    /// The return code of the reply to a request whose body could not be
    /// received whole (a device server sets D_NO_MEMORY).
    public var refusalCode: kern_return_t = KERN_RESOURCE_SHORTAGE
    var request: MessageBuffer
    var reply: MessageBuffer
    /// Replies are parked for the next receive (`run()` sets it; `serveOne`
    /// alone sends at once).
    var combineReplies = false
    public private(set) var stats = Stats()
    var unusual = LogLimiter()

    /// What the loop has seen so far.
    public struct Stats {
        public var received = 0, replied = 0, noReply = 0, unknownID = 0
        public var failedRequests = 0, dropped = 0, sendFailures = 0
        /// Received with MACH_RCV_BODY_ERROR and answered `refusalCode`.
        public var refused = 0
        /// Messages handed to a MessageEvents handler (no reply).
        public var events = 0
        /// Replies parked to go in the same mach_msg as the next receive.
        public var combined = 0
    }

    /// A loop that owns and serves one port.
    public init(port: consuming ReceiveRight, interfaces: [MIGInterface],
                requestCapacity: Int = 256) {
        name = port.name
        ownedPort = consume port
        ownedSet = nil
        self.interfaces = interfaces
        request = MessageBuffer(capacity: requestCapacity)
        reply = MessageBuffer(capacity: ReceiveLoop.replySize(interfaces))
    }

    /// A loop that owns and serves a port set: every member's requests.
    public init(set: consuming PortSet, interfaces: [MIGInterface],
                requestCapacity: Int = 256) {
        name = set.name
        ownedPort = nil
        ownedSet = consume set
        self.interfaces = interfaces
        request = MessageBuffer(capacity: requestCapacity)
        reply = MessageBuffer(capacity: ReceiveLoop.replySize(interfaces))
    }

    static func replySize(_ interfaces: [MIGInterface]) -> Int {
        var size = MemoryLayout<mig_reply_header_t>.size
        for i in interfaces { size = max(size, i.maxReplySize) }
        return size
    }

    func note(_ what: String) {
        print("mach: receive loop on \(name.raw): \(what)")
    }

    /// Serves requests until the receive name itself fails (the port or set
    /// died, or the name is wrong); returns that reason.  Nothing a client
    /// sends ends the loop: a request the task cannot take in (too large,
    /// out-of-line memory over its limits) is refused or dropped, logged,
    /// and the next one served.  Work put off with WhenIdle runs when no
    /// request is waiting.
    public mutating func run() -> mach_msg_return_t {
        ParkedReply.enabled = true
        combineReplies = true
        defer {
            combineReplies = false
            ParkedReply.flush()
            ParkedReply.enabled = false
        }
        while true {
            var mr: mach_msg_return_t
            if WhenIdle.isEmpty {
                mr = serveOne()
            } else {
                mr = serveOne(timeout: 0)
                if mr == MACH_RCV_TIMED_OUT {
                    WhenIdle.runAll()
                    continue
                }
            }
            if ReceiveLoop.ends(mr) {
                note("receive failed: \(hex(mr)); the loop ends")
                return mr
            }
        }
    }

    /// The receive results that say the loop cannot go on: the name is no
    /// receive right or set any more, or the loop's own buffer is unusable
    /// (MACH_RCV_INVALID_DATA: the kernel leaves the message queued, so
    /// trying again would spin).  Every other failure concerns one message.
    static func ends(_ mr: mach_msg_return_t) -> Bool {
        mr == MACH_RCV_INVALID_NAME || mr == MACH_RCV_PORT_DIED || mr == MACH_RCV_IN_SET ||
            mr == MACH_RCV_PORT_CHANGED || mr == MACH_RCV_INVALID_DATA
    }

    /// Receives and serves one request.  With a timeout (milliseconds) it
    /// returns MACH_RCV_TIMED_OUT if none came.  A request received with
    /// MACH_RCV_BODY_ERROR (out-of-line memory or rights that did not fit
    /// this task; the kernel destroyed those and zeroed their slots) is not
    /// dispatched: what did arrive is destroyed and the sender gets
    /// `refusalCode`; the result is still MACH_RCV_BODY_ERROR.
    public mutating func serveOne(timeout: UInt32? = nil) -> mach_msg_return_t {
        // A parked reply (the loop's own or a device reply) goes with this
        // receive (ParkedReply.swift).
        let mr = receiveSendingParked(timeout: timeout)
        if mr == MACH_RCV_TOO_LARGE {
            stats.dropped += 1
            if unusual.allow() { note("request over \(maxRequestSize) bytes dropped") }
            return mr
        }
        if mr & ~MACH_MSG_MASK == MACH_RCV_BODY_ERROR {
            stats.received += 1
            refuse(mr)
            return mr
        }
        if mr != MACH_MSG_SUCCESS {
            if mr != MACH_RCV_TIMED_OUT && mr != MACH_RCV_INTERRUPTED {
                stats.dropped += 1
                if unusual.allow() { note("receive failed: \(hex(mr))") }
            }
            return mr
        }
        stats.received += 1
        dispatch()
        return MACH_MSG_SUCCESS
    }

    /// Receives into the request buffer; a parked reply (ParkedReply.swift)
    /// goes out in the same mach_msg.  If that send fails, the reply is
    /// cleaned up and the receive made on its own.  Inlined into its one
    /// caller: at Mach's -O the two were left calls of their own in blk.
    @inline(__always)
    mutating func receiveSendingParked(timeout: UInt32?) -> mach_msg_return_t {
        request.reserve(ParkedReply.capacity)
        let parked = ParkedReply.take(into: UnsafeMutableRawPointer(request.header))
        guard parked > 0 else { return request.receive(on: name, timeout: timeout, limit: maxRequestSize) }
        let mr = request.receive(on: name, timeout: timeout, limit: maxRequestSize, sending: parked,
                                 sendOptions: ParkedReply.sendOptions(request.header))
        guard ParkedReply.isSendFailure(mr) else { return mr }
        ParkedReply.takenFailed(mr)
        return request.receive(on: name, timeout: timeout, limit: maxRequestSize)
    }

    /// A request whose body did not arrive whole: nothing of it is used.
    mutating func refuse(_ mr: mach_msg_return_t) {
        stats.refused += 1
        if unusual.allow() {
            note("request \(request.id) refused: its body did not fit this task (\(hex(mr)))")
        }
        request.destroyResources(keepReply: true)
        reply.prepare(to: request.remotePort, disposition: request.remoteDisposition,
                      id: request.id &+ 100, size: MemoryLayout<mig_reply_header_t>.size)
        reply.setWord(HeaderOffset.returnCodeType, integer32TypeWord)
        reply.returnCode = refusalCode
        sendReply()
    }

    mutating func dispatch() {
        if let event = MessageEvents.handler(for: request.localPort) {
            stats.events += 1
            event(request.header)
            request.destroyResources(keepReply: false)
            return
        }
        var handled = false
        currentRequest = request.header            // for PendingReply.takeFromCurrentRequest
        for i in interfaces where i.demux(request.header, reply.header) != 0 {
            handled = true
            break
        }
        currentRequest = nil
        if !handled {
            makeBadIDReply()
            stats.unknownID += 1
            if unusual.allow() { note("unknown message id \(request.id) (\(stats.unknownID) so far)") }
        }
        let code = reply.returnCode
        if code == MIG_NO_REPLY {
            stats.noReply += 1
            return
        }
        if code == MIG_DESTROY_REQUEST {
            stats.noReply += 1
            request.destroyResources(keepReply: false)
            return
        }
        if code != KERN_SUCCESS && !reply.isComplex {
            stats.failedRequests += 1
            request.destroyResources(keepReply: true)
        }
        sendReply()
    }

    /// Sends the reply buffer's message to its remote port, never waiting
    /// for room; a reply that cannot go is destroyed.  Under `run()` a
    /// simple reply (no rights or memory in its body) that fits the parked
    /// slot is parked instead and leaves with the next receive; if that
    /// send fails, ParkedReply releases its reply right, which is all a
    /// simple reply holds.  A complex one is sent now, so that what it
    /// carries is destroyed here if it cannot go.
    mutating func sendReply() {
        guard reply.remotePort.isValid else {
            ParkedReply.flush()                     // replies leave in the order they were made
            reply.destroyResources(keepReply: true)
            return
        }
        let size = reply.size
        if combineReplies && !reply.isComplex && size <= ParkedReply.capacity {
            let from = UnsafeRawPointer(reply.header)
            if ParkedReply.park(building: { $0.copyMemory(from: from, byteCount: size); return size }) {
                stats.replied += 1
                stats.combined += 1
                return
            }
        }
        ParkedReply.flush()                         // replies leave in the order they were made
        let once = reply.remoteDisposition == UInt32(MACH_MSG_TYPE_MOVE_SEND_ONCE)
        noteSend(reply.send(timeout: once ? nil : 0))
    }

    /// After a reply's send: counted; one that failed is logged and, if it
    /// cannot go at all, destroyed.
    mutating func noteSend(_ sr: mach_msg_return_t) {
        if sr == MACH_MSG_SUCCESS {
            stats.replied += 1
            return
        }
        stats.sendFailures += 1
        if unusual.allow() { note("reply to request \(request.id) not sent: \(hex(sr))") }
        if sr == MACH_SEND_INVALID_DEST || sr == MACH_SEND_TIMED_OUT {
            reply.destroyResources(keepReply: false)
        }
    }

    /// The reply a demux would have built for an id it does not know.
    func makeBadIDReply() {
        reply.prepare(to: request.remotePort, disposition: request.remoteDisposition,
                      id: request.id &+ 100, size: MemoryLayout<mig_reply_header_t>.size)
        reply.setWord(HeaderOffset.returnCodeType, integer32TypeWord)
        reply.returnCode = MIG_BAD_ID
    }
}
