// Routines.swift - what a NIC does for each device.defs routine (the
// SDK's ServedDevice; DeviceHost has found the open and refused closed or
// unknown ones).  device_read and the map and interrupt routines are not
// part of the network interface (frames arrive through filters): the
// defaults refuse them with D_INVALID_OPERATION.

import Mach
import Virtio
import CNet

extension Nic {
    func write(_ io: DeviceIO, on open: DeviceOpen<Nic>, data: io_buf_ptr_t?, count: mach_msg_type_number_t,
               written: inout Int32) -> kern_return_t {
        guard let bytes = Int(exactly: count), let data, bytes > 0 else {
            interface.counters.txOversize += 1
            return refuse("device_write", D_INVALID_SIZE, "frame of \(count) bytes")
        }
        let (code, w) = interface.write("device_write", UnsafeRawBufferPointer(start: data, count: bytes),
                                        reply: { io.pendingReply() }, transmit: { transmit($0) })
        // On D_SUCCESS or MIG_NO_REPLY the data is ours: the frame is in
        // DMA memory, copied aside or dropped already, so it goes now.
        if code == D_SUCCESS || code == MIG_NO_REPLY {
            _ = vm_deallocate(smrt_task_port(), vm_address_t(UInt(bitPattern: data)), vm_size_t(bytes))
        }
        written = w
        return code
    }

    func writeInband(_ io: DeviceIO, on open: DeviceOpen<Nic>, data: UnsafeBufferPointer<UInt8>,
                     written: inout Int32) -> kern_return_t {
        let (code, w) = interface.write("device_write_inband", UnsafeRawBufferPointer(data),
                                        reply: { io.pendingReply() }, transmit: { transmit($0) })
        written = w
        return code
    }

    func setFilter(on open: DeviceOpen<Nic>, receivePort: mach_port_t, priority: Int32,
                   filter: UnsafeBufferPointer<UInt16>) -> kern_return_t {
        interface.setFilter(port: PortName(receivePort), priority: priority, words: filter)
    }

    func getStatus(on open: DeviceOpen<Nic>, flavor: dev_flavor_t, into: UnsafeMutablePointer<Int32>,
                   count: inout Int) -> kern_return_t {
        if let code = interface.getStatus(flavor, into: into, count: &count) { return code }
        return getStatistics(flavor, into: into, count: &count)
    }

    func setStatus(on open: DeviceOpen<Nic>, flavor: dev_flavor_t, words: UnsafeBufferPointer<Int32>) -> kern_return_t {
        if let code = interface.setStatus(flavor, words) { return code }
        if flavor == dev_flavor_t(NET_SET_STATS_RESET) {
            resetStatistics()
            return D_SUCCESS
        }
        return refuse("device_set_status", D_INVALID_OPERATION, "flavor \(hex(flavor))")
    }

    /// Every refusal: counted and logged (rate limited) by the interface.
    func refuse(_ routine: StaticString, _ code: kern_return_t, _ why: String) -> kern_return_t {
        interface.refuse(routine, code, why)
    }
}
