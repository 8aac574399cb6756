// Disk.swift - one virtio-blk device: bring-up, what was negotiated, and
// the resources its requests run on.  The request engine (Engine.swift,
// Completion.swift) and the client side (Opens.swift, Status.swift) are
// extensions of the same class.

import Mach
import Virtio
import CBlk

/// One disk ("vda", "vdb", ...): its virtio device and request queue, the
/// DMA memory its requests use (command blocks, the buffer pool, the pages
/// for zero-copy reads), its geometry and features, its requests waiting
/// and in flight, and its counters.
final class Disk: ServedDevice {
    let name: String
    let device: VirtioDevice
    let config: ServerConfig
    /// The request queue; a chain's context is its slot.
    var queue: Virtqueue<Int>!
    var pool: DMAPool!
    let reserve: PageReserve
    /// One command block (struct blk_command, cblk.h) per in-flight slot.
    var blocks: DMARegion!
    /// Command block slots not in use: the first `freeSlotCount` entries
    /// (the array keeps its length, config.inflight, so taking and giving
    /// back a slot is an index and a store).
    var freeSlots: [Int]
    var freeSlotCount: Int
    /// Per slot: the record of the chain the device holds in it (valid
    /// while the slot is in use; IORequest.swift), and the pool buffers of
    /// a chain on a copying path.
    let chains: UnsafeMutablePointer<ChainRecord>
    var slotBuffers: [[DMABuffer]]

    // What the device is (5.2.4), read after FEATURES_OK.
    var capacity: UInt64 = 0 {              // 512-byte sectors
        didSet { records = capacity * UInt64(Disk.sectorSize) / UInt64(recordSize) }
    }
    var recordSize = 512 {
        didSet {
            records = capacity * UInt64(Disk.sectorSize) / UInt64(recordSize)
            sectorsPerRecord = UInt64(recordSize / Disk.sectorSize)
        }
    }
    /// Whole records on the disk, and sectors per record: kept with
    /// capacity and recordSize, so a request's checks divide nothing.
    private(set) var records: UInt64 = 0
    private(set) var sectorsPerRecord: UInt64 = 1
    var readOnly = false
    var sizeMax = 0                         // 0: no limit
    var segMax = 0                          // 0: no limit
    var physicalBlockExp = 0, alignmentOffset = 0, minIOSize = 0, optIOSize = 0
    var writeback: UInt32 = 2               // 2: unknown
    var maxDiscardSectors: UInt32 = 0, maxDiscardSeg: UInt32 = 0
    var maxWriteZeroesSectors: UInt32 = 0, maxWriteZeroesSeg: UInt32 = 0
    // How requests are cut into chains.
    var dataSegments = 1                    // data descriptors per chain
    var poolChainBytes = 4096               // chains through the pool
    var directChainBytes = 4096             // chains into contiguous pages
    var pageChainBytes = 4096               // chains over a client's pages in place (0: never)

    // The engine's state.
    var waiting: [IORequest] = []
    /// Finished requests kept for the next ones (IORequest.swift): the
    /// first `spareCount` entries, each holding a reference of its own, at
    /// most config.inflight of them (a fixed block, so keeping and taking
    /// one is a store and a load, with no array checks).
    let spareRequests: UnsafeMutablePointer<Unmanaged<IORequest>>
    var spareCount = 0
    var writesInFlight = 0
    /// Scratch for building one chain (sized for the longest chain the
    /// queue takes when it is made, so building a chain allocates nothing,
    /// and submitted in place).
    var chain = ChainBuilder(capacity: 0)
    var stats = DiskStats()
    var opens = 0
    var complaints = LogLimiter(burst: 40, every: 200)

    init(name: String, device: VirtioDevice, config: ServerConfig) {
        self.name = name
        self.device = device
        self.config = config
        reserve = PageReserve.forDevice(device, chunkPages: config.reserveChunkPages)
        freeSlots = (0..<config.inflight).reversed().map { $0 }
        freeSlotCount = config.inflight
        chains = .allocate(capacity: config.inflight)
        slotBuffers = [[DMABuffer]](repeating: [], count: config.inflight)
        spareRequests = .allocate(capacity: config.inflight)
    }

    /// Writes of at least this many bytes are read by the device from the
    /// client's pages in place (when zerocopy is on); smaller ones are
    /// copied into pool buffers.
    static let directWriteMin = 2 * pageSize

    var features: VirtioFeatures { device.accepted }

