// Interrupts.swift - a device's interrupt messages, handled as events.

import Mach
import CVirtio

/// What one interrupt message brought: the ISR bits the kernel gathered
/// since the last one (VIRTIO_ISR_QUEUE, VIRTIO_ISR_CONFIG) and how many
/// finished chains the SDK took (and handed to the queues' `onUsed`).
public struct VirtioInterrupt {
    public let isr: UInt32
    public let chains: Int

    /// The device's configuration changed (4.1.4.5: reread what matters).
    public var configChanged: Bool { isr & UInt32(VIRTIO_ISR_CONFIG) != 0 }
}

extension VirtioDevice {
    /// A new port for this device's interrupt messages (sm_virtio_irq_msg_t,
    /// which only the kernel sends there), made a member of `set` and
    /// registered with the kernel.  The receive loop serving `set` hands
    /// each message straight to the SDK (MessageEvents: no MIG demux, no
    /// reply), which services every queue made with `makeQueue`
    /// (serviceInterrupt: drain, acknowledge, re-arm, re-check; each chain
    /// goes to its queue's `onUsed`) and then calls `afterwards`, where a
    /// driver starts waiting work or rereads its configuration.
    public func listenForInterrupts(in set: PortName,
                                    afterwards: @escaping (VirtioInterrupt) -> Void = { _ in }) throws(MachError) {
        guard let right = ReceiveRight.allocate() else { throw MachError(KERN_RESOURCE_SHORTAGE) }
        try MachError.check(right.join(set))
        try MachError.check(virtio_irq_register(port.raw, right.name.raw))
        interruptPort = right.keep()
        MessageEvents.listen(on: interruptPort) { [self] message in
            guard let isr = VirtioDevice.isr(of: message) else {
                malformedInterrupts += 1
                if malformedInterrupts <= 8 {
                    print("virtio \(label): message \(message.pointee.msgh_id) of \(message.pointee.msgh_size) " +
                          "bytes on the interrupt port ignored")
                }
                return
            }
            interrupts += 1
            let chains = serviceInterrupt(queues) { self.acknowledgeInterrupt() }
            afterwards(VirtioInterrupt(isr: isr, chains: chains))
        }
    }

    /// The ISR bits of a well-formed interrupt message, else nil.
    static func isr(of message: UnsafeMutablePointer<mach_msg_header_t>) -> UInt32? {
        guard message.pointee.msgh_id == mach_msg_id_t(SM_VIRTIO_IRQ_MSG_ID),
              message.pointee.msgh_size == mach_msg_size_t(MemoryLayout<sm_virtio_irq_msg_t>.size) else {
            return nil
        }
        return UnsafeRawPointer(message).load(as: sm_virtio_irq_msg_t.self).isr
    }

    /// The kernel may send the next interrupt message: the sm_virtio_irq_ack
    /// trap (about 1.4 us; the virtio_irq_ack RPC does the same in 4-5 us).
    /// serviceInterrupt calls it at the right moment; a driver need not.
    public func acknowledgeInterrupt() {
        acks += 1
        _ = sm_virtio_irq_ack(port.raw)
    }
}
