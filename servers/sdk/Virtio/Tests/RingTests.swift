// RingTests.swift - Virtqueue against the fake device: chains direct and
// indirect with their contexts, a full ring, out-of-order completion,
// 16-bit index wrap-around, both notification suppression schemes in both
// directions, a broken device, a device that lies about used lengths, and
// the interrupt helper's re-check.

import FakeVirtioDevice

final class Counter { var n = 0 }

/// A queue over host memory and the fake device on its other side.
final class Rig {
    let queue: Virtqueue<Int>
    var fake = fake_device()
    let kicks = Counter()

    init(size: UInt16, features: VirtioFeatures = .none, maxIndirect: Int = 0) {
        let n = Int(size)
        let availOffset = 16 * n
        let usedOffset = (availOffset + 6 + 2 * n + 4095) & ~4095
        let mem = hostRegion(usedOffset + ((6 + 8 * n + 4095) & ~4095))
        let k = kicks
        queue = Virtqueue<Int>(queueIndex: 0, size: size, descriptors: mem.address,
                          available: mem.address + availOffset, used: mem.address + usedOffset,
                          features: features, maxIndirect: maxIndirect,
                          allocate: { hostRegion($0) }, notify: { k.n += 1 })
        fake_init(&fake, mem.address, mem.address + availOffset, mem.address + usedOffset, size,
                  features.contains(.eventIndex) ? 1 : 0)
    }

    /// The device takes one chain; nil if none (or a rule was broken).
    func take() -> (head: UInt16, indirect: Bool, segments: [fake_segment])? {
        var c = fake_chain()
        guard fake_take(&fake, &c) == 1 else { return nil }
        let segs = withUnsafePointer(to: &c.seg) {
            $0.withMemoryRebound(to: fake_segment.self, capacity: Int(FAKE_MAX_SEGMENTS)) { p in
                (0..<Int(c.count)).map { p[$0] }
            }
        }
        return (c.head, c.indirect != 0, segs)
    }

    var error: String? {
        fake.error.map { p in
            var bytes: [UInt8] = []
            var i = 0
            while p[i] != 0 { bytes.append(UInt8(bitPattern: p[i])); i += 1 }
            return String(decoding: bytes, as: UTF8.self)
        }
    }
}

/// Segments at made-up addresses: `out` readable then `inn` writable.
func segs(_ out: Int, _ inn: Int, base: UInt64 = 0x1000) -> [Segment] {
    var s: [Segment] = []
    for i in 0..<(out + inn) {
        s.append(Segment(physical: base + UInt64(i) * 0x100, length: UInt32(16 + i), deviceWrites: i >= out))
    }
    return s
}

func sameSegments(_ a: [Segment], _ b: [fake_segment]) -> Bool {
    guard a.count == b.count else { return false }
    for i in 0..<a.count where a[i].physical != b[i].addr || a[i].length != b[i].len ||
        a[i].deviceWrites != (b[i].writable != 0) {
        return false
    }
    return true
}

/// The heads the device takes now, in order.
func takeAll(_ rig: Rig) -> [UInt16] {
    var heads: [UInt16] = []
    while let c = rig.take() { heads.append(c.head) }
    return heads
}

func basicChain() {
    let rig = Rig(size: 8)
    let want = segs(1, 2)
    guard let head = rig.queue.submit(want, context: 42) else { return check(false, "submit") }
    checkEqual(rig.queue.freeDescriptors, 5, "3 descriptors taken")
    check(rig.queue.kickIfNeeded(), "first kick notifies")
    checkEqual(rig.kicks.n, 1, "notify closure called")
    guard let c = rig.take() else { return check(false, "device sees the chain: \(rig.error ?? "")") }
    checkEqual(c.head, head, "head")
    check(!c.indirect && sameSegments(want, c.segments), "segments as submitted")
    check(!rig.queue.hasUsed, "nothing used yet")
    _ = fake_put(&rig.fake, c.head, 17)
    var seen: [(UsedChain, Int)] = []
    checkEqual(rig.queue.takeUsed { seen.append(($0, $1)) }, 1, "one used")
    check(seen.count == 1 && seen[0].0.head == head && seen[0].0.written == 17, "used entry")
    check(seen.count == 1 && seen[0].1 == 42, "the chain's context comes back")
    checkEqual(rig.queue.freeDescriptors, 8, "descriptors back")
    checkEqual(rig.queue.inFlight, 0, "nothing in flight")
}

