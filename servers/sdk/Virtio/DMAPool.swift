// DMAPool.swift - fixed-size DMA buffers that a driver copies data through.

/// One buffer of a DMAPool: its number (for `give`), where the CPU sees it
/// and where the device does.
@frozen
public struct DMABuffer {
    public let id: Int32
    public let address: UnsafeMutableRawPointer
    public let physical: UInt64
}

/// A pool of equal DMA buffers (default 64 of 4 KiB) for data that must be
/// copied to or from the device: writes, the copying read path, small
/// requests.  It starts with `initial` buffers and grows by `growBy` when
/// it runs dry, up to `limit`; memory once allocated stays in the pool (the
/// kernel keeps DMA memory until the task dies, docs/virtio-implementation.md).
/// `take(count:into:)` is all or nothing, so a request never holds half
/// its buffers while waiting for the rest.  Giving back a buffer that is
/// not out is caught and logged (a double free would hand one buffer to two
/// requests).  Statistics: total, free, in use, high-water mark, growth.
public final class DMAPool {
    public let bufferSize: Int
    public let limit: Int
    public let growBy: Int
    let allocate: DMAAllocator
    var regions: [(region: DMARegion, first: Int32, count: Int32)] = []
    var free: [Int32] = []
    var out: [Bool] = []
    public private(set) var stats = Stats()

    public struct Stats {
        public var total = 0, free = 0, inUse = 0, highWater = 0
        public var grows = 0, growFailures = 0, badReturns = 0
    }

    /// `bufferSize` must divide 4096 or be a multiple of it.  The initial
    /// allocation may fail (then the pool starts empty and grows on use).
    public init(initial: Int = 64, growBy: Int = 64, limit: Int = 512, bufferSize: Int = 4096,
                allocate: @escaping DMAAllocator) {
        self.bufferSize = bufferSize
        self.limit = max(limit, 1)
        self.growBy = max(growBy, 1)
        self.allocate = allocate
        _ = grow(min(initial, self.limit))
    }

    /// Adds up to `n` buffers (fewer at the limit); false if none was added.
    func grow(_ wanted: Int) -> Bool {
        let n = min(wanted, limit - stats.total)
        guard n > 0 else { return false }
        let bytes = (n * bufferSize + pageSize - 1) & ~(pageSize - 1)
        guard let region = allocate(bytes) else {
            stats.growFailures += 1
            return false
        }
        let count = bytes / bufferSize
        let first = Int32(out.count)
        regions.append((region, first, Int32(count)))
        for i in (0..<count).reversed() { free.append(first + Int32(i)) }
        out.append(contentsOf: [Bool](repeating: false, count: count))
        stats.total += count
        stats.free += count
        stats.grows += 1
        return true
    }

    func buffer(_ id: Int32) -> DMABuffer {
        var lo = 0, hi = regions.count - 1
        while lo < hi {                              // regions are sorted by first id
            let mid = (lo + hi + 1) / 2
            if regions[mid].first <= id { lo = mid } else { hi = mid - 1 }
        }
        let r = regions[lo]
        let offset = Int(id - r.first) * bufferSize
        return DMABuffer(id: id, address: r.region.address + offset,
                         physical: r.region.physical + UInt64(offset))
    }

    /// One buffer, growing the pool if needed; nil when at the limit (or
    /// the kernel refuses more DMA memory).
    public func take() -> DMABuffer? {
        if free.isEmpty && !grow(max(growBy, 1)) { return nil }
        let id = free.removeLast()
        out[Int(id)] = true
        stats.free -= 1
        stats.inUse += 1
        stats.highWater = max(stats.highWater, stats.inUse)
        return buffer(id)
    }

    /// `count` buffers appended to `into`, or none (false) if the pool cannot
    /// have that many free even after growing.
    public func take(count: Int, into list: inout [DMABuffer]) -> Bool {
        if free.count < count {
            let missing = count - free.count
            if stats.total + missing > limit { return false }
            if !grow(max(missing, growBy)) || free.count < count { return false }
        }
        for _ in 0..<count { list.append(take()!) }
        return true
    }

    public func give(_ b: DMABuffer) {
        let i = Int(b.id)
        guard i >= 0, i < out.count, out[i] else {
            stats.badReturns += 1
            print("virtio: DMA pool: buffer \(b.id) given back but not out; ignored")
            return
        }
        out[i] = false
        free.append(b.id)
        stats.free += 1
        stats.inUse -= 1
    }

    /// Gives back every buffer of `list` and empties it.
    public func give(all list: inout [DMABuffer]) {
        for b in list { give(b) }
        list.removeAll(keepingCapacity: true)
    }

    /// Restarts the high-water mark from the current use.
    public func resetHighWater() { stats.highWater = stats.inUse }
}
