// PageReserve.swift - pages a device fills and the task then gives away.

/// Page-aligned runs of DMA-addressable pages that are ordinary task
/// memory, for zero-copy reads: the device writes the data straight into
/// them and the driver sends them to its client as out-of-line memory with
/// the deallocate bit, which the kernel moves (unmaps here, maps there)
/// instead of copying (docs/abi.md, kernel/ipc/ool.c).  Once sent they are
/// the client's; the reserve never sees them again.
///
/// Why not DMAPool memory: virtio_dma_alloc memory lies outside the task's
/// regions on purpose (the task cannot free it under the device), so the
/// kernel cannot move it into a message.  These pages come from
/// virtio_fill_alloc instead (`forDevice`): they count as ordinary task
/// memory (the task's page limit, not the 4 MiB virtio DMA limit) and are
/// safe to DMA into while they are here, because a dying driver's devices
/// are reset before its memory is freed (virtio_task_cleanup).  The kernel
/// does not zero them (the driver can read any memory through its device
/// anyway), so a driver sends on only what the device or it wrote; past
/// the data it sends, the kernel clears the rest of the last page when it
/// moves the pages (kernel/ipc/ool.c).
///
/// Each allocation is an RPC, so pages are taken from
/// chunks of `chunkPages` (default 64 pages, 256 KiB) and up to `maxRuns`
/// partly used chunks are kept; a request larger than a chunk gets its
/// own allocation.  Pages that are not sent after all (the read failed)
/// are released with `discard`, never reused: they may hold data another
/// client must not see.
public final class PageReserve {
    public let chunkPages: Int
    let maxRuns: Int
    let allocate: DMAAllocator
    let release: (DMARegion) -> Void
    /// The partly used chunks: the first `runCount` of `maxRuns` entries
    /// (a fixed block, so the per-read `take` checks no array).
    let runs: UnsafeMutablePointer<DMARegion>
    var runCount = 0
    public private(set) var stats = Stats()

    public struct Stats {
        public var pagesTaken = 0, chunks = 0, failures = 0, pagesReleased = 0
        /// Pages allocated and not yet taken or released.
        public var pagesHeld = 0
    }

    /// `allocate(bytes)` gets contiguous pages (virtio_fill_alloc in a
    /// server: forDevice), `release` gives pages back to the kernel (vm_deallocate).
    public init(chunkPages: Int = 64, maxRuns: Int = 4, allocate: @escaping DMAAllocator,
                release: @escaping (DMARegion) -> Void) {
        self.chunkPages = max(chunkPages, 1)
        self.maxRuns = max(maxRuns, 1)
        self.allocate = allocate
        self.release = release
        runs = .allocate(capacity: self.maxRuns)
    }

    deinit {
        runs.deinitialize(count: runCount)
        runs.deallocate()
    }

    /// `pages` contiguous pages (virtually and physically), or nil if the
    /// kernel has no such memory for us now.
    ///
    /// Inlined into the caller for the common case, one kept run with more
    /// than `pages` left (a driver taking a page per read from its chunk):
    /// the run is cut in place.  Every other case is `takeSearching`'s.
    @inline(__always)
    public func take(pages: Int) -> DMARegion? {
        if runCount == 1 && pages > 0 && runs.pointee.size > pages * pageSize {
            return cut(0, pages: pages)         // so pages < chunkPages: a run is at most a chunk
        }
        return takeSearching(pages: pages)
    }

    /// `take` in full: the smallest kept run that is large enough, else a
    /// new chunk (or, for `chunkPages` or more, an allocation of its own).
    @inline(never)
    func takeSearching(pages: Int) -> DMARegion? {
        precondition(pages > 0)
        let bytes = pages * pageSize
        var best = -1
        for i in 0..<runCount where runs[i].size >= bytes {
            if best < 0 || runs[i].size < runs[best].size { best = i }
        }
        if best < 0 {
            if pages >= chunkPages {
                guard let r = allocate(bytes) else {
                    stats.failures += 1
                    return nil
                }
                stats.chunks += 1
                stats.pagesTaken += pages
                return r
            }
            guard let chunk = allocate(chunkPages * pageSize) else {
                stats.failures += 1
                return nil
            }
            stats.chunks += 1
            stats.pagesHeld += chunkPages
            if runCount >= maxRuns {
                // Keep the larger runs; the smallest goes back to the kernel.
                var smallest = 0
                for i in 0..<runCount where runs[i].size < runs[smallest].size { smallest = i }
                discardHeld(removeRun(smallest))
            }
            (runs + runCount).initialize(to: chunk)
            runCount += 1
            best = runCount - 1
        }
        return cut(best, pages: pages)
    }

    /// The first `pages` pages of kept run `i` (at least that long), taken:
    /// the run shrinks, or goes if nothing of it is left.
    @inline(__always)
    func cut(_ i: Int, pages: Int) -> DMARegion {
        let r = runs[i]
        let bytes = pages * pageSize
        if r.size == bytes {
            _ = removeRun(i)
        } else {
            runs[i] = r.advanced(by: bytes, size: r.size &- bytes)
        }
        stats.pagesHeld -= pages
        stats.pagesTaken += pages
        return DMARegion(address: r.address, physical: r.physical, size: bytes)
    }

    /// Takes run `i` out of the block (the last one moves into its place).
    func removeRun(_ i: Int) -> DMARegion {
        let r = runs[i]
        runCount -= 1
        if i != runCount { runs[i] = runs[runCount] }
        return r
    }

    /// Gives back pages taken and not sent after all.
    public func discard(_ region: DMARegion) {
        stats.pagesReleased += pagesFor(region.size)
        release(region)
    }

    func discardHeld(_ region: DMARegion) {
        stats.pagesHeld -= pagesFor(region.size)
        discard(region)
    }
}