/// A chain built in a ChainBuilder goes to the device as built, the
/// builder is reused for the next, and one that overflowed is refused.
func builtChains() {
    let rig = Rig(size: 8, features: [.indirectDescriptors], maxIndirect: 16)
    var chain = ChainBuilder(capacity: 4)
    let want = segs(1, 2)
    chain.reset()
    for s in want { chain.add(s) }
    checkEqual(chain.count, 3, "three added")
    check(rig.queue.submit(chain, context: 5) != nil, "built chain submitted")
    chain.reset()
    chain.add(want[0])
    check(rig.queue.submit(chain, context: 6) != nil, "the builder reused for a one-segment chain")
    let c1 = rig.take(), c2 = rig.take()
    check(c1 != nil && sameSegments(want, c1!.segments), "device sees the built segments: \(rig.error ?? "")")
    check(c2 != nil && sameSegments([want[0]], c2!.segments), "and then the second chain alone")
    chain.reset()
    for s in segs(3, 2) { chain.add(s) }
    check(chain.overflowed && chain.segments.count == 4, "five added to a builder of four: overflowed")
    check(rig.queue.submit(chain, context: 7) == nil, "an overflowed chain is refused")
    checkEqual(rig.queue.inFlight, 2, "and nothing of it kept")
    chain.reset()
    check(rig.queue.submit(chain, context: 8) == nil, "an empty chain is refused")
}

func fullRingAndOrder() {
    let rig = Rig(size: 8)
    var contextOf = [Int](repeating: -1, count: 8)
    for i in 0..<4 {
        guard let h = rig.queue.submit(segs(1, 1), context: 100 + i) else { return check(false, "submit 2") }
        contextOf[Int(h)] = 100 + i
    }
    check(rig.queue.submit(segs(1, 0), context: 0) == nil, "a full ring refuses")
    check(!rig.queue.hasRoom(for: 1), "and says so")
    let heads = takeAll(rig)
    checkEqual(heads.count, 4, "device took 4 chains: \(rig.error ?? "")")
    for h in [heads[2], heads[0], heads[3], heads[1]] { _ = fake_put(&rig.fake, h, 0) }
    var order: [UInt16] = []
    var wrongContext = 0
    rig.queue.takeUsed { u, ctx in
        order.append(u.head)
        if contextOf[Int(u.head)] != ctx { wrongContext += 1 }
    }
    check(order == [heads[2], heads[0], heads[3], heads[1]], "used order kept")
    checkEqual(wrongContext, 0, "each chain's own context, out of order")
    checkEqual(rig.queue.freeDescriptors, 8, "all free after out-of-order completion")
    // The free list must still hand out every descriptor exactly once.
    let t = rig.queue.submit(segs(3, 5), context: 7)
    check(t != nil, "a chain of all 8 descriptors fits")
    let c = rig.take()
    check(c != nil && sameSegments(segs(3, 5), c!.segments), "and reads back: \(rig.error ?? "")")
    if let c { _ = fake_put(&rig.fake, c.head, 0) }
    rig.queue.takeUsed { _, _ in }
    checkEqual(rig.queue.freeDescriptors, 8, "all free again")
}

