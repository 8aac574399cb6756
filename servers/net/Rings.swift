// Rings.swift - the receive and transmit virtqueues: every use this server
// makes of the SDK's virtqueue and interrupt API is in this file,
// Control.swift and the queue set-up in Nic.swift.
//
// Receive: every buffer the device used is handed to the interface
// (filters, delivery) and posted again at once, then the queue is kicked:
// QEMU stops reading its backend when the ring is empty and reads again
// only on a notification, so a ring that ran dry recovers by itself.
//
// Transmit: a frame is copied behind its virtio_net_hdr into one buffer
// and made available as one descriptor; while writes arrive back to back
// the notification waits for the loop to be idle (or for 32 frames).  Finished chains are taken back
// whenever a frame is sent and on every interrupt, so the ring never
// depends on a TX interrupt; when every buffer is in use, the queue is
// re-armed so that the next finished chain raises one.

import Mach
import Virtio
import CNet

extension Nic {
    // MARK: interrupts

    /// After the SDK has serviced an interrupt (every queue drained into
    /// `onUsed`, acknowledged, re-armed): the link, receive buffers posted
    /// again, writes that waited for TX buffers.
    func afterInterrupt(_ irq: VirtioInterrupt) {
        hw.interrupts += 1
        if irq.configChanged { configurationChanged() }
        refillReceive()
        moveBacklog()
        interface.transmitWaiting { transmit($0) }
        while (!txBacklog.isEmpty || interface.waitingWriteCount > 0) && armTransmit() > 0 {
            interface.transmitWaiting { transmit($0) }
        }
        if let why = rxQueue.broken ?? txQueue.broken, interface.complaints.allow() {
            print("net: \(name): queue broken (\(why))")
        }
    }

    // MARK: receive

    /// Posts a free buffer into every free ring entry; kicks if any went in.
    func refillReceive() {
        var posted = false
        while rxQueue.hasRoom, let b = rxQueue.takeBuffer() {
            guard rxQueue.submit(b, length: bufferBytes) else {
                rxQueue.giveBuffer(b)
                break
            }
            hw.rxRefills += 1
            posted = true
        }
        // Decided now, once per refill (a refill follows a whole interrupt's
        // frames): put off to the idle loop it would cost the loop a
        // zero-timeout receive each time, and with EVENT_IDX the device
        // asks for the notification only when it ran out of buffers.
        if posted && rxQueue.kickIfNeeded() { hw.rxKicks += 1 }
    }

    /// One buffer the device filled (the ring has bounded `written` by the
    /// buffer); handed to the interface.  The ring frees it afterwards.
    func received(_ buffer: Int, _ written: Int) {
        // At least the header (5.1.6.4.1: the device fills it) and an
        // Ethernet header.
        if written >= headerBytes + NetInterface.ethernetHeader {
            let frame = UnsafeRawBufferPointer(start: rxQueue.address(buffer) + headerBytes, count: written - headerBytes)
            if config.verbose { print("net: \(name): received \(frame.count) bytes") }
            interface.received(frame: frame)
        } else {
            interface.counters.rxFrames += 1
            interface.counters.rxBad += 1
            if interface.complaints.allow() {
                print("net: \(name): the device reported \(written) bytes, less than the headers; dropped")
            }
        }
    }

    // MARK: transmit

