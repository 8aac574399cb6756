// Routines.swift - what the NICs do for each device.defs routine: the
// closures `NetServer.driver()` gives the SDK's DeviceServer, and the
// opens (the SDK's OpenTable).  device_read and the map and interrupt
// routines are not part of the network interface (frames arrive through
// filters): D_INVALID_OPERATION.

import Mach
import Virtio
import CNet

nonisolated(unsafe) var server: NetServer!

final class NetServer {
    static let openModes = dev_mode_t(D_READ | D_WRITE | D_NODELAY | D_NOWAIT)
    static let maxOpens = 256
    var nics: [Nic] = []
    let opens: OpenTable<Nic>

    init(set: PortName) {
        opens = OpenTable(set: set, limit: NetServer.maxOpens, closedOpens: .untilNoSenders)
    }

    func nic(named name: UnsafePointer<CChar>) -> Nic? {
        for n in nics {
            let want = Array(n.name.utf8)
            var i = 0
            while i < want.count && UInt8(bitPattern: name[i]) == want[i] { i += 1 }
            if i == want.count && name[i] == 0 { return n }
        }
        return nil
    }

    func open(mode: dev_mode_t, name: UnsafePointer<CChar>, port: inout PortName) -> kern_return_t {
        guard let n = nic(named: name) else {
            print("net: device_open: no NIC of that name: D_NO_SUCH_DEVICE")
            return D_NO_SUCH_DEVICE
        }
        guard mode & ~NetServer.openModes == 0 else {
            return n.interface.refuse("device_open", D_INVALID_OPERATION, "mode \(hex(mode))")
        }
        do throws(OpenRefusal) {
            port = try opens.add(target: n, mode: mode)
        } catch {
            return n.interface.refuse("device_open", error.code, error.why)
        }
        return D_SUCCESS
    }

    /// The open a request came in on, unless it is closed or unknown.
    func lookup(_ routine: StaticString, _ port: mach_port_t) -> Nic? {
        guard let o = opens.lookup(PortName(port)) else {
            print("net: \(routine): port \(port) is no open NIC: D_NO_SUCH_DEVICE")
            return nil
        }
        guard !o.closed else {
            _ = o.target.interface.refuse(routine, D_NO_SUCH_DEVICE, "device is closed")
            return nil
        }
        return o.target
    }

    func forget(_ port: PortName) { _ = opens.forget(port) }

    func driver() -> DeviceDriver {
        var d = DeviceDriver()
        d.open = { mode, name, port in self.open(mode: mode, name: name, port: &port) }
        d.close = { port in
            guard let o = self.opens.lookup(PortName(port)), !o.closed else {
                _ = self.lookup("device_close", port)
                return D_NO_SUCH_DEVICE
            }
            self.opens.close(o)
            return D_SUCCESS
        }
        d.write = { io, data, count, written in
            guard let n = self.lookup("device_write", io.device) else { return D_NO_SUCH_DEVICE }
            guard let bytes = Int(exactly: count), let data, bytes > 0 else {
                n.interface.counters.txOversize += 1
                return n.interface.refuse("device_write", D_INVALID_SIZE, "frame of \(count) bytes")
            }
            let (code, w) = n.interface.write("device_write", UnsafeRawBufferPointer(start: data, count: bytes),
                                              reply: { io.pendingReply() })
            // On D_SUCCESS or MIG_NO_REPLY the data is ours: the frame is in
            // DMA memory, copied aside or dropped already, so it goes now.
            if code == D_SUCCESS || code == MIG_NO_REPLY {
                _ = vm_deallocate(smrt_task_port(), vm_address_t(UInt(bitPattern: data)), vm_size_t(bytes))
            }
            written = w
            return code
        }
        d.writeInband = { io, data, written in
            guard let n = self.lookup("device_write_inband", io.device) else { return D_NO_SUCH_DEVICE }
            let (code, w) = n.interface.write("device_write_inband", UnsafeRawBufferPointer(data),
                                              reply: { io.pendingReply() })
            written = w
            return code
        }
        d.setFilter = { port, receivePort, priority, words in
            guard let n = self.lookup("device_set_filter", port) else { return D_NO_SUCH_DEVICE }
            return n.interface.setFilter(port: PortName(receivePort), priority: priority, words: words)
        }
        d.getStatus = { port, flavor, out, count in
            guard let n = self.lookup("device_get_status", port) else { return D_NO_SUCH_DEVICE }
            if let code = n.interface.getStatus(flavor, into: out, count: &count) { return code }
            return n.getStatistics(flavor, into: out, count: &count)
        }
        d.setStatus = { port, flavor, words in
            guard let n = self.lookup("device_set_status", port) else { return D_NO_SUCH_DEVICE }
            if let code = n.interface.setStatus(flavor, words) { return code }
            if flavor == dev_flavor_t(NET_SET_STATS_RESET) {
                n.resetStatistics()
                return D_SUCCESS
            }
            return n.interface.refuse("device_set_status", D_INVALID_OPERATION, "flavor \(hex(flavor))")
        }
        d.unsupported = { port, routine in
            guard let n = self.lookup(routine, port) else { return D_NO_SUCH_DEVICE }
            return n.interface.refuse(routine, D_INVALID_OPERATION, "not offered by a NIC")
        }
        return d
    }
}
