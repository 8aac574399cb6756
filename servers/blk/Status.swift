// Status.swift - device_get_status and device_set_status: GNU Mach's size
// flavors and the project's flavors of include/sm/blk_stats.h.

import Mach
import Virtio
import CBlk

extension Disk {
    func getStatus(_ flavor: dev_flavor_t, into out: UnsafeMutablePointer<Int32>, count: inout Int) -> kern_return_t {
        func room(_ words: Int) -> Bool { count >= words }
        // Flavors are unsigned on the wire; every one this server knows is
        // below 2^31, so a larger one is simply unknown.
        guard let f = Int32(exactly: flavor) else {
            return refuse("device_get_status", D_INVALID_OPERATION, "flavor \(hex(flavor))")
        }
        switch f {
        case DEV_GET_SIZE, DEV_GET_RECORDS:
            guard room(Int(DEV_GET_SIZE_COUNT)) else {
                return refuse("device_get_status", D_INVALID_SIZE, "room for \(count) words")
            }
            let recs = records
            if f == DEV_GET_SIZE {
                let bytes = recs * UInt64(recordSize)
                out[Int(DEV_GET_SIZE_DEVICE_SIZE)] = bytes > UInt64(Int32.max) ? 0 : Int32(bytes)
            } else {
                out[Int(DEV_GET_RECORDS_DEVICE_RECORDS)] = Int32(bitPattern: UInt32(min(recs, UInt64(UInt32.max))))
            }
            out[Int(DEV_GET_SIZE_RECORD_SIZE)] = Int32(recordSize)
            count = Int(DEV_GET_SIZE_COUNT)
        case BLK_GET_STATS, BLK_GET_INFO:
            let fits = f == BLK_GET_STATS ? putStatusWords(statistics(), into: out, count: &count)
                                          : putStatusWords(information(), into: out, count: &count)
            guard fits else { return refuse("device_get_status", D_INVALID_SIZE, "room for \(count) words") }
        default:
            return refuse("device_get_status", D_INVALID_OPERATION, "flavor \(hex(flavor))")
        }
        return D_SUCCESS
    }

    /// device_set_status.  Flush, discard and write zeroes answer once the
    /// device has finished: they take the reply port and return MIG_NO_REPLY.
    func setStatus(_ open: OpenDevice, _ flavor: dev_flavor_t, _ words: UnsafePointer<Int32>?,
                   _ count: Int) -> kern_return_t {
        func word(_ i: Int) -> Int32 { i < count ? words![i] : 0 }
        guard let f = Int32(exactly: flavor) else {
            return refuse("device_set_status", D_INVALID_OPERATION, "flavor \(hex(flavor))")
        }
        switch f {
        case BLK_SET_STATS_RESET:
            resetStatistics()
            return D_SUCCESS
        case BLK_SET_WRITEBACK:
            guard has(VIRTIO_BLK_F_CONFIG_WCE) else {
                return refuse("device_set_status", D_INVALID_OPERATION, "no CONFIG_WCE: the cache mode is fixed")
            }
            guard count >= 1, word(0) == 0 || word(0) == 1 else {
                return refuse("device_set_status", D_INVALID_SIZE, "writeback wants one word, 0 or 1")
            }
            // 5.2.6.1: after writing 0 the driver must not assume earlier
            // volatile writes are stable; clients flush for that.
            do throws(MachError) {
                try device.writeConfig(Int(VIRTIO_BLK_CFG_WRITEBACK), width: 1, value: UInt32(word(0)))
                writeback = UInt32(try device.config8(Int(VIRTIO_BLK_CFG_WRITEBACK)))
            } catch {
                return refuse("device_set_status", D_IO_ERROR, "writeback: \(hex(error.code))")
            }
            print("blk: \(name): write cache now \(writeback == 1 ? "writeback" : "writethrough")")
            return D_SUCCESS
        case BLK_SET_FLUSH:
            return queueRequest(.flush, open, sector: 0, bytes: 0)
        case BLK_SET_DISCARD, BLK_SET_WRITE_ZEROES:
            let discard = f == BLK_SET_DISCARD
            let routine: StaticString = "device_set_status"
            guard has(discard ? VIRTIO_BLK_F_DISCARD : VIRTIO_BLK_F_WRITE_ZEROES) else {
                return refuse(routine, D_INVALID_OPERATION, discard ? "no DISCARD" : "no WRITE_ZEROES")
            }
            guard count >= (discard ? 2 : 3) else { return refuse(routine, D_INVALID_SIZE, "\(count) words") }
            // Word 1 counts records: as bytes it may not fit an Int (a
            // client's 2^22 records of 512 bytes are 2^31).
            let (wanted, overflow) = Int(word(1)).multipliedReportingOverflow(by: recordSize)
            guard !overflow else {
                return refuse(routine, D_INVALID_SIZE, "\(UInt32(bitPattern: word(1))) records")
            }
            let (extent, code) = check(routine, open, write: true, inband: false,
                                       recnum: recnum_t(bitPattern: word(0)), wanted: wanted)
            guard let extent else { return code }
            return queueRequest(discard ? .discard : .writeZeroes, open, sector: extent.sector,
                                bytes: extent.bytes, unmap: !discard && word(2) != 0)
        default:
            return refuse("device_set_status", D_INVALID_OPERATION, "flavor \(hex(UInt32(bitPattern: f)))")
        }
    }