/// Tens of thousands of chains of random lengths through a small ring,
/// completed in random order: the 16-bit indexes wrap several times.
func wrapAround() {
    let rig = Rig(size: 4)
    var held: [(head: UInt16, want: [Segment])] = []
    var wanted = [[Segment]](repeating: [], count: 4)
    var roundOf = [Int](repeating: -1, count: 4)
    var seed: UInt32 = 12345
    func rnd(_ n: Int) -> Int {
        seed ^= seed << 13; seed ^= seed >> 17; seed ^= seed << 5
        return Int(seed % UInt32(n))
    }
    var rounds = 0, bad = 0
    while rounds < 70_000 && bad == 0 {
        let n = 1 + rnd(4)
        let s = segs(rnd(n + 1), 0, base: UInt64(rounds) * 0x10000)
        let chain = s.isEmpty ? segs(0, n) : s + segs(0, n - s.count, base: UInt64(rounds) * 0x10000 + 0x8000)
        if let h = rig.queue.submit(chain, context: rounds) {
            wanted[Int(h)] = chain
            roundOf[Int(h)] = rounds
            rounds += 1
        }
        rig.queue.kickIfNeeded()
        while let c = rig.take() {
            if !sameSegments(wanted[Int(c.head)], c.segments) { bad += 1 }
            held.append((c.head, wanted[Int(c.head)]))
        }
        if rig.error != nil { bad += 1 }
        // The device returns a random one of those it holds, sometimes none.
        while !held.isEmpty && (rnd(3) != 0 || !rig.queue.hasRoom(for: 4)) {
            let i = rnd(held.count)
            _ = fake_put(&rig.fake, held[i].head, 0)
            held.remove(at: i)
            rig.queue.takeUsed { u, ctx in if roundOf[Int(u.head)] != ctx { bad += 1 } }
        }
    }
    checkEqual(bad, 0, "chains corrupted, contexts mixed up or rules broken across wrap-around: \(rig.error ?? "")")
    checkEqual(rounds, 70_000, "rounds")
    check(rig.queue.stats.submitted == 70_000 && rig.queue.broken == nil, "queue sound")
    while let h = held.popLast() {
        _ = fake_put(&rig.fake, h.head, 0)
        rig.queue.takeUsed { _, _ in }
    }
    checkEqual(rig.queue.freeDescriptors, 4, "every descriptor back")
}

func indirect() {
    let rig = Rig(size: 8, features: [.indirectDescriptors], maxIndirect: 16)
    check(rig.queue.indirect, "indirect in use")
    let want = segs(2, 3)
    _ = rig.queue.submit(want, context: 1)
    checkEqual(rig.queue.freeDescriptors, 7, "one ring descriptor for five segments")
    _ = rig.queue.submit(segs(1, 0), context: 2)
    checkEqual(rig.queue.freeDescriptors, 6, "a single segment goes direct")
    let c1 = rig.take(), c2 = rig.take()
    check(c1 != nil && c1!.indirect && sameSegments(want, c1!.segments), "device follows the table: \(rig.error ?? "")")
    check(c2 != nil && !c2!.indirect, "direct single")
    check(rig.queue.submit(segs(9, 8), context: 3) == nil, "more segments than a table holds: refused")
    if let c1 { _ = fake_put(&rig.fake, c1.head, 0) }
    if let c2 { _ = fake_put(&rig.fake, c2.head, 0) }
    var contexts: [Int] = []
    rig.queue.takeUsed { contexts.append($1) }
    check(contexts == [1, 2], "contexts of indirect and direct chains")
    checkEqual(rig.queue.indirectTables.inUse, 0, "table back")
    // Many indirect chains at once: one table each, memory grows by pages.
    for i in 0..<8 { _ = rig.queue.submit(segs(4, 4), context: i) }
    checkEqual(rig.queue.indirectTables.inUse, 8, "eight tables")
    var ok = 0
    while let c = rig.take() {
        if c.indirect && c.segments.count == 8 { ok += 1 }
        _ = fake_put(&rig.fake, c.head, 0)
    }
    checkEqual(ok, 8, "eight indirect chains seen")
    checkEqual(rig.queue.takeUsed { _, _ in }, 8, "all completed")
    checkEqual(rig.queue.freeDescriptors, 8, "ring free")
}

