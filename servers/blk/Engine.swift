// Engine.swift - from accepted requests to descriptor chains in the device.
//
// Requests wait in arrival order; `pump` starts chains from the oldest
// request while there is a free in-flight slot (the inflight= limit), room
// in the ring and, for data that goes through the pool, DMA buffers.  The
// first request that cannot start stops the others behind it, so a large
// request is not overtaken forever by small ones.  A flush waits at the
// head until every write started before it has completed (5.2.6.2: a
// write is stable once a flush sent after its completion has completed).

import Mach
import Virtio
import CBlk

extension Disk {
    /// Accepts a request: counts it and starts what can start.
    func accept(_ r: IORequest) {
        if r.bytes > chainBytes(for: r) { stats.splitRequests += 1 }
        // The common case, nothing waiting: what pump would do with `r`
        // alone, without putting it in the waiting array and taking it out
        // again (an append, a removeFirst and their reference counts).
        if waiting.isEmpty && r.kind != .flush && queue.broken == nil {
            let deviceWasIdle = queue.inFlight == 0
            var started = false
            while startChain(r) {
                started = true
                if r.allStarted {
                    stats.waitingChains = 0
                    queue.kickSoon(wasIdle: deviceWasIdle)
                    return
                }
            }
            waiting.append(r)
            pump(wasIdle: deviceWasIdle, started: started)
            return
        }
        waiting.append(r)
        pump()
    }

    /// Data bytes of the request's next chain at most.
    func chainBytes(for r: IORequest) -> Int {
        switch r.kind {
        case .read: return r.zeroCopy ? directChainBytes : poolChainBytes
        case .write: return r.sourcePages.isEmpty ? poolChainBytes : pageChainBytes
        case .flush: return 0
        case .discard: return rangeChainBytes(maxDiscardSectors)
        case .writeZeroes: return rangeChainBytes(maxWriteZeroesSectors)
        }
    }

    /// Discard and write zeroes carry a range, not data: its "bytes" are its
    /// sectors × 512, cut at the device's maximum (whole records).
    func rangeChainBytes(_ maxSectors: UInt32) -> Int {
        // In 64 bits: the device's 32-bit sector count times 512 need not
        // fit an Int; no chain carries more than BLK_MAX_IO anyway.
        let deviceMost = UInt64(maxSectors) * UInt64(Disk.sectorSize)
        let most = maxSectors == 0 ? Int(BLK_MAX_IO) : Int(min(deviceMost, UInt64(BLK_MAX_IO)))
        return max(recordSize, most / recordSize * recordSize)
    }

    /// Starts chains from the waiting requests, in order, until one cannot
    /// start; then notifies the device once for all of them (at once if
    /// it had nothing of ours, else when no request waits: kickSoon).
    func pump() {
        pump(wasIdle: queue.inFlight == 0, started: false)
    }

    /// pump, continued from `accept`: `deviceWasIdle` as it was before
    /// `started` (some chain was already started and needs the notification).
    func pump(wasIdle deviceWasIdle: Bool, started startedBefore: Bool) {
        var started = startedBefore
        if queue.broken != nil {
            failWaiting(D_IO_ERROR, "the request queue is broken")
        }
        while let r = waiting.first {
            if r.kind == .flush {
                if writesInFlight > 0 { break }
                if !has(VIRTIO_BLK_F_FLUSH) {
                    // Nothing to send: the device writes through (5.2.6.2
                    // case 1 when FLUSH was not offered at all).
                    waiting.removeFirst()
                    stats.flushesEmulated += 1
                    finishRequest(r)
                    continue
                }
            }
            guard startChain(r) else {
                // Nothing in flight will free what it lacks: give up on it
                // rather than wait forever (the pool could not grow).
                if queue.inFlight == 0 {
                    waiting.removeFirst()
                    r.error = complain("request", D_NO_MEMORY, "no DMA buffers for it and none will come back")
                    r.nextOffset = r.bytes
                    r.allStarted = true
                    finishRequest(r)
                    continue
                }
                break
            }
            started = true
            if r.allStarted { waiting.removeFirst() }
        }
        var pending: UInt32 = 0
        for r in waiting {
            let each = max(chainBytes(for: r), 1)
            pending &+= UInt32(clamping: max(1, (r.bytes - r.nextOffset + each - 1) / each))
        }
        stats.waitingChains = pending
        stats.waitingHWM = max(stats.waitingHWM, pending)
        if started { queue.kickSoon(wasIdle: deviceWasIdle) }
    }

