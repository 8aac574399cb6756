// VirtioDevice.swift - one device lent to this task by the kernel's transport.

import Mach
import CVirtio

/// A virtio device reached through the kernel's transport
/// (include/sm/virtio.defs): the send right the boot configuration gave
/// (module argument device=..., names 3, 4, ...), and the bring-up of
/// virtio 1.2 section 3.1.1 in the order the kernel enforces:
///
///     let dev = VirtioDevice.granted()[0]
///     try dev.claim()                                // reset, ACKNOWLEDGE, DRIVER
///     try dev.negotiate(wanted, ...)                 // FEATURES_OK, logged
///     let capacity = try dev.config64(0)             // device configuration
///     let q: Virtqueue<Req> = try dev.makeQueue(0)   // rings in DMA memory
///     q.onUsed = { used, req in ... }                // each finished chain
///     try dev.listenForInterrupts(in: set)           // Interrupts.swift
///     try dev.driverOK()                             // live
///
/// then `q.submit(segments, context: req)` and `q.kickWhenIdle()` (the
/// notify trap); interrupt messages are serviced by the SDK.  Errors are
/// the kernel's codes (KERN_*, SM_VIRTIO_E_*) as MachError.
public final class VirtioDevice {
    public let port: PortName
    public let info: sm_virtio_info_t
    public private(set) var offered: VirtioFeatures
    public private(set) var accepted = VirtioFeatures.none
    public internal(set) var interruptPort = PortName.null
    /// Interrupt messages serviced, and messages on the interrupt port
    /// that were no interrupt message.
    public internal(set) var interrupts = 0, malformedInterrupts = 0
    /// The queues `makeQueue` made, which every interrupt services, and
    /// their indices (for a vector per queue, Interrupts.swift).
    var queues: [any CompletingQueue] = []
    var queueIndices: [UInt16] = []
    /// The ports of the per-queue MSI-X vectors, when those are used.
    public internal(set) var vectorPorts: [PortName] = []

    init(port: PortName, info: sm_virtio_info_t) {
        self.port = port
        self.info = info
        offered = VirtioFeatures(rawValue: UInt64(info.offered_hi) << 32 | UInt64(info.offered_lo))
    }

    /// The devices the boot configuration gave this task (names 3, 4, ...
    /// up to the first name that is not a virtio device), optionally only
    /// those of virtio type `type` (VIRTIO_ID_*).
    public static func granted(type: UInt32? = nil, limit: Int = 16) -> [VirtioDevice] {
        var out: [VirtioDevice] = []
        for i in 0..<limit {
            let name = PortName(mach_port_t(SM_VIRTIO_FIRST_DEVICE_NAME) + mach_port_t(i))
            // The kernel grants devices before the task runs, so they come
            // before any name the task makes itself (its task port, reply
            // ports): stop at the first of those without asking the kernel,
            // which would log a refusal for each.
            var rights = mach_port_type_t(0)
            guard name.raw != smrt_task_port(), name.raw != smrt_host_port(),
                  mach_port_type(smrt_task_port(), name.raw, &rights) == KERN_SUCCESS,
                  rights & (mach_port_type_t(1) << (16 + mach_port_type_t(MACH_PORT_RIGHT_SEND))) != 0 else { break }
            var info = sm_virtio_info_t()
            guard virtio_device_info(name.raw, &info) == KERN_SUCCESS else { break }
            if type == nil || info.virtio_type == type! {
                out.append(VirtioDevice(port: name, info: info))
            }
        }
        return out
    }

    public var virtioType: UInt32 { info.virtio_type }
    public var isModern: Bool { info.transport == UInt32(SM_VIRTIO_MODERN) }
    /// "00:03.0", for log lines.
    public var label: String { "\(hex2(info.bus)):\(hex2(info.dev)).\(info.fn)" }

    func hex2(_ v: natural_t) -> String {
        let h = hex(UInt32(v))                          // "0x3"
        let digits = Array(h.utf8)[2...]
        return (digits.count < 2 ? "0" : "") + String(decoding: digits, as: UTF8.self)
    }

    /// virtio_reset: claims the device for this task, resets it, sets
    /// ACKNOWLEDGE and DRIVER (3.1.1 steps 1-3).
    public func claim() throws(MachError) {
        try MachError.check(virtio_reset(port.raw))
        accepted = .none
    }