func notifications() {
    // Without EVENT_IDX: the used ring's NO_NOTIFY flag.
    let plain = Rig(size: 8)
    _ = plain.queue.submit(segs(1, 0), context: 0)
    check(plain.queue.kickIfNeeded(), "flag 0: notify")
    fake_set_no_notify(&plain.fake, 1)
    _ = plain.queue.submit(segs(1, 0), context: 0)
    check(!plain.queue.kickIfNeeded(), "NO_NOTIFY: suppressed")
    check(!plain.queue.kickIfNeeded(), "nothing new: no decision")
    checkEqual(plain.queue.stats.suppressed, 1, "one suppressed")
    checkEqual(fake_avail_flags(&plain.fake), 0, "driver wants interrupts (avail flags 0)")
    while let c = plain.take() { check(fake_put(&plain.fake, c.head, 0) == 1, "device must interrupt (flags 0)") }
    plain.queue.takeUsed { _, _ in }

    // With EVENT_IDX: avail_event decides (2.7.10), used_event asks (2.7.7).
    let ev = Rig(size: 8, features: [.eventIndex])
    fake_set_avail_event(&ev.fake, 0)
    _ = ev.queue.submit(segs(1, 0), context: 0)
    check(ev.queue.kickIfNeeded(), "idx 0 -> 1 crosses avail_event 0")
    _ = ev.queue.submit(segs(1, 0), context: 0)
    check(!ev.queue.kickIfNeeded(), "1 -> 2 does not cross 0")
    fake_set_avail_event(&ev.fake, 4)
    _ = ev.queue.submit(segs(1, 0), context: 0)
    _ = ev.queue.submit(segs(1, 0), context: 0)
    check(!ev.queue.kickIfNeeded(), "2 -> 4 does not reach event 4")
    _ = ev.queue.submit(segs(1, 0), context: 0)
    check(ev.queue.kickIfNeeded(), "4 -> 5 crosses 4")
    checkEqual(ev.kicks.n, 2, "two notifications")
    // Used side: the driver asks for the next entry; only that one interrupts.
    check(!ev.queue.rearm(), "nothing used yet")
    checkEqual(fake_used_event(&ev.fake), 0, "used_event 0")
    var irq = [Int]()
    for _ in 0..<3 { if let c = ev.take() { irq.append(Int(fake_put(&ev.fake, c.head, 0))) } }
    check(irq == [1, 0, 0], "only the entry at used_event interrupts: \(irq)")
    var n = ev.queue.takeUsed { _, _ in }
    check(!ev.queue.rearm(), "rearm after taking all: nothing more")
    checkEqual(fake_used_event(&ev.fake), 3, "used_event moved to the next entry")
    while let c = ev.take() { irq.append(Int(fake_put(&ev.fake, c.head, 0))) }
    check(irq == [1, 0, 0, 1, 0], "the next entry interrupts again: \(irq)")
    n += ev.queue.takeUsed { _, _ in }
    checkEqual(n, 5, "five used")

    // The formula, against counting by hand around the 16-bit wrap.
    var mismatches = 0
    for old in [UInt16(0), 1, 65530, 65535] {
        for span in 0..<9 {
            let new = old &+ UInt16(span)
            for d in -3..<12 {
                let event = old &+ UInt16(truncatingIfNeeded: d)
                var crossed = false
                var i = old
                while i != new { if i == event { crossed = true }; i &+= 1 }
                if Virtqueue<Int>.eventCrossed(event: event, new: new, old: old) != crossed { mismatches += 1 }
            }
        }
    }
    checkEqual(mismatches, 0, "eventCrossed")
}

func misbehaviour() {
    let rig = Rig(size: 8)
    check(rig.queue.submit([], context: 0) == nil, "empty chain refused")
    check(rig.queue.submit([Segment(physical: 1, length: 1, deviceWrites: true),
                            Segment(physical: 2, length: 1, deviceWrites: false)], context: 0) == nil,
          "readable after writable refused")
    check(rig.queue.submit([Segment(physical: 1, length: 0xFFFF_FFFF, deviceWrites: false),
                            Segment(physical: 2, length: 2, deviceWrites: true)], context: 0) == nil,
          "over 4 GiB refused")
    checkEqual(rig.queue.freeDescriptors, 8, "refused chains take no descriptors")
    _ = rig.queue.submit(segs(1, 1), context: 5)
    let free = rig.queue.freeDescriptors
    fake_put_raw(&rig.fake, 7, 0)                       // a chain never submitted
    rig.queue.takeUsed { _, _ in check(false, "a bogus entry must not reach the driver") }
    check(rig.queue.broken != nil, "a bogus used entry marks the queue broken")
    checkEqual(rig.queue.freeDescriptors, free, "a refused completion recycles nothing")
    checkEqual(rig.queue.inFlight, 1, "and the chain in flight stays in flight")
    check(rig.queue.submit(segs(1, 0), context: 0) == nil, "a broken queue takes nothing")

    // A chain returned twice: the second entry names a chain no longer in flight.
    let twice = Rig(size: 8)
    _ = twice.queue.submit(segs(1, 1), context: 1)
    let h = takeAll(twice)
    _ = fake_put(&twice.fake, h[0], 1)
    fake_put_raw(&twice.fake, UInt32(h[0]), 1)
    var got = 0
    twice.queue.takeUsed { _, _ in got += 1 }
    checkEqual(got, 1, "a chain completes once")
    check(twice.queue.broken != nil, "the repeat is refused")
}

