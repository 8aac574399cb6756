// WhenIdle.swift - work a server puts off until no request is waiting.
//
// Some work is cheaper once per batch than once per request: a virtio
// driver that notifies its device after every request pays a device exit
// each time, one that notifies when its receive queue has run dry pays one
// for all the requests that arrived back to back (Virtqueue.kickWhenIdle).
// ReceiveLoop runs what is queued here when a receive with a zero timeout
// finds no message, before it blocks; so nothing queued here waits for a
// message that may never come.
//
// Not for work that must happen before the reply to the current request
// is sent: a reply goes out as soon as its routine returns.

public enum WhenIdle {
    nonisolated(unsafe) static var work: [() -> Void] = []

    /// Runs `w` once, the next time the receive loop finds nothing to do.
    public static func add(_ w: @escaping () -> Void) {
        work.append(w)
    }

    static var isEmpty: Bool { work.isEmpty }

    /// Runs the queued work, including work that it queues itself.
    static func runAll() {
        var i = 0
        while i < work.count {
            let w = work[i]
            i += 1
            w()
        }
        work.removeAll(keepingCapacity: true)
    }
}
