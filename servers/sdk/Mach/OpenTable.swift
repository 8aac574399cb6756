// OpenTable.swift - the opens of a device server: a port per device_open
// and what happens to it on device_close and when its client lets go.
//
// Every device server keeps the same books.  Each device_open gets a port
// of its own, a member of the server's port set, so later requests name
// their open by the port they arrive on; the port asks for a no-senders
// notification, so the server learns when the client has dropped its send
// right or died.  device_close only marks the open closed: its port stays
// and answers D_NO_SUCH_DEVICE, as GNU Mach answers for a closed device,
// until no-senders retires it.  OpenTable does this, so a driver says only
// what an open refers to (`Target`) and how many opens it allows.
//
// Not its job: checking device names and modes (the driver's open does
// that before `add`), wording refusals (each driver logs with its own
// prefix; `lookup` only tells an unknown port from a closed open), and
// subscribing to Notifications.onNoSenders (a driver may have other ports
// with no-senders requests, and wants the retired open back to update its
// own counters).  Lookups scan the table: it is meant for a few hundred
// opens.

import CMach

/// One device_open: its port (the receive right, owned here; requests on
/// it are for this open), what it opened and with which mode.
public final class DeviceOpen<Target> {
    public let right: ReceiveRight
    public let target: Target
    public let mode: dev_mode_t
    /// device_close was called: requests on the port are to be refused.
    public internal(set) var closed = false

    init(right: consuming ReceiveRight, target: Target, mode: dev_mode_t) {
        self.right = right
        self.target = target
        self.mode = mode
    }

    public var port: PortName { right.name }
}

/// How long closed opens keep their ports.  Either way no-senders retires
/// an open as soon as its client lets go.
public enum ClosedOpens {
    /// At most `n` closed opens stay; closing one more destroys the port
    /// of the closed open that was opened first (its holders then see a
    /// dead name).  The open limit counts live opens only: closed ones are
    /// bounded by `n`.
    case keepAtMost(Int)
    /// Closed opens stay until their client lets go of the port.  The open
    /// limit counts them too, since nothing else bounds them: a client that
    /// opens and closes without deallocating would otherwise grow the table
    /// without end.
    case untilNoSenders
}

/// Why `OpenTable.add` made no open: the code for device_open's reply and
/// a reason for the driver's log line.
public struct OpenRefusal: Error {
    public let code: kern_return_t
    public let why: String
}

/// A device server's opens; see the top of this file.
public final class OpenTable<Target> {
    /// The port set the opens' ports join (the one the receive loop serves).
    public let set: PortName
    /// The most opens `add` allows, counted as `closedOpens` says.
    public let limit: Int
    public let closedOpens: ClosedOpens
    private var opens: [DeviceOpen<Target>] = []
    private var closedCount = 0

    public init(set: PortName, limit: Int, closedOpens: ClosedOpens) {
        self.set = set
        self.limit = limit
        self.closedOpens = closedOpens
    }

    /// The opens the limit applies to.
    private var counted: Int {
        switch closedOpens {
        case .keepAtMost: return opens.count - closedCount
        case .untilNoSenders: return opens.count
        }
    }

    /// A new open of `target`: a port in the set with a no-senders request.
    /// Returns the port's name, for device_open to hand out a send right.
    /// Refused with D_NO_MEMORY at the limit or when the kernel says no.
    public func add(target: Target, mode: dev_mode_t) throws(OpenRefusal) -> PortName {
        let n = counted
        guard n < limit else { throw OpenRefusal(code: D_NO_MEMORY, why: "\(n) opens already") }
        guard let right = ReceiveRight.allocate() else {
            throw OpenRefusal(code: D_NO_MEMORY, why: "no port")
        }
        var kr = right.join(set)
        if kr == KERN_SUCCESS { kr = right.requestNoSenders() }
        guard kr == KERN_SUCCESS else {
            // The right is dropped here, so the port is destroyed.
            throw OpenRefusal(code: D_NO_MEMORY, why: "port set or notification: \(hex(kr))")
        }
        let name = right.name
        opens.append(DeviceOpen(right: right, target: target, mode: mode))
        return name
    }

    /// The open whose port is `port`, closed or not (the caller refuses
    /// requests on a closed one); nil for any other port.
    public func lookup(_ port: PortName) -> DeviceOpen<Target>? {
        for o in opens where o.port == port { return o }
        return nil
    }

    /// device_close: from now on `open` is refused; its port stays as
    /// `closedOpens` says.
    public func close(_ open: DeviceOpen<Target>) {
        guard !open.closed else { return }
        open.closed = true
        closedCount += 1
        if case .keepAtMost(let kept) = closedOpens, closedCount > kept,
           let oldest = opens.firstIndex(where: { $0.closed }) {
            remove(at: oldest)                  // its port is destroyed with it
        }
    }

    /// The no-senders notification for `port`: nobody can reach the open
    /// any more, so it goes, with its port.  Returns it (nil if the port
    /// was no open's), for the driver's own counters.
    @discardableResult
    public func forget(_ port: PortName) -> DeviceOpen<Target>? {
        guard let i = opens.firstIndex(where: { $0.port == port }) else { return nil }
        return remove(at: i)
    }

    @discardableResult
    private func remove(at i: Int) -> DeviceOpen<Target> {
        let o = opens.remove(at: i)
        if o.closed { closedCount -= 1 }
        return o
    }
}
