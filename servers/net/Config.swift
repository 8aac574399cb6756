// Config.swift - the server's settings, from the boot module command line.

import Virtio

/// What the module line can set (GRUB: `module /boot/net net device=virtio-net
/// queue=128`); every setting applies to every NIC.
///
/// | argument      | default | meaning |
/// |---------------|---------|---------|
/// | `device=...`  |         | read by the kernel: which virtio devices this task gets |
/// | `queue=N`     | 0       | queue size to ask for, a power of two (0: 256, or the device's maximum) |
/// | `backlog=N`   | 64      | frames that wait for TX ring space before writes are dropped |
/// | `eventidx=0/1`| 1       | use VIRTIO_F_EVENT_IDX when offered |
/// | `ctrl=0/1`    | 1       | use the control queue (CTRL_VQ, CTRL_RX) when offered |
/// | `verbose=0/1` | 0       | log every frame |
struct ServerConfig {
    var queueSize = 0
    var backlog = 64
    var eventIndex = true
    var control = true
    var verbose = false

    static let known = ["device", "queue", "backlog", "eventidx", "ctrl", "verbose"]

    init(_ args: BootArguments) {
        queueSize = args.queueSize(server: "net")
        backlog = args.integer("backlog", default: backlog, range: 0...1024)
        eventIndex = args.flag("eventidx", default: eventIndex)
        control = args.flag("ctrl", default: control)
        verbose = args.flag("verbose", default: verbose)
        args.warnUnknownKeys(server: "net", known: ServerConfig.known)
    }

    var summary: String {
        "queue=\(queueSize == 0 ? "auto" : "\(queueSize)") backlog=\(backlog) " +
            "eventidx=\(eventIndex ? 1 : 0) ctrl=\(control ? 1 : 0)"
    }
}
