// NetDelivery.swift - frames to the clients whose filters accept them, as
// GNU Mach's net_rcv_msg (include/device/net_status.h): received frames to
// the NETF_IN filters, frames clients wrote to the NETF_OUT ones.
//
// The message is built once per frame and sent to each accepting filter's
// port with a zero send timeout (MACH_SEND_TIMEOUT, 0 ms): a client whose
// queue is full loses that frame, counted in rxQueueFull, and the server
// never waits for it.  A port that is gone (MACH_SEND_INVALID_DEST) takes
// its filter with it (normally the kernel's dead-name notification has
// removed it already, NetInterface.portDied).  Filters run highest priority first; one at
// NET_HI_PRI or above that accepts the frame keeps it from the filters
// below it.
//
// Layout under this project's ABI (docs/abi.md, docs/net.md):
//   0   header (24 bytes): COPY_SEND to the filter's port, id 2999
//   24  type word: 64 bytes of MACH_MSG_TYPE_BYTE, inline
//   28  the Ethernet header (14 bytes used of 64)
//   92  type word: 4 + payload bytes of MACH_MSG_TYPE_BYTE, inline
//   96  packet_header { length = 4 + payload, type = EtherType (network order) }
//   100 the payload; msgh_size rounds the end up to 4 bytes.

import CMach

final class NetDelivery {
    static let headerItem = 24, headerBytes = 28, packetItem = 92, packet = 96, payload = 100
    /// The largest message: a 64 KiB frame would not fit msgt_number's 12
    /// bits, so the payload is bounded by NET_RCV_MAX.
    static let capacity = payload + Int(NET_RCV_MAX) + 4
    let buffer: UnsafeMutableRawPointer

    init() {
        // Page aligned, so a message under 4 KiB lies in one page: the
        // kernel then reads it through a window (see MessageBuffer).
        buffer = UnsafeMutableRawPointer.allocate(byteCount: NetDelivery.capacity, alignment: 4096)
        buffer.initializeMemory(as: UInt8.self, repeating: 0, count: NetDelivery.capacity)
    }

    /// Short-form inline type word for `count` bytes.
    static func byteItem(_ count: Int) -> UInt32 {
        UInt32(MACH_MSG_TYPE_BYTE) | (8 << 8) | (UInt32(count) << 16) | (1 << 28)
    }

    /// Fills the message for `frame` (at least 14 bytes, payload at most
    /// NET_RCV_MAX - 4); returns its size.
    func build(_ frame: UnsafeRawBufferPointer) -> Int {
        let payloadBytes = frame.count - NetInterface.ethernetHeader
        let b = buffer
        b.storeBytes(of: NetDelivery.byteItem(Int(NET_HDW_HDR_MAX)), toByteOffset: NetDelivery.headerItem, as: UInt32.self)
        (b + NetDelivery.headerBytes).copyMemory(from: frame.baseAddress!, byteCount: NetInterface.ethernetHeader)
        b.storeBytes(of: NetDelivery.byteItem(4 + payloadBytes), toByteOffset: NetDelivery.packetItem, as: UInt32.self)
        b.storeBytes(of: UInt16(4 + payloadBytes), toByteOffset: NetDelivery.packet, as: UInt16.self)
        b.storeBytes(of: frame.loadUnaligned(fromByteOffset: 12, as: UInt16.self),
                     toByteOffset: NetDelivery.packet + 2, as: UInt16.self)
        if payloadBytes > 0 {
            (b + NetDelivery.payload).copyMemory(from: frame.baseAddress! + NetInterface.ethernetHeader,
                                                 byteCount: payloadBytes)
        }
        return (NetDelivery.payload + payloadBytes + 3) & ~3
    }

    /// Sends the built message to `port`; the header is rewritten each time
    /// (a failed send may have changed it).
    func send(to port: PortName, size: Int) -> mach_msg_return_t {
        let h = buffer.assumingMemoryBound(to: mach_msg_header_t.self)
        h.pointee.msgh_bits = mach_msg_bits_t(MACH_MSG_TYPE_COPY_SEND)
        h.pointee.msgh_size = mach_msg_size_t(size)
        h.pointee.msgh_remote_port = port.raw
        h.pointee.msgh_local_port = 0
        h.pointee.msgh_seqno = 0
        h.pointee.msgh_id = mach_msg_id_t(NET_RCV_MSG_ID)
        return mach_msg(h, MACH_SEND_MSG | MACH_SEND_TIMEOUT, mach_msg_size_t(size), 0, 0, 0, 0)
    }
}

extension NetInterface {
    /// One frame the device received (Ethernet header first, no FCS):
    /// offered to every NETF_IN filter, delivered to those that accept it.
    public func received(frame: UnsafeRawBufferPointer) {
        counters.rxFrames += 1
        counters.rxBytes &+= UInt32(frame.count)
        guard deliverable(frame) else {
            counters.rxBad += 1
            return
        }
        if deliver(frame, outgoing: false) == 0 { counters.rxNoFilter += 1 }
    }

    /// One frame a client wrote, as it wrote it: to the NETF_OUT filters
    /// (GNU Mach shows the frames its clients send to those).
    func written(frame: UnsafeRawBufferPointer) {
        guard outgoingFilters > 0, deliverable(frame) else { return }
        counters.txFiltered &+= UInt32(deliver(frame, outgoing: true))
    }

    /// A whole Ethernet header, and a payload one net_rcv_msg carries.
    func deliverable(_ frame: UnsafeRawBufferPointer) -> Bool {
        frame.count >= NetInterface.ethernetHeader &&
            frame.count - NetInterface.ethernetHeader <= Int(NET_RCV_MAX) - 4
    }

    /// Runs the filters of the frame's direction, highest priority first,
    /// and sends the frame to each that accepts it (a NET_HI_PRI one keeps
    /// it from those below); returns how many accepted it.
    func deliver(_ frame: UnsafeRawBufferPointer, outgoing: Bool) -> Int {
        let header = UnsafeRawBufferPointer(rebasing: frame[0..<NetInterface.ethernetHeader])
        let payload = UnsafeRawBufferPointer(rebasing: frame[NetInterface.ethernetHeader...])
        var size = 0
        var accepted = 0
        var stopBelow: Int32 = -1
        var i = 0
        while i < filters.count {
            let e = filters[i]
            if e.priority < stopBelow { break }
            guard e.filter.accepts(header: header, payload: payload, outgoing: outgoing) else {
                i += 1
                continue
            }
            accepted += 1
            if size == 0 { size = delivery.build(frame) }
            let mr = delivery.send(to: e.port, size: size)
            switch mr {
            case MACH_MSG_SUCCESS:
                if !outgoing { counters.rxDelivered += 1 }
            case MACH_SEND_TIMED_OUT:
                counters.rxQueueFull += 1
            case MACH_SEND_INVALID_DEST, MACH_SEND_INVALID_RIGHT:
                // The port died and its notification is still on its way.
                prune(i, "its port is gone (\(hex(mr)))")
                continue
            default:
                counters.rxQueueFull += 1
                if complaints.allow() { print("net: \(name): delivery to port \(e.port.raw) failed: \(hex(mr))") }
            }
            if e.priority >= Int32(NET_HI_PRI) { stopBelow = e.priority }
            i += 1
        }
        return accepted
    }
}
