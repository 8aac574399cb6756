// PoolTests.swift - DMAPool, PageReserve and BootArguments
// over host memory.

import FakeVirtioDevice

func dmaPool() {
    let allocations = Counter()
    let pool = DMAPool(initial: 4, growBy: 4, limit: 10) { bytes in
        allocations.n += 1
        return hostRegion(bytes)
    }
    checkEqual(pool.stats.total, 4, "initial buffers")
    var list: [DMABuffer] = []
    check(pool.take(count: 4, into: &list), "take the initial four")
    checkEqual(allocations.n, 1, "no growth yet")
    var distinct = true
    for i in 0..<list.count { for j in 0..<i where list[i].physical == list[j].physical { distinct = false } }
    check(distinct, "distinct buffers")
    check(list.allSatisfy { $0.physical % 4096 == 0 && UInt64(UInt(bitPattern: $0.address)) == $0.physical },
          "aligned, addresses agree")
    let fifth = pool.take()
    check(fifth != nil && pool.stats.total == 8, "grows by 4 when empty")
    check(pool.take(count: 6, into: &list) == false, "3 free + 2 more to the limit: 6 refused")
    checkEqual(list.count, 4, "all or nothing")
    check(pool.take(count: 5, into: &list), "3 free + 2 grown: 5 granted")
    checkEqual(pool.stats.total, 10, "at the limit")
    check(pool.take() == nil, "nothing beyond the limit")
    checkEqual(pool.stats.highWater, 10, "high-water mark")
    pool.give(fifth!)
    pool.give(fifth!)
    checkEqual(pool.stats.badReturns, 1, "a double give is caught")
    pool.give(all: &list)
    check(list.isEmpty && pool.stats.inUse == 0 && pool.stats.free == 10, "all back")
    pool.resetHighWater()
    checkEqual(pool.stats.highWater, 0, "high-water reset")
    // Failing DMA allocation: the pool just stays small.
    let starved = DMAPool(initial: 2, growBy: 2, limit: 8) { _ in nil }
    check(starved.stats.total == 0 && starved.take() == nil && starved.stats.growFailures == 2,
          "no memory: no buffers, failures counted")
}

func pageReserve() {
    let calls = Counter()
    let released = Counter()
    let r = PageReserve(chunkPages: 4, maxRuns: 2, allocate: { bytes in
        calls.n += 1
        return hostRegion(bytes)
    }, release: { region in released.n += region.size / 4096 })
    let a = r.take(pages: 1)!, b = r.take(pages: 2)!
    checkEqual(calls.n, 1, "one chunk for three pages")
    check(b.address == a.address + 4096 && b.physical == a.physical + 4096, "carved in order, contiguous")
    let c = r.take(pages: 3)!                       // 1 page left in the first chunk: a new one
    checkEqual(calls.n, 2, "second chunk")
    let d = r.take(pages: 1)!                       // the smallest run that fits: the old chunk's last page
    check(d.address == a.address + 3 * 4096, "smallest fitting run first")
    let e = r.take(pages: 9)!                       // bigger than a chunk: its own allocation
    checkEqual(e.size, 9 * 4096, "a large request is one allocation")
    checkEqual(calls.n, 3, "third allocation")
    r.discard(c)
    checkEqual(released.n, 3, "discarded pages go back")
    checkEqual(r.stats.pagesTaken, 16, "pages taken")
    _ = r.take(pages: 2)                            // runs: 1 page of chunk 2; chunk 3 comes
    _ = r.take(pages: 2)                            // the rest of chunk 3
    _ = r.take(pages: 2)                            // chunk 4: runs are chunk 2's page and 2 pages
    checkEqual(released.n, 3, "two runs kept")
    _ = r.take(pages: 3)                            // a third run: the smallest (1 page) goes back
    checkEqual(released.n, 4, "runs beyond maxRuns are released")
    checkEqual(calls.n, 6, "six allocations in all")
}

/// The path a zero-copy read takes, one page at a time from one chunk
/// (`take`'s inlined case): pages carved in order, the chunk's last page
/// ends the run, and the next page comes from a new chunk; the counters
/// agree with the full search's.
func pageReserveOneChunk() {
    let calls = Counter()
    let r = PageReserve(chunkPages: 3, maxRuns: 4, allocate: { bytes in
        calls.n += 1
        return hostRegion(bytes)
    }, release: { _ in })
    let a = r.take(pages: 1)!, b = r.take(pages: 1)!
    checkEqual(calls.n, 1, "one chunk")
    check(b.address == a.address + 4096 && b.physical == a.physical + 4096 && b.size == 4096,
          "the second page follows the first")
    checkEqual(r.stats.pagesHeld, 1, "one page of the chunk held")
    let c = r.take(pages: 1)!
    check(c.address == a.address + 2 * 4096, "the chunk's last page")
    checkEqual(r.stats.pagesHeld, 0, "nothing held")
    checkEqual(r.runCount, 0, "an emptied run is not kept")
    let d = r.take(pages: 1)!, e = r.take(pages: 1)!
    checkEqual(calls.n, 2, "the next page from a new chunk")
    check(e.address == d.address + 4096, "carved in order again")
    check(r.take(pages: 3) != nil && calls.n == 3, "a chunk's worth: an allocation of its own")
    checkEqual(r.stats.pagesTaken, 8, "pages taken")
    checkEqual(r.stats.pagesHeld, 1, "one page of the second chunk held")
    checkEqual(r.stats.chunks, 3, "three chunks")
}

func bootArguments() {
    let a = BootArguments(words: ["device=virtio-blk", "inflight=16", "zerocopy=0", "queue=abc",
                                  "chain=9999", "verbose", "inflight=8"])
    checkEqual(a.integer("inflight", default: 32, range: 1...256), 8, "last word wins")
    checkEqual(a.integer("queue", default: 0, range: 0...100), 0, "malformed: default")
    checkEqual(a.integer("chain", default: 128, range: 4...1024), 128, "out of range: default")
    checkEqual(a.integer("pool", default: 64, range: 0...10), 64, "absent: default")
    check(a.flag("zerocopy", default: true) == false, "flag 0")
    check(a.flag("eventidx", default: true), "absent flag")
    let unknown = a.unknownKeys(known: ["device", "inflight", "zerocopy", "queue", "chain"])
    check(unknown.count == 1 && Array(unknown[0].utf8) == Array("verbose".utf8), "unknown keys")
    let f = VirtioFeatures(bits: [9, 28, 32])
    check(f.contains(.indirectDescriptors) && f.has(bit: 9) && !f.contains(.eventIndex), "feature set")
    check(Array(f.describe(deviceNames: [(9, "FLUSH")]).utf8) == Array("FLUSH INDIRECT_DESC VERSION_1".utf8),
          "feature names: \(f.describe(deviceNames: [(9, "FLUSH")]))")
    check(f.deviceBits.rawValue == 1 << 9 && f.transportBits.rawValue == (1 << 28 | 1 << 32), "bit classes")
}

func poolTests() {
    dmaPool()
    pageReserve()
    pageReserveOneChunk()
    bootArguments()
}
