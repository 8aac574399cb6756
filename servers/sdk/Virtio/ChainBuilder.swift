// ChainBuilder.swift - the segments of one descriptor chain, built in place.

/// Scratch for building descriptor chains one after another: up to
/// `capacity` segments in a block allocated once, filled with `add` and
/// handed to `Virtqueue.submit(_:context:)` by reference.
///
/// Why not an array: a driver builds a chain per request, and an array
/// stored in the driver's object costs a uniqueness check and a bounds
/// check per segment added and a retain and release of its storage per
/// chain submitted; here adding is a store and a count, and submitting
/// passes a pointer.  Noncopyable, so the block has one owner and is freed
/// once.
///
/// A chain longer than the block is only counted past `capacity`
/// (`overflowed`): the driver sees it and gives the chain up, and `submit`
/// refuses it too.
public struct ChainBuilder: ~Copyable {
    let storage: UnsafeMutablePointer<Segment>
    public let capacity: Int
    /// Segments added since `reset`, counting those past `capacity`.
    public private(set) var count = 0

    public init(capacity: Int) {
        self.capacity = max(capacity, 0)
        storage = .allocate(capacity: max(capacity, 1))
    }

    deinit { storage.deallocate() }

    /// Starts the next chain.
    @inline(__always)
    public mutating func reset() { count = 0 }

    /// Adds the next segment (only counted once the block is full).
    @inline(__always)
    public mutating func add(_ s: Segment) {
        if count < capacity { (storage + count).initialize(to: s) }
        count += 1
    }

    /// More segments were added than the block holds.
    public var overflowed: Bool { count > capacity }

    /// The segments added (at most `capacity`).
    public var segments: UnsafeBufferPointer<Segment> {
        UnsafeBufferPointer(start: storage, count: min(count, capacity))
    }
}
