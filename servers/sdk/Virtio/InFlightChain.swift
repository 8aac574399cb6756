// InFlightChain.swift - the token for a descriptor chain the device holds.

/// A descriptor chain made available to the device and not yet completed.
/// `Virtqueue.submit` returns one; the driver keeps it with whatever the
/// request needs (an InFlightTable slot) and hands it back, consumed, to
/// `Virtqueue.complete` once `takeUsed` has reported its head.  Because it
/// is noncopyable and `complete` consumes it, completing a chain twice does
/// not compile.  Swift cannot force a value to be consumed, so dropping a
/// token is caught at run time instead: its deinit counts and logs it
/// (`Virtqueue.droppedChains`), because the chain's descriptors can then
/// never be recycled.
@frozen
public struct InFlightChain: ~Copyable {
    /// The head descriptor: the id the device reports in the used ring.
    public let head: UInt16
    /// The queue it was submitted to (Virtqueue.queueIndex).
    public let queueIndex: UInt16

    @usableFromInline
    init(head: UInt16, queueIndex: UInt16) {
        self.head = head
        self.queueIndex = queueIndex
    }

    /// Ends the token without the deinit's complaint; only Virtqueue.complete
    /// calls it, after recycling the descriptors.
    @usableFromInline
    consuming func retire() {
        discard self
    }

    deinit {
        chainDropped(head: head, queue: queueIndex)
    }
}

/// Chains whose token was dropped without `complete` (a driver bug).
nonisolated(unsafe) public var droppedChains = 0

func chainDropped(head: UInt16, queue: UInt16) {
    droppedChains += 1
    if droppedChains <= 8 {
        print("virtio: queue \(queue): chain \(head) dropped without completion; its descriptors are lost")
    }
}