    /// The driver's side of NetInterface.write: the frame into a DMA
    /// buffer behind a zeroed header, then into the ring or, when the ring
    /// is full, the backlog.  False when every buffer is in the ring or the
    /// backlog: the TX queue then asks for an interrupt, whose handler
    /// calls transmitWaiting.
    func transmit(_ frame: UnsafeRawBufferPointer) -> Bool {
        let tx = txQueue!                   // one reference for the whole write
        if tx.hasUsed { reclaimTransmit(tx) }
        guard let b = tx.takeBuffer() ?? waitForTransmitBuffer(tx) else {
            hw.txRingFull += 1
            return false
        }
        let address = tx.address(b)
        // 5.1.6.2: flags 0 and gso_type NONE (no offloads negotiated);
        // num_buffers (modern header) 0.  Stored as words: the header is
        // 10 or 12 bytes, not worth a memset call.
        address.storeBytes(of: 0, as: UInt64.self)
        address.storeBytes(of: 0, toByteOffset: 8, as: UInt16.self)
        if headerBytes > 10 { address.storeBytes(of: 0, toByteOffset: 10, as: UInt16.self) }
        (address + headerBytes).copyMemory(from: frame.baseAddress!, byteCount: frame.count)
        var bytes = frame.count
        if bytes < NetInterface.minimumFrame {
            // Ethernet's minimum frame: pad with zeros.
            (address + headerBytes + bytes).initializeMemory(as: UInt8.self, repeating: 0,
                                                              count: NetInterface.minimumFrame - bytes)
            bytes = NetInterface.minimumFrame
        }
        if txBacklog.isEmpty && tx.submit(b, length: headerBytes + bytes) {
            kickTransmitSoon()
            return true
        }
        txBacklog.append((b, bytes))
        hw.txBacklogHWM = max(hw.txBacklogHWM, UInt32(txBacklog.count))
        armTransmit()
        return true
    }

    /// The TX notification for a frame just made available.  While writes
    /// arrive back to back (a client with several in flight), it waits for
    /// the loop to be idle, so they share one, or at the latest for
    /// `transmitKickBatch` frames, since a client that keeps writing may
    /// keep the loop from ever being idle.  A client writing one frame at a
    /// time waits for each reply, so nothing would share it: the frame is
    /// notified at once, and only every `transmitProbeEvery`th write looks,
    /// when the loop is next idle, whether another came meanwhile (an idle
    /// look costs the loop a zero-timeout receive, about 900 guest
    /// instructions).  EVENT_IDX (or NO_NOTIFY) spares the notification
    /// while the device is still working through the ring.
    func kickTransmitSoon() {
        txUnkicked += 1
        txWrites &+= 1
        if txBackToBack {
            if txUnkicked >= Nic.transmitKickBatch { kickTransmitNow() }
            kickWhenIdle()
            return
        }
        kickTransmitNow()
        txSinceProbe += 1
        if txSinceProbe >= Nic.transmitProbeEvery {
            txSinceProbe = 0
            kickWhenIdle()
        }
    }

    /// Once the loop is idle: the notification, and whether writes came
    /// back to back since this was asked for.
    func kickWhenIdle() {
        guard !txKickQueued else { return }
        txKickQueued = true
        txWritesAtKickRequest = txWrites
        WhenIdle.add(idleKick)
    }

    /// What `idleKick` (made once, so asking allocates nothing) runs.
    func kickOnceIdle() {
        txKickQueued = false
        txBackToBack = txWrites != txWritesAtKickRequest
        kickTransmitNow()
    }

    func kickTransmitNow() {
        txUnkicked = 0
        _ = txQueue.kickIfNeeded()
    }

    /// No TX buffer was free after taking back finished chains: asks for
    /// an interrupt (taking back what came meanwhile) and tries again; nil
    /// when every buffer is still in the ring or the backlog.
    func waitForTransmitBuffer(_ tx: BufferRing) -> Int? {
        armTransmit()
        return tx.takeBuffer()
    }

    /// Asks for an interrupt when the device returns the next TX chain; if
    /// some came back meanwhile (the device need not interrupt for those),
    /// takes them now.  Returns how many came back.
    @discardableResult
    func armTransmit() -> Int {
        var n = 0
        while txQueue.armInterrupt() {
            let got = reclaimTransmit(txQueue)
            if got == 0 { break }
            n += got
        }
        return n
    }

    /// Takes back finished TX chains (their buffers are free again) and
    /// moves backlog frames into the ring; returns how many chains came
    /// back.
    @discardableResult
    func reclaimTransmit(_ tx: BufferRing) -> Int {
        let n = tx.reclaim()
        if !txBacklog.isEmpty { moveBacklog() }
        return n
    }

    /// Backlog frames into the ring while it has room.
    func moveBacklog() {
        var moved = false
        while let first = txBacklog.first, txQueue.submit(first.buffer, length: headerBytes + first.bytes) {
            txBacklog.removeFirst()
            moved = true
        }
        if moved { kickTransmitNow() }
    }
}