    /// 3.1.1 from reset to DRIVER_OK, with the queue, memory and interrupt
    /// port in `set`.  Logs and throws the first failure.
    func bringUp(set: PortName) throws(MachError) {
        try device.claim()
        var wanted = VirtioFeatures(bits: Disk.implemented)
        wanted.insert(.version1)
        if config.indirect { wanted.insert(.indirectDescriptors) }
        if config.eventIndex { wanted.insert(.eventIndex) }
        try device.negotiate(wanted, deviceNames: Disk.featureNames, logPrefix: "blk: \(name)")
        try readConfiguration()
        let q: Virtqueue<Int> = try device.makeQueue(0, size: UInt16(config.queueSize), maxIndirect: 256)
        queue = q
        // The longest chain: a header, the data (at most maxSegments - 2),
        // the status; a range command is three.
        chain = ChainBuilder(capacity: max(q.maxSegments, 3))
        // Unretained: the queue, and so this closure, belongs to the disk,
        // which the server keeps for its whole life; no count per chain
        // (unowned(unsafe) still counted one around each call).
        let disk = Unmanaged.passUnretained(self)
        q.onUsed = { used, slot in disk._withUnsafeGuaranteedRef { $0.finishChain(used, slot: slot) } }
        planChains()
        guard let b = device.allocateDMA((config.inflight * BLK_COMMAND_SIZE + pageSize - 1) & ~(pageSize - 1)) else {
            throw MachError(KERN_RESOURCE_SHORTAGE)
        }
        blocks = b
        let dev = device
        pool = DMAPool(initial: config.poolInitial, growBy: 64, limit: config.poolMax,
                       allocate: { dev.allocateDMA($0) })
        try device.listenForInterrupts(in: set) { [self] irq in self.interrupted(irq) }
        try device.driverOK()
        print("blk: \(name): \(device.label) \(device.isModern ? "modern" : "legacy"), " +
              "\(capacity) sectors, \(recordSize)-byte records\(readOnly ? ", read-only" : ""), " +
              "queue \(q.size)\(q.indirect ? " indirect" : "")\(q.eventIndex ? " event-idx" : ""), " +
              "\(dataSegments) segments and \(poolChainBytes / 1024)/\(directChainBytes / 1024) KiB per chain, " +
              "pool \(pool.stats.total) buffers")
    }

    /// 5.2.5 Device Initialization: every field the accepted features make
    /// valid (after FEATURES_OK: 5.2.5.1 forbids reading writeback before).
    func readConfiguration() throws(MachError) {
        capacity = sane(capacity: try device.config64(Int(VIRTIO_BLK_CFG_CAPACITY)))
        readOnly = has(VIRTIO_BLK_F_RO)
        if has(VIRTIO_BLK_F_BLK_SIZE) {
            let bs = try device.config32(Int(VIRTIO_BLK_CFG_BLK_SIZE))
            if bs >= 512 && bs <= 4096 && bs & (bs - 1) == 0 {
                recordSize = Int(bs)
            } else {
                print("blk: \(name): blk_size \(bs) not supported (512..4096, a power of two); using 512")
            }
        }
        // The device's numbers are 32-bit unsigned; an Int here is 32-bit
        // signed, and no sane device sends one above 2^31 - 1: such a value
        // is taken as "no limit" (0) or, for the I/O hints, ignored.
        if has(VIRTIO_BLK_F_SIZE_MAX) { sizeMax = sane(try device.config32(Int(VIRTIO_BLK_CFG_SIZE_MAX)), "size_max") }
        if has(VIRTIO_BLK_F_SEG_MAX) { segMax = sane(try device.config32(Int(VIRTIO_BLK_CFG_SEG_MAX)), "seg_max") }
        if has(VIRTIO_BLK_F_TOPOLOGY) {
            physicalBlockExp = Int(try device.config8(Int(VIRTIO_BLK_CFG_PHYSICAL_BLOCK_EXP)))
            alignmentOffset = Int(try device.config8(Int(VIRTIO_BLK_CFG_ALIGNMENT_OFFSET)))
            minIOSize = Int(try device.config16(Int(VIRTIO_BLK_CFG_MIN_IO_SIZE)))
            optIOSize = sane(try device.config32(Int(VIRTIO_BLK_CFG_OPT_IO_SIZE)), "opt_io_size")
        }
        if has(VIRTIO_BLK_F_CONFIG_WCE) {
            writeback = UInt32(try device.config8(Int(VIRTIO_BLK_CFG_WRITEBACK)))
        } else {
            // 5.2.5.1: FLUSH without CONFIG_WCE: assume a writeback cache;
            // neither: the driver may deduce writethrough.
            writeback = has(VIRTIO_BLK_F_FLUSH) ? 1 : 0
        }
        if has(VIRTIO_BLK_F_DISCARD) {
            maxDiscardSectors = try device.config32(Int(VIRTIO_BLK_CFG_MAX_DISCARD_SECTORS))
            maxDiscardSeg = try device.config32(Int(VIRTIO_BLK_CFG_MAX_DISCARD_SEG))
        }
        if has(VIRTIO_BLK_F_WRITE_ZEROES) {
            maxWriteZeroesSectors = try device.config32(Int(VIRTIO_BLK_CFG_MAX_WRITE_ZEROES_SECTORS))
            maxWriteZeroesSeg = try device.config32(Int(VIRTIO_BLK_CFG_MAX_WRITE_ZEROES_SEG))
        }
        if has(VIRTIO_BLK_F_TOPOLOGY) || has(VIRTIO_BLK_F_SIZE_MAX) || has(VIRTIO_BLK_F_SEG_MAX) {
            print("blk: \(name): size_max \(sizeMax) seg_max \(segMax) physical_block_exp \(physicalBlockExp) " +
                  "alignment \(alignmentOffset) min_io \(minIOSize) opt_io \(optIOSize) writeback \(writeback)")
        }
    }