    /// Ends every waiting request with `code` (their chains in flight, if
    /// any, still finish).
    func failWaiting(_ code: kern_return_t, _ why: String) {
        let doomed = waiting
        waiting.removeAll()
        for r in doomed {
            if r.error == D_SUCCESS { r.error = complain("request", code, why) }
            r.nextOffset = r.bytes
            r.allStarted = true
            if r.finished { finishRequest(r) }
        }
    }

    /// Builds and submits the next chain of `r`: header, data, status.
    /// False (and nothing taken) when a slot, ring space or buffers are
    /// missing.
    func startChain(_ r: IORequest) -> Bool {
        guard freeSlotCount > 0 else { return false }
        freeSlotCount -= 1
        let slot = freeSlots[freeSlotCount]
        let blk = block(slot)
        let cmd = blk.address.assumingMemoryBound(to: blk_command.self)
        let offset = r.nextOffset
        var len = min(r.bytes - offset, chainBytes(for: r))
        var type = UInt32(VIRTIO_BLK_T_IN)
        var sector = r.sector + UInt64(offset / Disk.sectorSize)
        var buffers: [DMABuffer] = []
        var isWrite = false
        chain.reset()
        addSegment(Segment(physical: blk.physical, length: UInt32(MemoryLayout<virtio_blk_req_hdr>.size),
                           deviceWrites: false))
        switch r.kind {
        case .read:
            if r.zeroCopy {
                addDirect(r.region!.advanced(by: offset, size: len), deviceWrites: true)
            } else {
                guard takeBuffers(len, &buffers, r) else { return giveUp(slot, &buffers) }
                addBuffers(buffers, len, deviceWrites: true)
            }
        case .write:
            type = UInt32(VIRTIO_BLK_T_OUT)
            isWrite = true
            if r.sourcePages.isEmpty {
                guard takeBuffers(len, &buffers, r) else { return giveUp(slot, &buffers) }
                addBuffers(buffers, len, deviceWrites: false)
            } else {
                addPages(from: offset, len, deviceWrites: false) { r.sourcePages[$0] }
            }
        case .flush:
            type = UInt32(VIRTIO_BLK_T_FLUSH)
            sector = 0                  // 5.2.6.1: sector 0, and no data
            len = 0
        case .discard, .writeZeroes:
            type = r.kind == .discard ? UInt32(VIRTIO_BLK_T_DISCARD) : UInt32(VIRTIO_BLK_T_WRITE_ZEROES)
            isWrite = true
            // 5.2.6.1: unmap MUST be zero for discard.
            let unmap = r.kind == .writeZeroes && r.unmap ? UInt32(VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP) : 0
            cmd.pointee.range = virtio_blk_discard_write_zeroes(
                sector: sector, num_sectors: UInt32(len / Disk.sectorSize), flags: unmap)
            addSegment(Segment(physical: blk.physical + UInt64(BLK_COMMAND_RANGE),
                               length: UInt32(MemoryLayout<virtio_blk_discard_write_zeroes>.size),
                               deviceWrites: false))
            sector = 0                  // unused for these commands (5.2.6)
        }
        addSegment(Segment(physical: blk.physical + UInt64(BLK_COMMAND_STATUS), length: 1, deviceWrites: true))
        guard !chain.overflowed, queue.hasRoom(for: chain.count) else { return giveUp(slot, &buffers) }
        if r.kind == .write && r.sourcePages.isEmpty { copyIn(r.source! + offset, len, buffers) }
        cmd.pointee.header = virtio_blk_req_hdr(type: type, reserved: 0, sector: sector)
        cmd.pointee.status = 0xFF         // the device must overwrite it
        // The queue lives as long as the disk (the device keeps it): no
        // reference counted around the call.
        let submitted = Unmanaged.passUnretained(queue)._withUnsafeGuaranteedRef { $0.submit(chain, context: slot) }
        guard let head = submitted else { return giveUp(slot, &buffers) }
        // The slot is this chain's until finishChain: its context in the
        // queue, which hands back only contexts it was given.
        chains[slot] = ChainRecord(request: .passRetained(r), offset: offset, length: len, isWrite: isWrite,
                                   pooled: !buffers.isEmpty)
        if !buffers.isEmpty { slotBuffers[slot] = buffers }
        r.nextOffset = offset + len
        r.chainsOut += 1
        if r.nextOffset >= r.bytes { r.allStarted = true }
        if isWrite { writesInFlight += 1 }
        stats.inflightHWM = max(stats.inflightHWM, UInt32(slotsInUse))
        if config.verbose {
            print("blk: \(name): chain \(head) slot \(slot) type \(type) sector \(sector) bytes \(len)")
        }
        return true
    }

