// Rng.swift - the rng server: a virtio-rng device (virtio 1.2,
// 5.4 Entropy Device) served as "rng0" behind the device master port.
//
// GRUB starts it as a module:  module /boot/rng rng device=virtio-rng
// Each client's device_read waits in line; the device is asked for bytes
// a page per chain, up to `slots` chains from several reads at once, and a
// read is answered when all its bytes have come.  A device may write fewer
// bytes than a buffer holds: the rest is asked again.  The SDK bounds
// every used length by the chain's buffer, so a device that claims more
// cannot make this server copy more.  docs/sdk.md builds this file step
// by step from the skeleton tools/new-driver.sh makes.

import Mach
import Virtio
import CVirtio

@_cdecl("main")
func rngMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    DeviceHost<Rng>.serveVirtio(type: UInt32(VIRTIO_ID_ENTROPY), logPrefix: "rng") { device, index, set throws(MachError) in
        try Rng(device, index: index, set: set)
    }
}

/// What a chain in flight is for; the queue gives it back when the device
/// has used the chain: the read, the page of `buffers`, the bytes asked.
struct Chain {
    let read: Read
    let slot: Int
    let length: Int
}

/// One client's device_read: its reply, the bytes so far, and how many of
/// the rest the chains in flight ask for.
final class Read {
    var reply: PendingReply?
    let wanted: Int
    var bytes: [UInt8] = []
    var asked = 0

    init(_ reply: consuming PendingReply, wanted: Int) {
        self.reply = consume reply
        self.wanted = wanted
    }
}

final class Rng: ServedDevice {
    static let slots = 16, maxRead = 1 << 20, maxWaiting = 64
    let name: String
    let device: VirtioDevice
    let queue: Virtqueue<Chain>
    let buffers: DMARegion              // `slots` pages the device writes
    var freeSlots = Array(0..<Rng.slots)
    var waiting: [Read] = []            // reads that still need chains

    /// 3.1.1 bring-up: reset, features, the first queue, interrupts, live.
    init(_ device: VirtioDevice, index: Int, set: PortName) throws(MachError) {
        name = "rng\(index)"
        self.device = device
        try device.claim()
        try device.negotiate(.version1, logPrefix: "rng")
        queue = try device.makeQueue(0)
        guard let pages = device.allocateDMA(Rng.slots * pageSize) else { throw MachError(KERN_RESOURCE_SHORTAGE) }
        buffers = pages
        queue.onUsed = { [self] used, chain in finished(used, chain) }
        try device.listenForInterrupts(in: set) { [self] _ in pump() }
        try device.driverOK()
    }

    /// The device has used a chain (used.written: the bytes it wrote).
    func finished(_ used: UsedChain, _ chain: Chain) {
        let r = chain.read, written = Int(used.written)
        r.bytes.append(contentsOf: UnsafeRawBufferPointer(start: buffers.address + chain.slot * pageSize, count: written))
        freeSlots.append(chain.slot)
        if written < chain.length {
            if r.asked == r.wanted { waiting.append(r) }
            r.asked -= chain.length - written
        }
        if r.bytes.count == r.wanted, let reply = r.reply.take() {
            let mr = reply.sendReadReply(D_SUCCESS, copying: r.bytes)
            if mr != MACH_MSG_SUCCESS { print("rng: reply not delivered: \(hex(mr)) (the client is gone?)") }
        }
    }

    var openModes: dev_mode_t { dev_mode_t(D_READ | D_NODELAY | D_NOWAIT) }

    func read(_ io: DeviceIO, on open: DeviceOpen<Rng>, wanted: Int32, data: inout io_buf_ptr_t?,
              count: inout mach_msg_type_number_t) -> kern_return_t {
        guard wanted > 0 && Int(wanted) <= Rng.maxRead else {
            return refuse("device_read", D_INVALID_SIZE, "\(wanted) bytes (1 to \(Rng.maxRead))")
        }
        guard waiting.count < Rng.maxWaiting else { return refuse("device_read", D_NO_MEMORY, "too many reads wait") }
        waiting.append(Read(io.pendingReply(), wanted: Int(wanted)))
        pump()
        return MIG_NO_REPLY
    }

    /// Asks the device for what waiting reads lack, a page a chain.
    func pump() {
        while let r = waiting.first, let slot = freeSlots.last {
            let n = min(pageSize, r.wanted - r.asked)
            let page = Segment(physical: buffers.physical + UInt64(slot * pageSize), length: UInt32(n), deviceWrites: true)
            guard queue.submit([page], context: Chain(read: r, slot: slot, length: n)) != nil else { break }
            freeSlots.removeLast()
            r.asked += n
            if r.asked == r.wanted { waiting.removeFirst() }
        }
        queue.kickWhenIdle()
    }
}
