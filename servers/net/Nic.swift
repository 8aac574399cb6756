// Nic.swift - one virtio-net device: bring-up, what was negotiated, its
// configuration (MAC, link status, MTU).  The rings (Rings.swift), the
// control queue (Control.swift) and the device.defs routines
// (Routines.swift) are extensions of the same class; the network-device
// protocol is the SDK's NetInterface, the opens the SDK's DeviceHost.

import Mach
import Virtio
import CNet

final class Nic: ServedDevice {
    let device: VirtioDevice
    let config: ServerConfig
    let interface: NetInterface
    var name: String { interface.name }

    /// The receive and transmit rings, each with its own DMA buffers (one
    /// descriptor per frame, BufferRing); the control queue's chains carry
    /// nothing.
    var rxQueue: BufferRing!
    var txQueue: BufferRing!
    var controlQueue: Virtqueue<Void>?
    /// The control command block (class, command, data, ack).
    var controlBlock: DMARegion?
    /// The device has used the control command in flight.
    var controlAnswered = false
    /// Frames in TX buffers waiting for ring space (oldest first).
    var txBacklog: [(buffer: Int, bytes: Int)] = []
    /// TX notifications (Rings.swift, kickTransmitSoon): frames made
    /// available since the last decision, whether one waits for the loop
    /// to be idle, writes so far, whether they arrive back to back, and
    /// writes since the last look at that.
    var txUnkicked = 0
    var txKickQueued = false
    var txWrites = 0
    var txBackToBack = false
    var txSinceProbe = 0
    var txWritesAtKickRequest = 0
    /// The idle-time notification, one closure for the server's life.
    var idleKick: () -> Void = {}
    static let transmitKickBatch = 32, transmitProbeEvery = 16

    /// virtio_net_hdr bytes before every frame (12 modern, 10 legacy).
    var headerBytes = NetHeader.modernBytes
    /// Bytes of one buffer: header plus the largest frame.
    var bufferBytes = 2048
    var rxBuffers = 256
    var hw = HardwareCounters()

    /// Brings the device up (3.1.1) with its interrupt port in `set`.
    init(name: String, device: VirtioDevice, config: ServerConfig, set: PortName) throws(MachError) {
        self.device = device
        self.config = config
        interface = NetInterface(name: name, mac: [0, 0, 0, 0, 0, 0], mtu: 1500)
        try bringUp(set: set)
    }

    /// An open's port queues 16 requests, not Mach's default 5, as the
    /// block server's do: a client with many writes in flight
    /// (device_write_request) blocks in its send whenever five wait, and
    /// the server then takes its frames a few at a time (measured:
    /// docs/benchmarks.md, "An open's queue limit on the network path").
    var openQueueLimit: Int { 16 }

    func has(_ bit: Int) -> Bool { device.accepted.has(bit: bit) }

