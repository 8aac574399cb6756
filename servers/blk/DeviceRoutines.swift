// DeviceRoutines.swift - what the disks do for each device.defs routine
// (and their device_request.defs forms, which arrive as the same
// messages): the closures `BlkServer.driver()` gives the SDK's
// DeviceServer, which exports the ds_* routines and converts their C
// arguments.
//
// Reads and writes that pass the checks become IORequests and return
// MIG_NO_REPLY: the reply (device_reply.defs' message, the same one a
// synchronous caller waits for) goes when the device has finished.  Checks
// that fail return their D_* code, which the stub sends at once.

import Mach
import Virtio
import CBlk

nonisolated(unsafe) var server: BlkServer!

extension BlkServer {
    /// The routines a disk offers; the others (device_map, _set_filter,
    /// _intr_*) answer D_INVALID_OPERATION with a log line.
    func driver() -> DeviceDriver {
        var d = DeviceDriver()
        d.open = { mode, name, port in self.open(mode: mode, name: name, port: &port) }
        d.close = { port in self.close(port) }
        d.read = { io, wanted, _, _ in self.read(io, wanted: wanted) }
        d.write = { io, data, count, _ in self.write(io, data, count) }
        d.readInband = { io, wanted, _, _ in self.inband("device_read_inband", io, write: false, Int(wanted)) }
        d.writeInband = { io, data, _ in self.inband("device_write_inband", io, write: true, data.count) }
        d.getStatus = { port, flavor, out, count in
            guard let o = self.lookup("device_get_status", port) else { return D_NO_SUCH_DEVICE }
            return o.disk.getStatus(flavor, into: out, count: &count)
        }
        d.setStatus = { port, flavor, words in
            guard let o = self.lookup("device_set_status", port) else { return D_NO_SUCH_DEVICE }
            return o.disk.setStatus(o, flavor, words.baseAddress, words.count)
        }
        d.unsupported = { port, routine in
            guard let o = self.lookup(routine, port) else { return D_NO_SUCH_DEVICE }
            return o.disk.refuse(routine, D_INVALID_OPERATION, "not offered by a disk")
        }
        return d
    }

    func read(_ io: DeviceIO, wanted: Int32) -> kern_return_t {
        guard let o = lookup("device_read", io.device) else { return D_NO_SUCH_DEVICE }
        let d = o.disk
        let (extent, code) = d.check("device_read", o, write: false, inband: false, recnum: io.record,
                                     wanted: Int(wanted))
        guard let extent else { return code }
        var zeroCopy = d.config.zeroCopy
        if io.mode & dev_mode_t(BLK_MODE_COPY) != 0 { zeroCopy = false }
        if io.mode & dev_mode_t(BLK_MODE_ZEROCOPY) != 0 { zeroCopy = true }
        // Pages for the reply: contiguous ones the device can fill; failing
        // that (fragmented memory), ordinary ones and the copying path.
        let pages = (extent.bytes + pageSize - 1) / pageSize
        var region = d.reserve.take(pages: pages)
        if region == nil {
            region = PageReserve.ordinaryPages(pages)
            zeroCopy = false
        }
        guard let region else {
            return d.refuse("device_read", D_NO_MEMORY, "no pages for \(extent.bytes) bytes")
        }
        let r = IORequest(kind: .read, reply: io.pendingReply(), sector: extent.sector, bytes: extent.bytes)
        r.region = region
        r.zeroCopy = zeroCopy
        d.accept(r)
        return MIG_NO_REPLY
    }

    func write(_ io: DeviceIO, _ data: io_buf_ptr_t?, _ count: mach_msg_type_number_t) -> kern_return_t {
        // On an error return the receive loop frees the out-of-line data.
        guard let o = lookup("device_write", io.device) else { return D_NO_SUCH_DEVICE }
        let d = o.disk
        // The count is the client's (unsigned, 32 bits): not every one is an Int here.
        guard let wanted = Int(exactly: count) else {
            return d.refuse("device_write", D_INVALID_SIZE, "\(count) bytes")
        }
        let (extent, code) = d.check("device_write", o, write: true, inband: false, recnum: io.record,
                                     wanted: wanted)
        guard let extent else { return code }
        guard let data else {
            return d.refuse("device_write", D_INVALID_SIZE, "no data")
        }
        let src = UnsafeMutableRawPointer(data)
        let r = IORequest(kind: .write, reply: io.pendingReply(), sector: extent.sector, bytes: extent.bytes)
        r.source = src                      // ours now: freed when the request ends
        r.sourceSize = wanted
        // Out-of-line data arrives in pages of its own: a large write is
        // read by the device in place, saving the copy into pool buffers
        // (a page costs about what the kernel call to find it costs).  If
        // the kernel refuses, sourcePages stays empty and the data is copied.
        if d.config.zeroCopy && extent.bytes >= Disk.directWriteMin && d.pageChainBytes >= pageSize &&
            UInt(bitPattern: src) % UInt(pageSize) == 0 {
            _ = d.device.physicalPages(of: src, bytes: extent.bytes, into: &r.sourcePages)
        }
        d.accept(r)
        return MIG_NO_REPLY
    }

    /// The inband forms follow the same rules as the others, whole records
    /// only; a record (512 bytes at least) never fits in IO_INBAND_MAX
    /// (128) bytes, so every inband read or write is refused, with the
    /// error the checks find first (a closed device, a read-only disk, a
    /// bad size).
    func inband(_ routine: StaticString, _ io: DeviceIO, write: Bool, _ wanted: Int) -> kern_return_t {
        guard let o = lookup(routine, io.device) else { return D_NO_SUCH_DEVICE }
        let (_, code) = o.disk.check(routine, o, write: write, inband: true, recnum: io.record, wanted: wanted)
        return code
    }
}
