// Completion.swift - interrupts, finished chains, and the replies to clients.
//
// The SDK services each interrupt (every finished chain of the queue goes
// to finishChain, then the interrupt is acknowledged and the queue looked
// at once more); `interrupted` then gives the waiting requests the freed
// slots and buffers.

import Mach
import Virtio
import CBlk

extension Disk {
    func interrupted(_ irq: VirtioInterrupt) {
        stats.interrupts += 1
        if irq.configChanged { configurationChanged() }
        stats.maxBatch = max(stats.maxBatch, UInt32(irq.chains))
        pump()
        if let why = queue.broken, complaints.allow() {
            print("blk: \(name): request queue broken (\(why)); requests wait forever")
        }
    }

    /// 5.2.6.1: the driver SHOULD check capacity after a configuration
    /// change notification.
    func configurationChanged() {
        guard let raw = try? device.config64(Int(VIRTIO_BLK_CFG_CAPACITY)) else { return }
        let c = sane(capacity: raw)
        guard c != capacity else { return }
        print("blk: \(name): capacity changed from \(capacity) to \(c) sectors")
        capacity = c
    }

    /// One chain the device has finished: recycle it, take its status and
    /// data, and answer the request once its last chain is back.
    /// `slot` is the chain's context, which the queue gives back only for
    /// a chain submitted with it (in flight: its record is valid).
    func finishChain(_ used: UsedChain, slot: Int) {
        let record = chains[slot]
        let r = record.request.takeRetainedValue()
        let offset = record.offset, length = record.length, isWrite = record.isWrite
        giveBack(slot)
        stats.chains += 1
        if isWrite { writesInFlight -= 1 }
        // The status byte decides, not used.written: 5.2.6.3 says legacy
        // drivers SHOULD ignore the used length, which old devices got wrong.
        let status = command(slot).pointee.status
        r.chainsOut -= 1
        if status != UInt8(VIRTIO_BLK_S_OK) {
            stats.ioErrors += 1
            if r.error == D_SUCCESS {
                r.error = D_IO_ERROR
                if complaints.allow() {
                    print("blk: \(name): device \(status == UInt8(VIRTIO_BLK_S_UNSUPP) ? "does not support" : "failed") " +
                          "\(r.kind.name) of \(length) bytes at sector \(r.sector + UInt64(offset / 512)) " +
                          "(status \(status)): D_IO_ERROR")
                }
            }
        }
        // Only the copying paths hold pool buffers: a zero-copy read
        // touches no array here.
        if record.pooled { finishPooled(slot, r, offset, length, ok: status == UInt8(VIRTIO_BLK_S_OK)) }
        if r.finished { finishRequest(r) }
    }

    /// The pool buffers of the chain in `slot` (given back by finishChain,
    /// not reused before this returns): a successful read's data copied
    /// out of them, then they go back to the pool.
    func finishPooled(_ slot: Int, _ r: IORequest, _ offset: Int, _ length: Int, ok: Bool) {
        var buffers: [DMABuffer] = []
        swap(&buffers, &slotBuffers[slot])
        if ok && r.kind == .read && !r.zeroCopy {
            copyOut(r.region!.address + offset, length, buffers)
        }
        pool.give(all: &buffers)
        swap(&buffers, &slotBuffers[slot])          // its capacity, for the slot's next chain
    }

    /// Sends the reply and lets go of everything the request held.
    func finishRequest(_ r: IORequest) {
        if let src = r.source {
            _ = vm_deallocate(smrt_task_port(), vm_address_t(UInt(bitPattern: src)), vm_size_t(r.sourceSize))
            r.source = nil
        }
        let code = r.error
        if code != D_SUCCESS { stats.errors += 1 }
        guard let reply = r.reply.take() else { return }
        let ok = code == D_SUCCESS
        switch r.kind {
        case .read:
            if ok, let region = r.region {
                stats.reads += 1
                stats.bytesRead += UInt64(r.bytes)
                if r.zeroCopy { stats.bytesZeroCopy += UInt64(r.bytes) } else { stats.bytesCopied += UInt64(r.bytes) }
                // The reply carries the pages with the deallocate bit:
                // a page or more is moved to the client, less is copied and
                // our page freed.  Either way they are gone from this task.
                let data = region.address.assumingMemoryBound(to: CChar.self)
                let kr = reply.sendReadReply(D_SUCCESS, data: data, bytes: mach_msg_type_number_t(r.bytes))
                if kr != KERN_SUCCESS {
                    replyFailed(kr)
                    reserve.discard(region)
                }
            } else {
                if let region = r.region { reserve.discard(region) }
                let kr = reply.sendReadReply(code, data: nil, bytes: 0)
                if kr != KERN_SUCCESS { replyFailed(kr) }
            }
        case .write:
            if ok {
                stats.writes += 1
                stats.bytesWritten += UInt64(r.bytes)
            }
            let kr = reply.sendWriteReply(code, written: ok ? Int32(r.bytes) : 0)
            if kr != KERN_SUCCESS { replyFailed(kr) }
        case .flush, .discard, .writeZeroes:
            if ok && r.kind == .flush && has(VIRTIO_BLK_F_FLUSH) { stats.flushes += 1 }
            if ok && r.kind != .flush { stats.discards += 1 }
            let kr = reply.send(code)
            if kr != MACH_MSG_SUCCESS { replyFailed(kr) }
        }
        retire(r)
    }

    func replyFailed(_ kr: kern_return_t) {
        if complaints.allow() { print("blk: \(name): reply not delivered: \(hex(kr)) (the client is gone?)") }
    }
}
