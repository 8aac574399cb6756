// DeviceRoutines.swift - what a disk does for each device.defs routine
// (and their device_request.defs forms, which arrive as the same
// messages): Disk's ServedDevice methods, which the SDK's DeviceHost calls
// with the open a request came in on.  The routines a disk does not offer
// (device_map, _set_filter, _intr_*) are refused by the SDK's defaults.
//
// Reads and writes that pass the checks become IORequests and return
// MIG_NO_REPLY: the reply (device_reply.defs' message, the same one a
// synchronous caller waits for) goes when the device has finished.  Checks
// that fail return their D_* code, which the stub sends at once.

import Mach
import Virtio
import CBlk

extension Disk {
    func read(_ io: DeviceIO, on o: OpenDevice, wanted: Int32, data: inout io_buf_ptr_t?,
              count: inout mach_msg_type_number_t) -> kern_return_t {
        let d = self
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
        let r = d.newRequest(kind: .read, reply: io.pendingReply(), sector: extent.sector, bytes: extent.bytes)
        r.region = region
        r.zeroCopy = zeroCopy
        d.accept(r)
        return MIG_NO_REPLY
    }

    func write(_ io: DeviceIO, on o: OpenDevice, data: io_buf_ptr_t?, count: mach_msg_type_number_t,
               written: inout Int32) -> kern_return_t {
        // On an error return the receive loop frees the out-of-line data.
        let d = self
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
        let r = d.newRequest(kind: .write, reply: io.pendingReply(), sector: extent.sector, bytes: extent.bytes)
        r.source = src                      // ours now: freed when the request ends
        r.sourceSize = wanted
        // Out-of-line data arrives in pages of its own: a large write is
        // read by the device in place, saving the copy into pool buffers
        // (a page costs about what the kernel call to find it costs).  The
        // pages are lent to the device (no copy even of pages the client
        // still shares copy-on-write); Engine puts them in device-readable
        // descriptors only, and nothing here writes them before the request
        // ends and frees them.  If the kernel refuses, sourcePages stays
        // empty and the data is copied.
        if d.config.zeroCopy && extent.bytes >= Disk.directWriteMin && d.pageChainBytes >= pageSize &&
            UInt(bitPattern: src) % UInt(pageSize) == 0 {
            _ = d.device.lendPages(of: src, bytes: extent.bytes, into: &r.sourcePages)
        }
        d.accept(r)
        return MIG_NO_REPLY
    }

    /// The inband forms follow the same rules as the others, whole records
    /// only; a record (512 bytes at least) never fits in IO_INBAND_MAX
    /// (128) bytes, so every inband read or write is refused, with the
    /// error the checks find first (a closed device, a read-only disk, a
    /// bad size).
    func inband(_ routine: StaticString, _ o: OpenDevice, _ io: DeviceIO, write: Bool, _ wanted: Int) -> kern_return_t {
        let (_, code) = check(routine, o, write: write, inband: true, recnum: io.record, wanted: wanted)
        return code
    }

    func readInband(_ io: DeviceIO, on o: OpenDevice, wanted: Int32, into: UnsafeMutablePointer<UInt8>,
                    count: inout Int) -> kern_return_t {
        inband("device_read_inband", o, io, write: false, Int(wanted))
    }

    func writeInband(_ io: DeviceIO, on o: OpenDevice, data: UnsafeBufferPointer<UInt8>,
                     written: inout Int32) -> kern_return_t {
        inband("device_write_inband", o, io, write: true, data.count)
    }

    func getStatus(on o: OpenDevice, flavor: dev_flavor_t, into: UnsafeMutablePointer<Int32>,
                   count: inout Int) -> kern_return_t {
        getStatus(flavor, into: into, count: &count)
    }

    func setStatus(on o: OpenDevice, flavor: dev_flavor_t, words: UnsafeBufferPointer<Int32>) -> kern_return_t {
        setStatus(o, flavor, words.baseAddress, words.count)
    }
}
