// Interrupts.swift - interrupt messages from the kernel, in the receive loop.

import Mach
import CVirtio

/// Interrupt messages (sm_virtio_irq_msg_t, id 7300) served by a
/// ReceiveLoop: each device's interrupt port is a member of the server's
/// port set, and `VirtioInterrupts.interface` is one of the loop's
/// interfaces beside `device_server`.  A message calls the handler
/// registered for the port it arrived on with the ISR bits
/// (VIRTIO_ISR_QUEUE, VIRTIO_ISR_CONFIG) gathered since the last one.  The
/// kernel sends no further message for that device until the driver calls
/// `VirtioDevice.acknowledgeInterrupt` (the sm_virtio_irq_ack trap), so a handler takes
/// every finished chain of every queue, acknowledges, and looks once more
/// (`Virtqueue.rearm`), in that order, so that nothing that finished
/// in between is left waiting.
public enum VirtioInterrupts {
    nonisolated(unsafe) static var handlers: [(port: PortName, handler: (UInt32) -> Void)] = []
    nonisolated(unsafe) public static var malformed = 0
    nonisolated(unsafe) public static var messages = 0

    /// Calls `handler` for interrupt messages arriving on `port`.
    public static func register(port: PortName, _ handler: @escaping (UInt32) -> Void) {
        handlers.append((port, handler))
    }

    /// The demux for ReceiveLoop; interrupt messages get no reply.
    public static var interface: MIGInterface {
        MIGInterface(demux: interruptDemux, maxReplySize: MemoryLayout<mig_reply_header_t>.size)
    }
}

let irqMessageID = mach_msg_id_t(SM_VIRTIO_IRQ_MSG_ID)

/// Written as a MIG demux: false for other ids; otherwise the handler runs
/// and the "reply" says MIG_DESTROY_REQUEST: nothing is sent, and the
/// kernel's message carries no rights, but one forged by a client (any
/// message with this id on a port it can send to; no handler is found for
/// it) may carry a reply right, which must not stay in this task.
func interruptDemux(_ inP: UnsafeMutablePointer<mach_msg_header_t>?,
                    _ outP: UnsafeMutablePointer<mach_msg_header_t>?) -> boolean_t {
    guard let inP, let outP, inP.pointee.msgh_id == irqMessageID else { return 0 }
    let local = PortName(inP.pointee.msgh_local_port)
    let code = MIG_DESTROY_REQUEST
    if inP.pointee.msgh_size == mach_msg_size_t(MemoryLayout<sm_virtio_irq_msg_t>.size) {
        let isr = UnsafeRawPointer(inP).load(as: sm_virtio_irq_msg_t.self).isr
        VirtioInterrupts.messages += 1
        var found = false
        for h in VirtioInterrupts.handlers where h.port == local {
            h.handler(isr)
            found = true
            break
        }
        if !found { VirtioInterrupts.malformed += 1 }
    } else {
        VirtioInterrupts.malformed += 1
    }
    UnsafeMutableRawPointer(outP).withMemoryRebound(to: mig_reply_header_t.self, capacity: 1) { out in
        out.pointee.Head.msgh_bits = 0
        out.pointee.Head.msgh_size = mach_msg_size_t(MemoryLayout<mig_reply_header_t>.size)
        out.pointee.Head.msgh_remote_port = 0
        out.pointee.Head.msgh_local_port = 0
        out.pointee.Head.msgh_id = irqMessageID &+ 100
        out.pointee.RetCode = code
    }
    return 1
}
