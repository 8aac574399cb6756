// Rings.swift - the receive and transmit virtqueues: every use this server
// makes of the SDK's virtqueue and interrupt API is in this file and
// Control.swift.
//
// Receive: every buffer the device used is handed to the interface
// (filters, delivery) and posted again at once, then the queue is kicked:
// QEMU stops reading its backend when the ring is empty and reads again
// only on a notification, so a ring that ran dry recovers by itself.
//
// Transmit: a frame is copied behind its virtio_net_hdr into one buffer
// and made available as one descriptor.  Finished chains are taken back
// whenever a frame is sent and on every interrupt, so the ring never
// depends on a TX interrupt; the TX queue asks for one only while frames
// wait in the backlog for ring space.

import Mach
import Virtio
import CNet

extension Nic {
    // MARK: interrupts

    func interrupt(_ isr: UInt32) {
        hw.interrupts += 1
        if isr & UInt32(VIRTIO_ISR_CONFIG) != 0 { configurationChanged() }
        drainReceive()
        reclaimTransmit()
        device.acknowledgeInterrupt()
        // Take what finished in between instead of waiting for an
        // interrupt that need not come.
        while rxQueue.rearm() { drainReceive() }
        interface.transmitWaiting()
        while (!txBacklog.isEmpty || interface.waitingWriteCount > 0) && armTransmit() > 0 {
            interface.transmitWaiting()
        }
        refillReceive()
        if let why = rxQueue.broken ?? txQueue.broken, interface.complaints.allow() {
            print("net: \(name): queue broken (\(why))")
        }
    }

    // MARK: receive

    /// Posts a free buffer into every free ring entry; kicks if any went in.
    func refillReceive() {
        var posted = false
        while rxQueue.hasRoom(for: 1), let slot = rxChains.reserve() {
            guard let b = rxPool!.take() else {
                rxChains.unreserve(slot)
                break
            }
            oneSegment[0] = Segment(physical: b.physical, length: UInt32(bufferBytes), deviceWrites: true)
            guard let token = rxQueue.submit(oneSegment) else {
                rxPool.give(b)
                rxChains.unreserve(slot)
                break
            }
            rxSlotOfHead[Int(token.head)] = Int32(slot)
            rxChains.fill(slot, BufferChain(chain: token, buffer: b))
            hw.rxRefills += 1
            posted = true
        }
        if posted {
            hw.rxKicks += 1
            rxQueue.kickWhenIdle()
        }
    }

    func drainReceive() {
        _ = rxQueue.takeUsed { used in
            guard let record = self.takeChain(self.rxChains, &self.rxSlotOfHead, used.head, "receive") else { return }
            let buffer = record.buffer
            _ = self.rxQueue.complete(record.chain)
            // The device's length is not trusted: within the buffer, and
            // at least the header (5.1.6.4.1: the device fills the header).
            let written = Int(exactly: used.written) ?? Int.max
            if written >= self.headerBytes + NetInterface.ethernetHeader && written <= self.bufferBytes {
                let frame = UnsafeRawBufferPointer(start: buffer.address + self.headerBytes,
                                                   count: written - self.headerBytes)
                if self.config.verbose { print("net: \(self.name): received \(frame.count) bytes") }
                self.interface.received(frame: frame)
            } else {
                self.interface.counters.rxFrames += 1
                self.interface.counters.rxBad += 1
                if self.interface.complaints.allow() {
                    print("net: \(self.name): the device reported \(used.written) bytes in a \(self.bufferBytes)-byte buffer; dropped")
                }
            }
            self.rxPool.give(buffer)
        }
        refillReceive()
    }

    /// The record of the chain whose head the device reported; nil (logged)
    /// for a head that is no chain of ours (the queue then marks itself
    /// broken when completing, 2.7.8).
    func takeChain(_ table: InFlightTable<BufferChain>, _ slots: inout [Int32], _ head: UInt16,
                   _ which: StaticString) -> BufferChain? {
        let slot = Int(slots[Int(head)])
        slots[Int(head)] = -1
        guard let r = table.take(slot) else {
            if interface.complaints.allow() { print("net: \(name): \(which) chain \(head) has no buffer") }
            return nil
        }
        return r
    }

    // MARK: transmit

    /// NetInterface.transmit: the frame into a DMA buffer behind a zeroed
    /// header, then into the ring or, when the ring is full, the backlog.
    /// False when every buffer is in the ring or the backlog: the TX queue
    /// then asks for an interrupt, whose handler calls transmitWaiting.
    func transmit(_ frame: UnsafeRawBufferPointer) -> Bool {
        guard let b = takeTransmitBuffer() else {
            hw.txRingFull += 1
            return false
        }
        // 5.1.6.2: flags 0 and gso_type NONE (no offloads negotiated);
        // num_buffers (modern header) 0.
        b.address.initializeMemory(as: UInt8.self, repeating: 0, count: headerBytes)
        (b.address + headerBytes).copyMemory(from: frame.baseAddress!, byteCount: frame.count)
        var bytes = frame.count
        if bytes < NetInterface.minimumFrame {
            // Ethernet's minimum frame: pad with zeros.
            (b.address + headerBytes + bytes).initializeMemory(as: UInt8.self, repeating: 0,
                                                                count: NetInterface.minimumFrame - bytes)
            bytes = NetInterface.minimumFrame
        }
        if txBacklog.isEmpty && submitTransmit(b, bytes) {
            txQueue.kickWhenIdle()
            return true
        }
        txBacklog.append((b, bytes))
        hw.txBacklogHWM = max(hw.txBacklogHWM, UInt32(txBacklog.count))
        armTransmit()
        return true
    }

    /// A free TX buffer, taking finished chains back first; nil when all
    /// are in the ring or the backlog (an interrupt is then asked for).
    func takeTransmitBuffer() -> DMABuffer? {
        reclaimTransmit()
        if let b = txPool!.take() { return b }
        armTransmit()
        return txPool!.take()
    }

    /// Asks for an interrupt when the device returns the next TX chain; if
    /// some came back meanwhile (the device need not interrupt for those),
    /// takes them now.  Returns how many came back.
    @discardableResult
    func armTransmit() -> Int {
        var n = 0
        while txQueue.rearm() {
            let got = reclaimTransmit()
            if got == 0 { break }
            n += got
        }
        return n
    }

    func submitTransmit(_ b: DMABuffer, _ bytes: Int) -> Bool {
        guard let slot = txChains.reserve() else { return false }
        oneSegment[0] = Segment(physical: b.physical, length: UInt32(headerBytes + bytes), deviceWrites: false)
        guard let token = txQueue.submit(oneSegment) else {
            txChains.unreserve(slot)
            return false
        }
        txSlotOfHead[Int(token.head)] = Int32(slot)
        txChains.fill(slot, BufferChain(chain: token, buffer: b))
        return true
    }

    /// Takes back finished TX chains and moves backlog frames into the
    /// ring; returns how many chains came back.
    @discardableResult
    func reclaimTransmit() -> Int {
        let n = txQueue.takeUsed { used in
            guard let record = self.takeChain(self.txChains, &self.txSlotOfHead, used.head, "transmit") else { return }
            let buffer = record.buffer
            _ = self.txQueue.complete(record.chain)
            self.txPool.give(buffer)
            self.hw.txReclaimed += 1
        }
        var moved = false
        while let first = txBacklog.first, submitTransmit(first.buffer, first.bytes) {
            txBacklog.removeFirst()
            moved = true
        }
        if moved { txQueue.kickWhenIdle() }
        return n
    }
}