    /// Feature negotiation (3.1.1 steps 4-6): accepts `wanted` ∩ offered
    /// (the kernel adds VERSION_1 on a modern device, as 6.1 requires,
    /// and checks FEATURES_OK).  Logs what was offered and accepted,
    /// naming device bits with `deviceNames`.
    @discardableResult
    public func negotiate(_ wanted: VirtioFeatures, deviceNames: [(Int, StaticString)] = [],
                          logPrefix: String) throws(MachError) -> VirtioFeatures {
        var got: UInt64 = 0
        let kr = virtio_negotiate(port.raw, wanted.rawValue, &got)
        print("\(logPrefix): features offered: \(offered.describe(deviceNames: deviceNames))")
        try MachError.check(kr)
        accepted = VirtioFeatures(rawValue: got)
        print("\(logPrefix): features accepted: \(accepted.describe(deviceNames: deviceNames))")
        return accepted
    }

    /// Device configuration bytes [offset, offset + width) read as one
    /// little-endian value of 1, 2, 4 or 8 bytes (virtio_config_read, which
    /// retries until the configuration is stable, 2.5.1).
    public func config(_ offset: Int, width: Int) throws(MachError) -> UInt64 {
        var data = [CChar](repeating: 0, count: 256)
        var count = mach_msg_type_number_t(256)
        let kr = data.withUnsafeMutableBufferPointer {
            virtio_config_read(port.raw, natural_t(offset), natural_t(width), natural_t(width),
                               $0.baseAddress, &count)
        }
        try MachError.check(kr)
        var v: UInt64 = 0
        for i in (0..<min(width, Int(count))).reversed() { v = v << 8 | UInt64(UInt8(bitPattern: data[i])) }
        return v
    }

    public func config8(_ offset: Int) throws(MachError) -> UInt8 { UInt8(try config(offset, width: 1)) }
    public func config16(_ offset: Int) throws(MachError) -> UInt16 { UInt16(try config(offset, width: 2)) }
    public func config32(_ offset: Int) throws(MachError) -> UInt32 { UInt32(try config(offset, width: 4)) }
    public func config64(_ offset: Int) throws(MachError) -> UInt64 { try config(offset, width: 8) }

    /// One configuration write of `width` bytes (only after FEATURES_OK).
    public func writeConfig(_ offset: Int, width: Int, value: UInt32) throws(MachError) {
        try MachError.check(virtio_config_write(port.raw, natural_t(offset), natural_t(width), value))
    }

    /// Sets up queue `index` (virtio_queue_setup; size 0: 256, or the
    /// device's maximum if smaller) and wraps it; each chain carries a
    /// `Context`.  `maxIndirect`: segments per indirect table, used if
    /// VIRTIO_F_INDIRECT_DESC was accepted.  Interrupts service the queue.
    public func makeQueue<Context>(_ index: UInt16, size: UInt16 = 0,
                                   maxIndirect: Int = 0) throws(MachError) -> Virtqueue<Context> {
        let ring = try setUpRing(index, size: size)
        let devicePort = port.raw
        let q = Virtqueue<Context>(queueIndex: index, size: ring.size,
                         descriptors: ring.descriptors, available: ring.available, used: ring.used,
                         features: accepted, maxIndirect: maxIndirect,
                         allocate: { self.allocateDMA($0) },
                         notify: { _ = sm_virtio_notify(devicePort, UInt32(index)) })
        queues.append(q)
        queueIndices.append(index)
        return q
    }

    /// Sets up queue `index` as a BufferRing (BufferRing.swift: one
    /// descriptor per chain, over DMA buffers of `bufferBytes` the ring
    /// owns, as many as `buffers` says for the size the queue got);
    /// interrupts service it like makeQueue's queues.
    public func makeBufferRing(_ index: UInt16, size: UInt16 = 0, deviceWrites: Bool,
                               buffers: (_ ringSize: Int) -> Int, bufferBytes: Int) throws(MachError) -> BufferRing {
        let ring = try setUpRing(index, size: size)
        let devicePort = port.raw
        let r = BufferRing(queueIndex: index, size: ring.size,
                           descriptors: ring.descriptors, available: ring.available, used: ring.used,
                           features: accepted, deviceWrites: deviceWrites, buffers: buffers(Int(ring.size)),
                           bufferBytes: bufferBytes, allocate: { self.allocateDMA($0) },
                           notify: { _ = sm_virtio_notify(devicePort, UInt32(index)) })
        guard r.bufferCount > 0 else { throw MachError(KERN_RESOURCE_SHORTAGE) }
        queues.append(r)
        queueIndices.append(index)
        return r
    }