    /// A set_status request answered later.
    func queueRequest(_ kind: IOKind, _ open: OpenDevice, sector: UInt64, bytes: Int,
                      unmap: Bool = false) -> kern_return_t {
        if let code = tooManyWaiting("device_set_status") { return code }
        guard let reply = PendingReply.takeFromCurrentRequest() else {
            return refuse("device_set_status", D_INVALID_OPERATION, "no reply port")
        }
        let r = newRequest(kind: kind, reply: reply, sector: sector, bytes: bytes)
        r.unmap = unmap
        accept(r)
        return MIG_NO_REPLY
    }

    func statistics() -> blk_stats {
        var s = blk_stats()
        s.bytes_read = stats.bytesRead
        s.bytes_written = stats.bytesWritten
        s.bytes_zero_copy = stats.bytesZeroCopy
        s.bytes_copied = stats.bytesCopied
        s.requests = stats.requests
        s.reads = stats.reads
        s.writes = stats.writes
        s.flushes = stats.flushes
        s.flushes_emulated = stats.flushesEmulated
        s.discards = stats.discards
        s.errors = stats.errors
        s.io_errors = stats.ioErrors
        s.chains = stats.chains
        s.split_requests = stats.splitRequests
        s.inflight = UInt32(slotsInUse)
        s.inflight_hwm = stats.inflightHWM
        s.inflight_limit = UInt32(config.inflight)
        s.waiting = stats.waitingChains
        s.waiting_hwm = stats.waitingHWM
        s.interrupts = stats.interrupts
        s.completions_max_batch = stats.maxBatch
        s.notifies = UInt32(queue.stats.notifies - stats.notifiesBase)
        s.notifies_suppressed = UInt32(queue.stats.suppressed - stats.suppressedBase)
        let p = pool.stats
        s.pool_total = UInt32(p.total)
        s.pool_free = UInt32(p.free)
        s.pool_in_use = UInt32(p.inUse)
        s.pool_hwm = UInt32(p.highWater)
        s.pool_limit = UInt32(pool.limit)
        s.pool_grows = UInt32(p.grows - stats.growsBase)
        s.pool_waits = stats.poolWaits
        s.zc_pages = UInt32(reserve.stats.pagesTaken - stats.zcPagesBase)
        s.zc_chunks = UInt32(reserve.stats.chunks - stats.zcChunksBase)
        s.opens = UInt32(opens)
        return s
    }

    func resetStatistics() {
        var fresh = DiskStats()
        fresh.notifiesBase = queue.stats.notifies
        fresh.suppressedBase = queue.stats.suppressed
        fresh.growsBase = pool.stats.grows
        fresh.zcPagesBase = reserve.stats.pagesTaken
        fresh.zcChunksBase = reserve.stats.chunks
        fresh.inflightHWM = UInt32(slotsInUse)
        fresh.waitingChains = stats.waitingChains
        fresh.waitingHWM = stats.waitingChains
        stats = fresh
        pool.resetHighWater()
    }

    func information() -> blk_info {
        var i = blk_info()
        i.capacity = capacity
        i.features_offered = device.offered.rawValue
        i.features_accepted = features.rawValue
        i.record_size = UInt32(recordSize)
        i.records = UInt32(min(records, UInt64(UInt32.max)))
        i.read_only = readOnly ? 1 : 0
        i.modern = device.isModern ? 1 : 0
        i.queue_size = UInt32(queue.size)
        i.size_max = UInt32(sizeMax)
        i.seg_max = UInt32(segMax)
        i.max_chain_bytes = UInt32(max(poolChainBytes, directChainBytes))
        i.writeback = writeback
        i.physical_block_exp = UInt32(physicalBlockExp)
        i.alignment_offset = UInt32(alignmentOffset)
        i.min_io_size = UInt32(minIOSize)
        i.opt_io_size = UInt32(optIOSize)
        i.max_discard_sectors = maxDiscardSectors
        i.max_write_zeroes_sectors = maxWriteZeroesSectors
        i.zero_copy_default = config.zeroCopy ? 1 : 0
        i.indirect = queue.indirect ? 1 : 0
        i.event_idx = queue.eventIndex ? 1 : 0
        return i
    }
}
