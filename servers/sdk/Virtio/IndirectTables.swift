// IndirectTables.swift - DMA memory for indirect descriptor tables (2.7.5.3).

import CVirtioRing

/// Indirect descriptor tables for one virtqueue: fixed-size tables of
/// `entries` descriptors (struct virtq_desc each), carved out of DMA pages that are
/// allocated when the first table of a page is needed and kept for reuse.
/// A chain submitted indirectly holds one table until it completes, so
/// the number of tables in use is at most the chains in flight.
///
/// The free tables and every table's addresses are kept in blocks sized
/// once for the most tables there can be (`most`, rounded up to whole
/// regions), so taking and giving a table is a load and a store with no
/// array growth, and a table's addresses are looked up, not computed.
final class IndirectTables {
    let entries: Int
    let tableBytes: Int
    let perRegion: Int
    let regionBytes: Int
    let capacity: Int
    let allocate: DMAAllocator
    private(set) var total = 0
    private(set) var inUse = 0
    /// Free table numbers: the first `freeCount` entries.
    let free: UnsafeMutablePointer<Int32>
    var freeCount = 0
    /// Table t's address for the CPU and for the device (the first `total`).
    let addresses: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    let physicals: UnsafeMutablePointer<UInt64>

    /// `entries`: the most descriptors one table holds (a chain's segments);
    /// `most`: the most tables ever in use at once.
    init(entries: Int, most: Int, allocate: @escaping DMAAllocator) {
        self.entries = entries
        tableBytes = (entries * MemoryLayout<virtq_desc>.stride + 63) & ~63
        regionBytes = max(pageSize, (tableBytes + pageSize - 1) & ~(pageSize - 1))
        perRegion = regionBytes / tableBytes
        capacity = (max(most, 1) + perRegion - 1) / perRegion * perRegion
        self.allocate = allocate
        free = .allocate(capacity: capacity)
        addresses = .allocate(capacity: capacity)
        physicals = .allocate(capacity: capacity)
    }

    deinit {
        free.deallocate()
        addresses.deallocate()
        physicals.deallocate()
    }

    /// A free table's number, allocating a region when none is free; nil
    /// if the region cannot be had (or, which the queue never asks for,
    /// all `capacity` tables are in use).
    func take() -> Int32? {
        if freeCount == 0 {
            guard total + perRegion <= capacity, let r = allocate(regionBytes) else { return nil }
            for i in 0..<perRegion {
                let offset = i * tableBytes
                (addresses + total + i).initialize(to: r.address + offset)
                (physicals + total + i).initialize(to: r.physical + UInt64(offset))
                // Lowest numbers on top, taken first.
                free[perRegion - 1 - i] = Int32(total + i)
            }
            total += perRegion
            freeCount = perRegion
        }
        inUse += 1
        freeCount -= 1
        return free[freeCount]
    }

    /// Gives back a table `take` returned (the queue gives each back once,
    /// when its chain is recycled, so there is room on the free stack).
    func give(_ table: Int32) {
        inUse -= 1
        free[freeCount] = table
        freeCount += 1
    }

    /// Where table `t` (a number `take` returned, so below `total`) is, for
    /// the CPU and for the device.
    func address(_ t: Int32) -> UnsafeMutableRawPointer { addresses[Int(t)].unsafelyUnwrapped }
    func physical(_ t: Int32) -> UInt64 { physicals[Int(t)] }
}