    /// Where the kernel put queue `index`'s three rings (virtio_queue_setup
    /// sizes them: `size`, or the device's maximum if 0 or smaller), for
    /// makeQueue and makeBufferRing alike.
    private func setUpRing(_ index: UInt16, size: UInt16) throws(MachError)
        -> (size: UInt16, descriptors: UnsafeMutableRawPointer,
            available: UnsafeMutableRawPointer, used: UnsafeMutableRawPointer) {
        var actual = natural_t(0)
        var desc = vm_address_t(0), avail = vm_address_t(0), used = vm_address_t(0)
        var descPhys: rpc_phys_addr_t = 0, availPhys: rpc_phys_addr_t = 0, usedPhys: rpc_phys_addr_t = 0
        try MachError.check(virtio_queue_setup(port.raw, natural_t(index), natural_t(size), &actual,
                                               &desc, &descPhys, &avail, &availPhys, &used, &usedPhys))
        return (UInt16(actual), UnsafeMutableRawPointer(bitPattern: UInt(desc))!,
                UnsafeMutableRawPointer(bitPattern: UInt(avail))!, UnsafeMutableRawPointer(bitPattern: UInt(used))!)
    }

    /// Physically contiguous memory in the kernel's DMA window
    /// (virtio_dma_alloc: at most 1 MiB per call, 4 MiB per task).
    public func allocateDMA(_ bytes: Int) -> DMARegion? {
        var va = vm_address_t(0)
        var pa: rpc_phys_addr_t = 0
        let kr = virtio_dma_alloc(port.raw, vm_size_t(bytes), &va, &pa)
        guard kr == KERN_SUCCESS, let p = UnsafeMutableRawPointer(bitPattern: UInt(va)) else {
            print("virtio \(label): virtio_dma_alloc(\(bytes)) refused: \(hex(kr))")
            return nil
        }
        return DMARegion(address: p, physical: pa, size: bytes)
    }

    /// The physical address of each page of `bytes` at `address` (page
    /// aligned, this task's own memory: e.g. data a client sent), appended
    /// to `pages`, for the device to READ in place: put them in
    /// device-readable descriptors only (virtio_lend_pages, at most 256
    /// pages a call).  No copy is made: the pages are lent to the device
    /// until this task deallocates them, which must wait until the device
    /// is done; meanwhile the client's writes to its own copy never reach
    /// them, and this task may not write them (the kernel refuses the
    /// fault).  False, and `pages` as it was, if refused (pages lent by
    /// the calls before stay lent until deallocated).
    public func lendPages(of address: UnsafeMutableRawPointer, bytes: Int, into pages: inout [UInt64]) -> Bool {
        let base = pages.count
        var done = 0
        while done < bytes {
            let n = min(bytes - done, Int(SM_VIRTIO_PAGES_MAX) * pageSize)
            var count = mach_msg_type_number_t(SM_VIRTIO_PAGES_MAX)
            let kr = withUnsafeTemporaryAllocation(of: natural_t.self, capacity: Int(SM_VIRTIO_PAGES_MAX)) { buf in
                let kr = virtio_lend_pages(port.raw, vm_address_t(UInt(bitPattern: address + done)), vm_size_t(n),
                                           buf.baseAddress, &count)
                if kr == KERN_SUCCESS {
                    for i in 0..<Int(count) { pages.append(UInt64(buf[i])) }
                }
                return kr
            }
            guard kr == KERN_SUCCESS else {
                print("virtio \(label): virtio_lend_pages(\(n) bytes) refused: \(hex(kr))")
                pages.removeSubrange(base...)
                return false
            }
            done += n
        }
        return true
    }

    /// DRIVER_OK (3.1.1 step 8): the device is live.
    public func driverOK() throws(MachError) {
        try MachError.check(virtio_driver_ok(port.raw))
    }

    /// The kernel's counters for this device (interrupts, notifications ...).
    public func kernelStats() -> sm_virtio_stats_t? {
        var st = sm_virtio_stats_t()
        return virtio_device_stats(port.raw, &st) == KERN_SUCCESS ? st : nil
    }
}