    /// A capacity the arithmetic can hold: in bytes it must fit a UInt64
    /// (records × record size, sector numbers in requests).  A device that
    /// claims more is believed only up to that.
    func sane(capacity c: UInt64) -> UInt64 {
        let most = UInt64.max / UInt64(Disk.sectorSize)
        guard c > most else { return c }
        print("blk: \(name): capacity \(c) sectors is more than bytes can count; using \(most)")
        return most
    }

    /// A 32-bit configuration field as an Int, or 0 if it does not fit.
    func sane(_ v: UInt32, _ field: StaticString) -> Int {
        if let i = Int(exactly: v), i <= Int(Int32.max) { return i }
        print("blk: \(name): \(field) \(v) is out of range; ignored")
        return 0
    }

    /// How many bytes one chain carries.  A chain is the header, data
    /// segments, the status byte: at most the queue's segments per chain
    /// (its indirect table, or the ring), seg_max data segments (5.2.6.1),
    /// each at most size_max bytes; through the pool every 4 KiB buffer is
    /// at least one segment.  Chains are whole records and at most the
    /// server's chain size.
    func planChains() {
        dataSegments = max(queue.maxSegments - 2, 1)
        if segMax > 0 { dataSegments = min(dataSegments, segMax) }
        let limit = config.chainBytes
        let segPool = sizeMax > 0 ? min(sizeMax, pageSize) : pageSize
        let perBuffer = (pageSize + segPool - 1) / segPool
        let pooled = dataSegments >= perBuffer ? dataSegments / perBuffer * pageSize : dataSegments * segPool
        let direct = dataSegments * (sizeMax > 0 ? min(sizeMax, limit) : limit)
        func whole(_ b: Int) -> Int { max(recordSize, min(b, limit) / recordSize * recordSize) }
        poolChainBytes = whole(min(pooled, config.poolMax * pageSize))
        directChainBytes = whole(direct)
        // Whole pages, so that no chain starts inside a page and needs a
        // segment more than its pages.
        pageChainBytes = whole(pooled) / pageSize * pageSize
        if pooled < recordSize || direct < recordSize {
            print("blk: \(name): seg_max \(segMax) and size_max \(sizeMax) leave less than a record per chain")
        }
    }

    /// Slots (chains) in flight or being built.
    var slotsInUse: Int { config.inflight - freeSlotCount }

    /// Where command block `slot` is.
    func block(_ slot: Int) -> DMARegion { blocks.advanced(by: slot * BLK_COMMAND_SIZE, size: BLK_COMMAND_SIZE) }

    /// Command block `slot` as its C struct.
    func command(_ slot: Int) -> UnsafeMutablePointer<blk_command> {
        block(slot).address.assumingMemoryBound(to: blk_command.self)
    }

    /// Logs why a request was refused (rate limited), counts it, returns `code`.
    func refuse(_ what: StaticString, _ code: kern_return_t, _ why: String) -> kern_return_t {
        stats.errors += 1
        return complain(what, code, why)
    }

    /// The log line of `refuse` alone, for requests whose error is counted
    /// when their reply goes (Completion.finishRequest).
    func complain(_ what: StaticString, _ code: kern_return_t, _ why: String) -> kern_return_t {
        if complaints.allow() { print("blk: \(name): \(what): \(why): \(deviceErrorName(code))") }
        return code
    }
}

/// The counters behind BLK_GET_STATS (struct blk_stats, include/sm/blk_stats.h).
struct DiskStats {
    var bytesRead: UInt64 = 0, bytesWritten: UInt64 = 0
    var bytesZeroCopy: UInt64 = 0, bytesCopied: UInt64 = 0
    var requests: UInt32 = 0, reads: UInt32 = 0, writes: UInt32 = 0
    var flushes: UInt32 = 0, flushesEmulated: UInt32 = 0, discards: UInt32 = 0
    var errors: UInt32 = 0, ioErrors: UInt32 = 0
    var chains: UInt32 = 0, splitRequests: UInt32 = 0
    var inflightHWM: UInt32 = 0, waitingChains: UInt32 = 0, waitingHWM: UInt32 = 0
    var interrupts: UInt32 = 0, maxBatch: UInt32 = 0
    var poolWaits: UInt32 = 0
    // Counters kept elsewhere (queue, pool, page reserve) as they were at
    // the last BLK_SET_STATS_RESET.
    var notifiesBase = 0, suppressedBase = 0, growsBase = 0, zcPagesBase = 0, zcChunksBase = 0
}
