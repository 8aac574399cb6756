// InFlightTable.swift - where a driver keeps what belongs to each chain.

/// A fixed number of slots, each empty or holding one noncopyable value
/// (typically a record with an InFlightChain token and what the request
/// needs when it completes).  Swift arrays cannot hold noncopyable values,
/// so this is a small table over a manually managed buffer.  Slots are
/// handed out from a free list: `insert` stores a value and returns its
/// slot number, or `reserve` takes a slot first and `fill` stores the
/// value later (when the value needs its slot number, as a request whose
/// command block is the slot).  `take` moves the value out and frees the
/// slot.  Values still in the table when it is destroyed are destroyed
/// with it (their deinit runs).
public final class InFlightTable<Element: ~Copyable> {
    public let capacity: Int
    let slots: UnsafeMutablePointer<Element?>
    var filled: [Bool]
    var reserved: [Bool]
    var free: [Int32]
    /// Slots reserved or filled.
    public private(set) var count = 0

    public init(capacity: Int) {
        self.capacity = max(capacity, 1)
        slots = .allocate(capacity: self.capacity)
        for i in 0..<self.capacity { (slots + i).initialize(to: nil) }
        filled = [Bool](repeating: false, count: self.capacity)
        reserved = filled
        free = (0..<self.capacity).reversed().map { Int32($0) }
    }

    deinit {
        slots.deinitialize(count: capacity)
        slots.deallocate()
    }

    public var isFull: Bool { free.isEmpty }

    /// Takes a free slot without filling it; nil if none is free.
    public func reserve() -> Int? {
        guard let s = free.popLast() else { return nil }
        reserved[Int(s)] = true
        count += 1
        return Int(s)
    }

    /// Stores `value` in a slot `reserve` returned.
    public func fill(_ slot: Int, _ value: consuming Element) {
        precondition(slot >= 0 && slot < capacity && reserved[slot] && !filled[slot], "slot not reserved")
        slots[slot] = consume value
        filled[slot] = true
    }

    /// Gives back a reserved slot that was never filled.
    public func unreserve(_ slot: Int) {
        precondition(slot >= 0 && slot < capacity && reserved[slot] && !filled[slot], "slot not reserved")
        reserved[slot] = false
        free.append(Int32(slot))
        count -= 1
    }

    /// Stores `value` in a free slot and returns its number; nil if full
    /// (the value is then destroyed, so check `isFull` first).
    public func insert(_ value: consuming Element) -> Int? {
        guard let s = reserve() else { return nil }
        fill(s, value)
        return s
    }

    /// Whether `slot` holds a value.
    public func holds(_ slot: Int) -> Bool { slot >= 0 && slot < capacity && filled[slot] }

    /// Moves the value out of `slot`, which becomes free; nil if it held none.
    public func take(_ slot: Int) -> Element? {
        guard holds(slot), let v = slots[slot].take() else { return nil }
        filled[slot] = false
        reserved[slot] = false
        free.append(Int32(slot))
        count -= 1
        return v
    }
}
