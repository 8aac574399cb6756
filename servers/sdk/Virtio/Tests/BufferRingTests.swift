// BufferRingTests.swift - BufferRing against the fake device: buffers and
// descriptors handed out once each, a full ring, out-of-order completion
// with the right buffer back, index wrap-around, lengths the device lies
// about, a used entry naming a descriptor not in flight, notification
// suppression and the interrupt helper's re-check.

import FakeVirtioDevice

/// A BufferRing over host memory and the fake device on its other side.
final class BufferRig {
    let ring: BufferRing
    var fake = fake_device()
    let kicks = Counter()

    init(size: UInt16, buffers: Int, deviceWrites: Bool, features: VirtioFeatures = .none) {
        let n = Int(size)
        let availOffset = 16 * n
        let usedOffset = (availOffset + 6 + 2 * n + 4095) & ~4095
        let mem = hostRegion(usedOffset + ((6 + 8 * n + 4095) & ~4095))
        let k = kicks
        // Small chunks: the buffers come from several allocations.
        ring = BufferRing(queueIndex: 1, size: size, descriptors: mem.address, available: mem.address + availOffset,
                          used: mem.address + usedOffset, features: features, deviceWrites: deviceWrites,
                          buffers: buffers, bufferBytes: 2048, chunkBytes: 8192,
                          allocate: { hostRegion($0) }, notify: { k.n += 1 })
        fake_init(&fake, mem.address, mem.address + availOffset, mem.address + usedOffset, size,
                  features.contains(.eventIndex) ? 1 : 0)
    }

    func take() -> fake_chain? {
        var c = fake_chain()
        guard fake_take(&fake, &c) == 1 else { return nil }
        return c
    }
}

func bufferRingTests() {
    bufferRingBasics()
    bufferRingFullAndOutOfOrder()
    bufferRingWrapAround()
    bufferRingBadDevice()
    bufferRingNotifications()
}

func bufferRingBasics() {
    let rig = BufferRig(size: 8, buffers: 10, deviceWrites: true)
    let r = rig.ring
    checkEqual(r.bufferCount, 10, "every buffer allocated across chunks")
    var seen: [Int] = []
    while let b = r.takeBuffer() { seen.append(b) }
    checkEqual(seen.sorted(), Array(0..<10), "each buffer handed out once")
    for b in seen { r.giveBuffer(b) }
    guard let b = r.takeBuffer() else { return check(false, "a buffer") }
    check(r.submit(b, length: 2048), "submit")
    checkEqual(r.inFlight, 1, "one in flight")
    check(r.kickIfNeeded(), "first kick notifies")
    guard let c = rig.take() else { return check(false, "device sees the chain") }
    checkEqual(Int(c.count), 1, "one descriptor")
    let seg = withUnsafePointer(to: c.seg) { UnsafeRawPointer($0).load(as: fake_segment.self) }
    check(seg.addr == UInt64(UInt(bitPattern: r.address(b))) && seg.len == 2048 && seg.writable != 0,
          "the buffer's address, length, device-writable")
    _ = fake_put(&rig.fake, c.head, 100)
    var got: [(Int, Int)] = []
    checkEqual(r.takeUsed { got.append(($0, $1)) }, 1, "one used")
    check(got.count == 1 && got[0].0 == b && got[0].1 == 100, "the same buffer, 100 bytes")
    checkEqual(r.inFlight, 0, "nothing in flight")
    checkEqual(r.freeBufferTotal, 10, "the buffer is free again")
}