/// A device that claims to have written more than the chain's writable
/// buffers: the length is cut to what the chain holds, and counted.
func lyingLengths() {
    let rig = Rig(size: 8)
    // 1 readable segment of 16 bytes, 2 writable of 17 and 18.
    _ = rig.queue.submit(segs(1, 2), context: 0)
    _ = rig.queue.submit(segs(1, 0), context: 1)        // nothing writable
    let heads = takeAll(rig)
    _ = fake_put(&rig.fake, heads[0], 0xFFFF_FFF0)
    _ = fake_put(&rig.fake, heads[1], 1)
    var lengths: [UInt32] = []
    rig.queue.takeUsed { u, _ in lengths.append(u.written) }
    check(lengths == [35, 0], "used lengths bounded by the writable bytes: \(lengths)")
    checkEqual(rig.queue.stats.overlongLengths, 2, "both lies counted")
    _ = rig.queue.submit(segs(0, 1), context: 2)
    let h = takeAll(rig)
    _ = fake_put(&rig.fake, h[0], 16)
    rig.queue.takeUsed { u, _ in lengths.append(u.written) }
    checkEqual(lengths.last ?? 0, 16, "an honest length is kept")
    checkEqual(rig.queue.stats.overlongLengths, 2, "and not counted")
}

/// serviceInterrupt against chains that finish at awkward moments: before
/// the acknowledgement, between it and the re-arm, on two queues.
func interruptHelper() {
    let a = Rig(size: 8, features: [.eventIndex]), b = Rig(size: 8)
    var done: [Int] = []
    a.queue.onUsed = { _, ctx in done.append(ctx) }
    b.queue.onUsed = { _, ctx in done.append(ctx) }
    for i in 0..<3 { _ = a.queue.submit(segs(0, 1), context: i) }
    _ = b.queue.submit(segs(0, 1), context: 10)
    let ha = takeAll(a), hb = takeAll(b)
    _ = fake_put(&a.fake, ha[0], 0)                     // before the interrupt is serviced
    var acks = 0
    let n = serviceInterrupt([a.queue, b.queue]) {
        acks += 1
        // Finished after the drain, before the re-arm: no interrupt of its
        // own is owed (used_event has not moved), so only the re-check
        // finds them.
        _ = fake_put(&a.fake, ha[1], 0)
        _ = fake_put(&b.fake, hb[0], 0)
    }
    checkEqual(acks, 1, "acknowledged once")
    checkEqual(n, 3, "the re-check took the chains that finished during the acknowledgement")
    check(done == [0, 1, 10], "each to its queue's handler: \(done)")
    checkEqual(fake_used_event(&a.fake), 2, "re-armed at the next entry")
    check(fake_put(&a.fake, ha[2], 0) == 1, "the next chain interrupts")
    checkEqual(serviceInterrupt([a.queue, b.queue]), 1, "and is taken by the next interrupt (no acknowledge: the receive was it)")
    checkEqual(a.queue.inFlight + b.queue.inFlight, 0, "nothing left in flight")
}

func ringTests() {
    basicChain()
    builtChains()
    fullRingAndOrder()
    wrapAround()
    indirect()
    notifications()
    misbehaviour()
    lyingLengths()
    interruptHelper()
}
