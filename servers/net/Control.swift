// Control.swift - the control virtqueue (5.1.6.5): promiscuous and
// all-multicast receive modes (VIRTIO_NET_CTRL_RX) for NET_FLAGS.
//
// Commands are rare and their answer is needed before device_set_status
// replies, so one runs at a time and is waited for: made available,
// notified, and the used ring polled (QEMU answers while handling the
// notification; the wait is bounded so a device that never answers costs
// a D_IO_ERROR, not the server).

import Mach
import Virtio
import CNet

extension Nic {
    /// NetInterface.applyReceiveFlags: IFF_PROMISC and IFF_ALLMULTI, each
    /// one VIRTIO_NET_CTRL_RX command.
    func setReceiveMode(_ flags: Int32) -> kern_return_t {
        // 5.1.6.5.1: the driver MUST NOT send RX commands without CTRL_RX
        // (without it the device receives per its own defaults).
        guard controlQueue != nil, has(NetFeature.controlRx) else { return D_INVALID_OPERATION }
        let promisc: UInt8 = flags & Int32(NET_IFF_PROMISC) != 0 ? 1 : 0
        let allMulti: UInt8 = flags & Int32(NET_IFF_ALLMULTI) != 0 ? 1 : 0
        var code = control(NetControl.classRx, NetControl.rxPromisc, promisc)
        if code == D_SUCCESS { code = control(NetControl.classRx, NetControl.rxAllMulti, allMulti) }
        return code
    }

    /// One command with a one-byte argument; D_IO_ERROR if the device
    /// refuses it or does not answer within about a second.
    func control(_ cls: UInt8, _ command: UInt8, _ value: UInt8) -> kern_return_t {
        guard let q = controlQueue, let block = controlBlock else { return D_INVALID_OPERATION }
        hw.controlCommands += 1
        let b = block.address
        b.storeBytes(of: cls, as: UInt8.self)
        b.storeBytes(of: command, toByteOffset: 1, as: UInt8.self)
        b.storeBytes(of: value, toByteOffset: 2, as: UInt8.self)
        b.storeBytes(of: 0xff, toByteOffset: 16, as: UInt8.self)     // the device must overwrite it
        // 5.1.6.5: the command (device-readable), then the ack (device-writable).
        controlAnswered = false
        guard q.submit([Segment(physical: block.physical, length: 3, deviceWrites: false),
                        Segment(physical: block.physical + 16, length: 1, deviceWrites: true)], context: ()) != nil else {
            hw.controlFailures += 1
            return D_IO_ERROR
        }
        q.notify()
        for _ in 0..<1000 {
            q.drainUsed()                       // onUsed sets controlAnswered
            if controlAnswered { break }
            sleep(milliseconds: 1)
        }
        guard controlAnswered else {
            // The command block stays the device's: no further command
            // may reuse it, so the queue is given up.
            hw.controlFailures += 1
            print("net: \(name): control command \(cls)/\(command) not answered; control queue abandoned")
            controlQueue = nil
            return D_IO_ERROR
        }
        let ack = b.load(fromByteOffset: 16, as: UInt8.self)
        guard ack == NetControl.ok else {
            hw.controlFailures += 1
            print("net: \(name): control command \(cls)/\(command) refused by the device (ack \(ack))")
            return D_IO_ERROR
        }
        return D_SUCCESS
    }
}
