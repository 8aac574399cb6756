// Rng.swift - the virtio-rng server (virtio 1.2, 5.4 Entropy Device):
// device_read on "rng0" returns that many bytes from the device.
//
// GRUB starts it as a module:  module /boot/rng rng device=virtio-rng
// Each client read waits in line; the device is asked for its bytes a
// page per chain (up to `slots` chains in flight, from several reads at
// once), and a read is answered when all its bytes have come.  A device
// may return fewer bytes than a buffer holds (5.4.6): the rest is asked
// again.  The SDK bounds each used length by the buffer's size, so a
// device that claims more cannot make this server copy more.
// Not here: the "random" name GNU Mach clients use, device_read_inband.

import Mach
import Virtio
import CVirtio

@_cdecl("main")
func rngMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    DeviceHost<Rng>.serveVirtio(type: UInt32(VIRTIO_ID_ENTROPY), logPrefix: "rng") { device, _, set throws(MachError) in
        try Rng(device, set: set)
    }
}

/// One client's device_read: its reply, the bytes so far, and how many of
/// the rest chains in flight ask the device for.
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

/// What a chain in flight is for: its read, its page of `buffers`, and
/// the bytes it asks for.
struct Chain {
    let read: Read
    let slot: Int
    let length: Int
}

final class Rng: ServedDevice {
    static let slots = 16, maxRead = 1 << 20, maxWaiting = 64
    let name = "rng0"
    let device: VirtioDevice
    let queue: Virtqueue<Chain>
    let buffers: DMARegion
    var freeSlots = Array(0..<Rng.slots)
    var waiting: [Read] = []            // reads that still need chains

    /// 3.1.1 bring-up: no device features, one queue (5.4.2 requestq).
    init(_ device: VirtioDevice, set: PortName) throws(MachError) {
        self.device = device
        try device.claim()
        try device.negotiate(.version1, logPrefix: "rng")
        queue = try device.makeQueue(0)
        guard let b = device.allocateDMA(Rng.slots * pageSize) else { throw MachError(KERN_RESOURCE_SHORTAGE) }
        buffers = b
        queue.onUsed = { [self] used, chain in received(Int(used.written), chain) }
        try device.listenForInterrupts(in: set) { [self] _ in pump() }
        try device.driverOK()
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

    /// A chain came back with `written` bytes (at most its length).
    func received(_ written: Int, _ c: Chain) {
        let r = c.read
        r.bytes.append(contentsOf: UnsafeRawBufferPointer(start: buffers.address + c.slot * pageSize, count: written))
        freeSlots.append(c.slot)
        if written < c.length {
            if r.asked == r.wanted { waiting.append(r) }
            r.asked -= c.length - written
        }
        if r.bytes.count == r.wanted, let reply = r.reply.take() {
            let mr = reply.sendReadReply(D_SUCCESS, copying: r.bytes)
            if mr != MACH_MSG_SUCCESS { print("rng: reply not delivered: \(hex(mr)) (the client is gone?)") }
        }
    }
}