    /// 3.1.1 from reset to DRIVER_OK.  Refused on purpose (5.1.3): the
    /// checksum and segmentation offloads and MRG_RXBUF, whose metadata
    /// (checksum state, GSO sizes, buffer counts) net_rcv_msg and
    /// device_write cannot carry; MQ (one pair serves); VLAN filtering and
    /// announcements.  INDIRECT_DESC is not asked for either: every chain
    /// here is one descriptor (RX buffers, TX header + frame in one
    /// buffer) or two (control commands), so a table would only add work.
    func bringUp(set: PortName) throws(MachError) {
        try device.claim()
        var wanted = VirtioFeatures(bits: [NetFeature.mac, NetFeature.status, NetFeature.mtu])
        if config.control { wanted.insert(VirtioFeatures(bits: [NetFeature.controlQueue, NetFeature.controlRx])) }
        wanted.insert(.version1)
        if config.eventIndex { wanted.insert(.eventIndex) }
        try device.negotiate(wanted, deviceNames: NetFeature.names, logPrefix: "net: \(name)")
        headerBytes = device.isModern ? NetHeader.modernBytes : NetHeader.legacyBytes
        try readConfiguration()
        // 5.1.6.3.1: without MRG_RXBUF or GUEST_TSO/UFO, buffers of at least
        // 1526 bytes; with MTU (5.1.4.2) room for an MTU-sized packet.
        let need = headerBytes + NetInterface.ethernetHeader + max(interface.mtu, 1500)
        bufferBytes = need <= 2048 ? 2048 : (need + pageSize - 1) & ~(pageSize - 1)
        // DMA memory is bounded per task (4 MiB, at most 1 MiB a call):
        // each direction gets 1.5 MiB at most, so at most 256 receive
        // buffers and 256 + backlog transmit buffers whatever the ring
        // size, fewer when a large MTU makes buffers larger.
        let budget = 1536 * 1024 / bufferBytes
        let backlog = config.backlog
        let rx = try device.makeBufferRing(NetQueue.receive, size: UInt16(config.queueSize), deviceWrites: true,
                                           buffers: { min($0, 256, budget) }, bufferBytes: bufferBytes)
        let tx = try device.makeBufferRing(NetQueue.transmit, size: UInt16(config.queueSize), deviceWrites: false,
                                           buffers: { min(min($0, 256) + backlog, budget) }, bufferBytes: bufferBytes)
        rxQueue = rx
        txQueue = tx
        rxBuffers = rx.bufferCount
        rx.onUsed = { [self] buffer, written in received(buffer, written) }
        // Chains are taken back as frames are written; an interrupt is
        // asked for only when every buffer is in use (Rings.swift).
        tx.interruptsWanted = false
        if has(NetFeature.controlQueue) {
            let c: Virtqueue<Void> = try device.makeQueue(NetQueue.control, size: 0)
            c.onUsed = { [self] _, _ in controlAnswered = true }
            controlQueue = c
            controlBlock = device.allocateDMA(pageSize)
        }
        try device.listenForInterrupts(in: set) { [self] irq in afterInterrupt(irq) }
        // The filters' dead ports are reported on a port the loop serves.
        guard let notify = ReceiveRight.allocate() else { throw MachError(KERN_RESOURCE_SHORTAGE) }
        try MachError.check(notify.join(set))
        interface.deadNamePort = notify.keep()
        // 3.1.1 step 7 before step 8: the receive ring is filled first, so
        // the device has buffers the moment it goes live (5.1.5).
        refillReceive()
        try device.driverOK()
        _ = rxQueue.kickIfNeeded()
        interface.applyReceiveFlags = { [self] flags in self.setReceiveMode(flags) }
        idleKick = { [self] in kickOnceIdle() }
        print("net: \(name): \(device.label) \(device.isModern ? "modern" : "legacy"), MAC \(macText), " +
              "MTU \(interface.mtu), link \(interface.linkUp ? "up" : "down")\(has(NetFeature.status) ? "" : " (assumed)"), " +
              "queues \(rx.size)/\(tx.size)\(rx.eventIndex ? " event-idx" : "")" +
              "\(controlQueue != nil ? " ctrl" : ""), \(rxBuffers) receive buffers of \(bufferBytes) bytes")
    }

    /// 5.1.4: MAC, status and MTU as the accepted features make them valid.
    func readConfiguration() throws(MachError) {
        if has(NetFeature.mac) {
            var m: [UInt8] = []
            for i in 0..<6 { m.append(try device.config8(NetConfig.mac + i)) }
            interface.mac = m
        } else {
            // 5.1.5: without VIRTIO_NET_F_MAC the driver makes one up: a
            // locally administered unicast address (bit 1 set, bit 0 clear
            // in the first byte) that differs per device slot.
            let slot = UInt8(truncatingIfNeeded: device.info.dev)
            interface.mac = [0x02, 0x53, 0x4d, 0x00, UInt8(truncatingIfNeeded: device.info.bus), slot]
            print("net: \(name): the device offers no MAC; using \(macText)")
        }
        if has(NetFeature.status) {
            interface.linkUp = try device.config16(NetConfig.status) & NetConfig.statusLinkUp != 0
        }
        if has(NetFeature.mtu) {
            let m = Int(try device.config16(NetConfig.mtu))
            // A frame's payload reaches a client in one net_rcv_msg; and
            // 68 is IPv4's minimum.
            let most = Int(NET_RCV_MAX) - 4
            if m < 68 {
                print("net: \(name): device MTU \(m) is below 68; using 1500")
            } else {
                interface.mtu = min(m, most)
                if m > most { print("net: \(name): device MTU \(m) cut to \(most) (net_rcv_msg's limit)") }
            }
        }
    }

    /// 5.1.4.2: on a configuration change the link status may have moved.
    func configurationChanged() {
        guard has(NetFeature.status), let s = try? device.config16(NetConfig.status) else { return }
        interface.linkUp = s & NetConfig.statusLinkUp != 0
    }

    var macText: String {
        var out = ""
        for (i, b) in interface.mac.enumerated() {
            let h = Array(hex(UInt32(b)).utf8)[2...]
            out += (i == 0 ? "" : ":") + (h.count < 2 ? "0" : "") + String(decoding: h, as: UTF8.self)
        }
        return out
    }
}

/// What the rings count (the interface counts the protocol's side).
struct HardwareCounters {
    var interrupts: UInt32 = 0, rxRefills: UInt32 = 0, rxKicks: UInt32 = 0
    var txRingFull: UInt32 = 0, txBacklogHWM: UInt32 = 0
    var controlCommands: UInt32 = 0, controlFailures: UInt32 = 0
    /// The TX queue's own counts of notifications and of chains taken
    /// back at the last reset.
    var txKicksAtReset = 0, txReclaimedAtReset = 0
}
