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
/// device): receives each request into a growing buffer, offers it to each
/// interface's MIG demux in turn, and sends the reply the way MIG servers
/// must:
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
/// Requests larger than `maxRequestSize` are dropped by the kernel.
public struct ReceiveLoop: ~Copyable {
    /// What the loop receives on: its port or its port set.
    public let name: PortName
    let ownedPort: ReceiveRight?
    let ownedSet: PortSet?
    public let interfaces: [MIGInterface]
    public var maxRequestSize = 65536
    var request: MessageBuffer
    var reply: MessageBuffer
    public private(set) var stats = Stats()
    var unusual = LogLimiter()

    /// What the loop has seen so far.
    public struct Stats {
        public var received = 0, replied = 0, noReply = 0, unknownID = 0
        public var failedRequests = 0, dropped = 0, sendFailures = 0
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

    /// Serves requests until receiving fails for a reason other than an
    /// oversized message (the port died or the name is wrong); returns that
    /// reason.  Work put off with WhenIdle runs when no request is waiting.
    public mutating func run() -> mach_msg_return_t {
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
            if mr != MACH_MSG_SUCCESS && mr != MACH_RCV_TOO_LARGE { return mr }
        }
    }

    /// Receives and serves one request.  With a timeout (milliseconds) it
    /// returns MACH_RCV_TIMED_OUT if none came.
    public mutating func serveOne(timeout: UInt32? = nil) -> mach_msg_return_t {
        let mr = request.receive(on: name, timeout: timeout, limit: maxRequestSize)
        if mr == MACH_RCV_TOO_LARGE {
            stats.dropped += 1
            if unusual.allow() { note("request over \(maxRequestSize) bytes dropped") }
        }
        guard mr == MACH_MSG_SUCCESS else { return mr }
        stats.received += 1
        dispatch()
        return MACH_MSG_SUCCESS
    }

    mutating func dispatch() {
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
        guard reply.remotePort.isValid else {
            reply.destroyResources(keepReply: true)
            return
        }
        let once = reply.remoteDisposition == UInt32(MACH_MSG_TYPE_MOVE_SEND_ONCE)
        let sr = reply.send(timeout: once ? nil : 0)
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
        reply.setWord(32, UInt32(MACH_MSG_TYPE_INTEGER_32) | (32 << 8) | (1 << 16) | (1 << 28))
        reply.returnCode = MIG_BAD_ID
    }
}
