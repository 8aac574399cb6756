// IndirectTables.swift - DMA memory for indirect descriptor tables (2.7.5.3).

import CVirtioRing

/// Indirect descriptor tables for one virtqueue: fixed-size tables of
/// `entries` descriptors (struct virtq_desc each), carved out of DMA pages that are
/// allocated when the first table of a page is needed and kept for reuse.
/// A chain submitted indirectly holds one table until it completes, so
/// the number of tables in use is at most the chains in flight.
final class IndirectTables {
    let entries: Int
    let tableBytes: Int
    let perRegion: Int
    let regionBytes: Int
    let allocate: DMAAllocator
    var regions: [DMARegion] = []
    var free: [Int32] = []
    private(set) var inUse = 0

    /// `entries`: the most descriptors one table holds (a chain's segments).
    init(entries: Int, allocate: @escaping DMAAllocator) {
        self.entries = entries
        tableBytes = (entries * MemoryLayout<virtq_desc>.stride + 63) & ~63
        regionBytes = max(pageSize, (tableBytes + pageSize - 1) & ~(pageSize - 1))
        perRegion = regionBytes / tableBytes
        self.allocate = allocate
    }

    var total: Int { regions.count * perRegion }

    /// A free table's number, allocating a region when none is free.
    func take() -> Int32? {
        if free.isEmpty {
            guard let r = allocate(regionBytes) else { return nil }
            let first = regions.count * perRegion
            regions.append(r)
            for i in (0..<perRegion).reversed() { free.append(Int32(first + i)) }
        }
        inUse += 1
        return free.removeLast()
    }

    func give(_ table: Int32) {
        inUse -= 1
        free.append(table)
    }

    /// Where table `t` is, for the CPU and for the device.
    func location(_ t: Int32) -> (UnsafeMutableRawPointer, UInt64) {
        let r = regions[Int(t) / perRegion]
        let offset = (Int(t) % perRegion) * tableBytes
        return (r.address + offset, r.physical + UInt64(offset))
    }
}