    /// Undoes a chain that could not start.
    func giveUp(_ slot: Int, _ buffers: inout [DMABuffer]) -> Bool {
        pool.give(all: &buffers)
        giveBack(slot)
        return false
    }

    /// Puts a command block slot back among the free ones.
    func giveBack(_ slot: Int) {
        freeSlots[freeSlotCount] = slot
        freeSlotCount += 1
    }

    /// Adds a segment to the chain being built; past the builder's
    /// capacity (a chain longer than the queue takes) it is only counted,
    /// and startChain gives the chain up.
    @inline(__always)
    func addSegment(_ s: Segment) { chain.add(s) }

    /// Buffers for `len` bytes, all or none; a request that has to wait for
    /// them is counted once.
    func takeBuffers(_ len: Int, _ buffers: inout [DMABuffer], _ r: IORequest) -> Bool {
        if pool.take(count: (len + pageSize - 1) / pageSize, into: &buffers) { return true }
        if !r.waitedForPool {
            r.waitedForPool = true
            stats.poolWaits += 1
        }
        return false
    }

    /// Data segments over pool buffers (the last one possibly partly used).
    func addBuffers(_ buffers: [DMABuffer], _ len: Int, deviceWrites: Bool) {
        addPages(from: 0, len, deviceWrites: deviceWrites) { buffers[$0].physical }
    }

    /// Data segments over bytes [offset, offset + len) of memory made of
    /// pages, page i at `physical(i)`: neighbours that are physically
    /// adjacent merged into one run, runs cut at size_max.
    func addPages(from offset: Int, _ len: Int, deviceWrites: Bool, _ physical: (Int) -> UInt64) {
        var at = offset
        let end = offset + len
        var runStart: UInt64 = 0, runLength = 0
        while at < end {
            let inPage = at % pageSize
            let n = min(pageSize - inPage, end - at)
            let pa = physical(at / pageSize) + UInt64(inPage)
            if runLength > 0 && runStart + UInt64(runLength) == pa {
                runLength += n
            } else {
                if runLength > 0 { addRun(runStart, runLength, deviceWrites) }
                runStart = pa
                runLength = n
            }
            at += n
        }
        if runLength > 0 { addRun(runStart, runLength, deviceWrites) }
    }

    /// Data segments over contiguous memory.
    func addDirect(_ region: DMARegion, deviceWrites: Bool) {
        addRun(region.physical, region.size, deviceWrites)
    }

    /// One physically contiguous run as segments of at most size_max bytes.
    func addRun(_ start: UInt64, _ length: Int, _ deviceWrites: Bool) {
        let most = sizeMax > 0 ? sizeMax : length
        var at = 0
        while at < length {
            let n = min(most, length - at)
            addSegment(Segment(physical: start + UInt64(at), length: UInt32(n), deviceWrites: deviceWrites))
            at += n
        }
    }

    /// Copies `len` bytes from `src` into consecutive buffers.
    func copyIn(_ src: UnsafeMutableRawPointer, _ len: Int, _ buffers: [DMABuffer]) {
        var at = 0
        for b in buffers where at < len {
            let n = min(pageSize, len - at)
            b.address.copyMemory(from: src + at, byteCount: n)
            at += n
        }
    }

    /// Copies `len` bytes out of consecutive buffers to `dst`.
    func copyOut(_ dst: UnsafeMutableRawPointer, _ len: Int, _ buffers: [DMABuffer]) {
        var at = 0
        for b in buffers where at < len {
            let n = min(pageSize, len - at)
            (dst + at).copyMemory(from: b.address, byteCount: n)
            at += n
        }
    }
}
