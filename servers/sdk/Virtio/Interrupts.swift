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
    /// (serviceInterrupt: drain, re-arm, re-check; each chain goes to its
    /// queue's `onUsed`) and then calls `afterwards`, where a driver starts
    /// waiting work or rereads its configuration.  Receiving the message
    /// is its acknowledgement: the kernel may send the next one from then
    /// on (device_event, kernel/device/device_layer.h), so the service
    /// makes no kernel call of its own.
    ///
    /// When the kernel offers MSI-X vectors enough for every queue made so
    /// far plus configuration changes (info.msix_vectors), each queue gets
    /// a vector and a port of its own instead (virtio_vector_register): its
    /// messages service that queue alone, with no ISR read in the kernel,
    /// and `afterwards` gets VIRTIO_ISR_QUEUE or VIRTIO_ISR_CONFIG.
    public func listenForInterrupts(in set: PortName,
                                    afterwards: @escaping (VirtioInterrupt) -> Void = { _ in }) throws(MachError) {
        if !queues.isEmpty && Int(info.msix_vectors) >= queues.count + 1 {
            for (queue, index) in zip(queues, queueIndices) {
                try listenForVector(in: set, source: UInt32(index), queue: queue, afterwards: afterwards)
            }
            try listenForVector(in: set, source: UInt32(SM_VIRTIO_CONFIG_SOURCE), queue: nil, afterwards: afterwards)
            return
        }
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
            let chains = serviceInterrupt(queues)
            afterwards(VirtioInterrupt(isr: isr, chains: chains))
        }
    }

    /// One source's vector: its port joins `set`; each message services
    /// `queue` (nil: configuration changes); its receipt re-armed that
    /// source alone.
    func listenForVector(in set: PortName, source: UInt32, queue: (any CompletingQueue)?,
                         afterwards: @escaping (VirtioInterrupt) -> Void) throws(MachError) {
        guard let right = ReceiveRight.allocate() else { throw MachError(KERN_RESOURCE_SHORTAGE) }
        try MachError.check(right.join(set))
        try MachError.check(virtio_vector_register(port.raw, natural_t(source), right.name.raw))
        let name = right.keep()
        vectorPorts.append(name)
        if queue == nil { interruptPort = name }
        let serviced: [any CompletingQueue] = queue.map { [$0] } ?? []   // made once, not per interrupt
        MessageEvents.listen(on: name) { [self] message in
            guard VirtioDevice.source(of: message) == source else {
                malformedInterrupts += 1
                if malformedInterrupts <= 8 {
                    print("virtio \(label): message \(message.pointee.msgh_id) on the port of source \(source) ignored")
                }
                return
            }
            interrupts += 1
            guard queue != nil else {
                afterwards(VirtioInterrupt(isr: UInt32(VIRTIO_ISR_CONFIG), chains: 0))
                return
            }
            let chains = serviceInterrupt(serviced)
            afterwards(VirtioInterrupt(isr: UInt32(VIRTIO_ISR_QUEUE), chains: chains))
        }
    }

    /// The source of a well-formed per-vector message, else nil.
    static func source(of message: UnsafeMutablePointer<mach_msg_header_t>) -> UInt32? {
        guard message.pointee.msgh_id == mach_msg_id_t(SM_VIRTIO_VECTOR_MSG_ID),
              message.pointee.msgh_size == mach_msg_size_t(MemoryLayout<sm_virtio_vector_msg_t>.size) else {
            return nil
        }
        return UnsafeRawPointer(message).load(as: sm_virtio_vector_msg_t.self).source
    }

    /// The ISR bits of a well-formed interrupt message, else nil.
    static func isr(of message: UnsafeMutablePointer<mach_msg_header_t>) -> UInt32? {
        guard message.pointee.msgh_id == mach_msg_id_t(SM_VIRTIO_IRQ_MSG_ID),
              message.pointee.msgh_size == mach_msg_size_t(MemoryLayout<sm_virtio_irq_msg_t>.size) else {
            return nil
        }
        return UnsafeRawPointer(message).load(as: sm_virtio_irq_msg_t.self).isr
    }
}
