// InterruptService.swift - what every virtio driver does when its device
// interrupts: take every finished chain of every queue, ask for the next
// interrupt and look once more.

/// A queue as the interrupt helper sees it, whatever its chains' context
/// type: `Virtqueue` is one (its `drainUsed` hands each chain to `onUsed`).
public protocol CompletingQueue: AnyObject {
    /// Takes every finished chain; returns how many.
    func drainUsed() -> Int
    /// Asks for an interrupt at the next finished chain; true if chains
    /// finished meanwhile (they would raise no interrupt of their own).
    func rearm() -> Bool
}

/// One interrupt's work, in the order that loses nothing: drain every
/// queue, `acknowledge`, then re-arm each queue and drain again while a
/// re-arm finds chains that finished in between, since the device owes no
/// interrupt for those.  The acknowledgement (the kernel may send the next
/// interrupt message) must come before the re-arm; the SDK's interrupt
/// messages are acknowledged by their receipt, before this runs, so
/// VirtioDevice passes none.  Returns the chains taken.  It makes no
/// kernel call itself, so the host tests run it.
public func serviceInterrupt(_ queues: [any CompletingQueue], acknowledge: () -> Void = {}) -> Int {
    var taken = 0
    for q in queues { taken += q.drainUsed() }
    acknowledge()
    var again = true
    while again {
        again = false
        for q in queues where q.rearm() {
            again = true
            taken += q.drainUsed()
        }
    }
    return taken
}
