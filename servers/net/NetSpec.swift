// NetSpec.swift - the virtio-net numbers this server uses (virtio 1.2,
// 5.1): feature bits, configuration layout, header and control commands.

/// 5.1.3 Feature bits (device bits only; the ring bits are the SDK's).
enum NetFeature {
    static let csum = 0, guestCsum = 1, mtu = 3, mac = 5, guestTSO4 = 7, hostTSO4 = 11
    static let mergeableRxBuffers = 15, status = 16, controlQueue = 17, controlRx = 18
    static let controlVLAN = 19, guestAnnounce = 21, multiQueue = 22, controlMACAddress = 23

    /// For the log line of what was offered and accepted.
    static let names: [(Int, StaticString)] = [
        (0, "CSUM"), (1, "GUEST_CSUM"), (2, "CTRL_GUEST_OFFLOADS"), (3, "MTU"), (5, "MAC"),
        (7, "GUEST_TSO4"), (8, "GUEST_TSO6"), (9, "GUEST_ECN"), (10, "GUEST_UFO"),
        (11, "HOST_TSO4"), (12, "HOST_TSO6"), (13, "HOST_ECN"), (14, "HOST_UFO"),
        (15, "MRG_RXBUF"), (16, "STATUS"), (17, "CTRL_VQ"), (18, "CTRL_RX"), (19, "CTRL_VLAN"),
        (21, "GUEST_ANNOUNCE"), (22, "MQ"), (23, "CTRL_MAC_ADDR"),
    ]
}

/// 5.1.4 Device configuration layout.
enum NetConfig {
    static let mac = 0, status = 6, maxQueuePairs = 8, mtu = 10
    static let statusLinkUp: UInt16 = 1
}

/// 5.1.2 Virtqueues (without VIRTIO_NET_F_MQ: one pair and the control queue).
enum NetQueue {
    static let receive: UInt16 = 0, transmit: UInt16 = 1, control: UInt16 = 2
}

/// 5.1.6 struct virtio_net_hdr: 12 bytes with VERSION_1 (num_buffers is
/// always there), 10 on a legacy device without MRG_RXBUF (5.1.6.1).
enum NetHeader {
    static let modernBytes = 12, legacyBytes = 10
}

/// 5.1.6.5 Control virtqueue: class, command, data, then the ack byte the
/// device writes.
enum NetControl {
    static let classRx: UInt8 = 0
    static let rxPromisc: UInt8 = 0, rxAllMulti: UInt8 = 1
    static let ok: UInt8 = 0
}