func bufferRingFullAndOutOfOrder() {
    let rig = BufferRig(size: 4, buffers: 6, deviceWrites: false)
    let r = rig.ring
    var lengthOf = [Int](repeating: 0, count: 6)
    for i in 0..<4 {
        guard let b = r.takeBuffer() else { return check(false, "buffer \(i)") }
        lengthOf[b] = 60 + i
        check(r.submit(b, length: 60 + i), "submit \(i)")
    }
    guard let extra = r.takeBuffer() else { return check(false, "a buffer beyond the ring") }
    check(!r.hasRoom && !r.submit(extra, length: 60), "a full ring refuses")
    r.giveBuffer(extra)
    var chains: [fake_chain] = []
    while let c = rig.take() { chains.append(c) }
    checkEqual(chains.count, 4, "device took 4")
    var bufferOfHead = [Int](repeating: -1, count: 4)
    for c in chains {
        let seg = withUnsafePointer(to: c.seg) { UnsafeRawPointer($0).load(as: fake_segment.self) }
        check(seg.writable == 0, "device-readable")
        for b in 0..<6 where UInt64(UInt(bitPattern: r.address(b))) == seg.addr {
            bufferOfHead[Int(c.head)] = b
            checkEqual(Int(seg.len), lengthOf[b], "length of buffer \(b)")
        }
    }
    let order = [chains[2].head, chains[0].head, chains[3].head, chains[1].head]
    // A transmit ring: whatever the device says it wrote, the driver sees 0.
    for h in order { _ = fake_put(&rig.fake, h, 999) }
    var got: [Int] = []
    var lengths = 0
    r.takeUsed { b, w in got.append(b); lengths += w }
    check(got == order.map { bufferOfHead[Int($0)] }, "buffers back in used order")
    checkEqual(lengths, 0, "no bytes written into a transmit buffer")
    checkEqual(r.freeBufferTotal, 6, "all buffers free")
    checkEqual(r.freeDescriptors, 4, "all descriptors free")
}

/// Many frames through a ring of 4, completed in random order: the 16-bit
/// indexes wrap, every buffer comes back exactly once.
func bufferRingWrapAround() {
    let rig = BufferRig(size: 4, buffers: 4, deviceWrites: true)
    let r = rig.ring
    var seed: UInt32 = 777
    func rnd(_ n: Int) -> Int {
        seed ^= seed << 13; seed ^= seed >> 17; seed ^= seed << 5
        return Int(seed % UInt32(n))
    }
    var held: [fake_chain] = []
    var outstanding = [Bool](repeating: false, count: 4)
    var wrong = 0, done = 0
    for _ in 0..<70_000 {
        while r.hasRoom, let b = r.takeBuffer() {
            if outstanding[b] { wrong += 1 }
            outstanding[b] = true
            _ = r.submit(b, length: 2048)
        }
        while let c = rig.take() { held.append(c) }
        if held.isEmpty { break }
        let c = held.remove(at: rnd(held.count))
        _ = fake_put(&rig.fake, c.head, UInt32(rnd(2049)))
        r.takeUsed { b, w in
            if !outstanding[b] || w > 2048 { wrong += 1 }
            outstanding[b] = false
            done += 1
        }
    }
    checkEqual(wrong, 0, "no buffer twice in flight, none back that was not out")
    check(done >= 69_000, "the indexes wrapped (\(done) frames)")
    check(rig.fake.error == nil, "the device saw no broken rule")
}

func bufferRingBadDevice() {
    let rig = BufferRig(size: 4, buffers: 4, deviceWrites: true)
    let r = rig.ring
    guard let b = r.takeBuffer(), r.submit(b, length: 2048), let c = rig.take() else {
        return check(false, "one chain")
    }
    _ = fake_put(&rig.fake, c.head, 5000)
    var written = -1
    r.takeUsed { _, w in written = w }
    checkEqual(written, 2048, "an overlong length is cut to the buffer")
    checkEqual(r.stats.overlongLengths, 1, "and counted")
    fake_put_raw(&rig.fake, UInt32(c.head), 10)         // no longer in flight
    var reached = 0
    r.takeUsed { _, _ in reached += 1 }
    checkEqual(reached, 0, "an entry for a descriptor not in flight reaches no one")
    check(r.broken != nil, "and breaks the ring")
    check(!r.hasRoom && r.takeBuffer().map { !r.submit($0, length: 10) } ?? true, "a broken ring takes nothing")
}

func bufferRingNotifications() {
    let rig = BufferRig(size: 8, buffers: 8, deviceWrites: false, features: .eventIndex)
    let r = rig.ring
    fake_set_avail_event(&rig.fake, 2)           // wants to hear when entry 2 is published
    for _ in 0..<2 { _ = r.submit(r.takeBuffer()!, length: 60) }
    check(!r.kickIfNeeded(), "entries 0-1: not asked for")
    _ = r.submit(r.takeBuffer()!, length: 60)
    check(r.kickIfNeeded(), "entry 2: notified")
    checkEqual(rig.kicks.n, 1, "once")
    r.interruptsWanted = false
    while let c = rig.take() { _ = fake_put(&rig.fake, c.head, 0) }
    checkEqual(serviceInterrupt([r]), 3, "the interrupt helper takes the chains of a quiet ring")
    check(!r.armInterrupt(), "nothing more used")
    checkEqual(fake_used_event(&rig.fake), 3, "used_event asks for the next entry")
}
