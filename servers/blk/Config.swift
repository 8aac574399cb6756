// Config.swift - the server's settings, from the boot module command line.

import Virtio

/// What the module line can set (GRUB: `module /boot/blk blk device=virtio-blk
/// inflight=16`); every setting applies to every disk.
///
/// | argument        | default | meaning |
/// |-----------------|---------|---------|
/// | `device=...`    |         | read by the kernel: which virtio devices this task gets (names 3, 4, ...) |
/// | `inflight=N`    | 32      | virtio requests (chains) in the device at once, 1-256 |
/// | `queue=N`       | 0       | queue size to ask for (0: 256, or the device's maximum) |
/// | `zerocopy=0/1`  | 1       | default read path (BLK_MODE_COPY/_ZEROCOPY choose per request); also large writes read in place |
/// | `pool=N`        | 64      | DMA buffers (4 KiB) allocated at start |
/// | `poolmax=N`     | 512     | most DMA buffers the pool grows to (2 MiB) |
/// | `chain=N`       | 128     | most KiB of data in one chain (larger requests are split) |
/// | `zcchunk=N`     | 64      | pages the read-page reserve takes from the kernel at once (1: each read's own, none kept) |
/// | `indirect=0/1`  | 1       | use VIRTIO_F_INDIRECT_DESC when offered |
/// | `eventidx=0/1`  | 1       | use VIRTIO_F_EVENT_IDX when offered |
/// | `verbose=0/1`   | 0       | log every request |
struct ServerConfig {
    var inflight = 32
    var queueSize = 0
    var zeroCopy = true
    var poolInitial = 64
    var poolMax = 512
    var chainBytes = 128 * 1024
    var reserveChunkPages = 64
    var indirect = true
    var eventIndex = true
    var verbose = false

    static let known = ["device", "inflight", "queue", "zerocopy", "pool", "poolmax", "chain",
                        "zcchunk", "indirect", "eventidx", "verbose"]

    init() {}

    init(_ args: BootArguments) {
        inflight = args.integer("inflight", default: inflight, range: 1...256)
        queueSize = args.queueSize(server: "blk")
        zeroCopy = args.flag("zerocopy", default: zeroCopy)
        poolInitial = args.integer("pool", default: poolInitial, range: 0...1024)
        poolMax = args.integer("poolmax", default: poolMax, range: 1...1024)
        chainBytes = args.integer("chain", default: chainBytes / 1024, range: 4...1024) * 1024
        reserveChunkPages = args.integer("zcchunk", default: reserveChunkPages, range: 1...256)
        indirect = args.flag("indirect", default: indirect)
        eventIndex = args.flag("eventidx", default: eventIndex)
        verbose = args.flag("verbose", default: verbose)
        poolInitial = min(poolInitial, poolMax)
        args.warnUnknownKeys(server: "blk", known: ServerConfig.known)
    }

    var summary: String {
        "inflight=\(inflight) queue=\(queueSize == 0 ? "auto" : "\(queueSize)") " +
            "zerocopy=\(zeroCopy ? 1 : 0) pool=\(poolInitial)..\(poolMax) chain=\(chainBytes / 1024)K " +
            "zcchunk=\(reserveChunkPages) " +
            "indirect=\(indirect ? 1 : 0) eventidx=\(eventIndex ? 1 : 0)"
    }
}
