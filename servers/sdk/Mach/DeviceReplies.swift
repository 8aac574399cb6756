// DeviceReplies.swift - device_reply.defs' device_read_reply and
// device_write_reply, sent by the SDK for a PendingReply.
//
// MIG's user stubs for these simpleroutines send with no timeout: a reply
// port that is a send right (not send-once) to a full queue blocks the
// sender until someone receives.  A client can arrange that on purpose,
// even with the server's own port as its "reply port" (the server would
// wait on itself forever).  So the SDK builds the same messages (the
// layout of gen/device_reply_user.c: a 24-byte header, the return code,
// then the count or the out-of-line data) and sends them as
// PendingReply.send does: a send-once right never waits, a send right does
// not wait for room.  A reply that cannot go is logged by the caller and
// its right released.  Inside a ReceiveLoop they are parked and leave with
// its next receive, in the same mach_msg (ParkedReply.swift): a reply that
// fails then is cleaned up by the SDK, pages and all, and the caller saw
// success.

import CMach

extension PendingReply {
    /// device_read_reply (id 2904): `code`, and on success `bytes` bytes of
    /// out-of-line data at `data`, sent with the deallocate bit (a page or
    /// more moves to the client; either way it leaves this task when the
    /// send succeeds).  On failure the data is still the caller's.
    public consuming func sendReadReply(_ code: kern_return_t, data: io_buf_ptr_t?,
                                        bytes: mach_msg_type_number_t) -> mach_msg_return_t {
        let (port, poly) = consumeForStub()
        return PendingReply.sendDeviceReply(port, poly, id: ParkedReply.readReplyID, code: code, complex: true) { body in
            // mach_msg_type_long_t: short word (not inline, long form,
            // deallocate), then name and size, then the number.
            body.storeBytes(of: UInt32((1 << 29) | (1 << 30)), toByteOffset: 8, as: UInt32.self)
            body.storeBytes(of: UInt32(MACH_MSG_TYPE_INTEGER_8) | (8 << 16), toByteOffset: 12, as: UInt32.self)
            body.storeBytes(of: bytes, toByteOffset: 16, as: UInt32.self)
            // The out-of-line pointer, 4 bytes at message offset 44.
            body.storeBytes(of: data, toByteOffset: 20, as: io_buf_ptr_t?.self)
            return 24
        }
    }

    /// device_read_reply with a copy of `bytes`: new pages (vm_allocate)
    /// hold the copy and move to the client with the reply, so the driver
    /// keeps its own buffers.  If no pages can be had the client gets
    /// D_NO_MEMORY; if the reply cannot go the copy is freed.  An empty
    /// `bytes` sends `code` alone.
    public consuming func sendReadReply(_ code: kern_return_t, copying bytes: [UInt8]) -> mach_msg_return_t {
        guard code == D_SUCCESS, !bytes.isEmpty else { return sendReadReply(code, data: nil, bytes: 0) }
        var address = vm_address_t(0)
        let size = vm_size_t(bytes.count)
        guard vm_allocate(smrt_task_port(), &address, size, 1) == KERN_SUCCESS,
              let copy = UnsafeMutableRawPointer(bitPattern: UInt(address)) else {
            return sendReadReply(D_NO_MEMORY, data: nil, bytes: 0)
        }
        bytes.withUnsafeBytes { copy.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        let mr = sendReadReply(D_SUCCESS, data: copy.assumingMemoryBound(to: CChar.self),
                               bytes: mach_msg_type_number_t(bytes.count))
        if mr != MACH_MSG_SUCCESS { _ = vm_deallocate(smrt_task_port(), address, size) }
        return mr
    }

    /// device_write_reply (id 2902): `code` and the bytes written.
    public consuming func sendWriteReply(_ code: kern_return_t, written: Int32) -> mach_msg_return_t {
        let (port, poly) = consumeForStub()
        return PendingReply.sendDeviceReply(port, poly, id: 2902, code: code, complex: false) { body in
            body.storeBytes(of: integer32TypeWord, toByteOffset: 8, as: UInt32.self)
            body.storeBytes(of: written, toByteOffset: 12, as: Int32.self)
            return 16
        }
    }

    /// Builds header and return code, lets `fill` write the rest of the body
    /// (from its offset 8; it returns the body's bytes) and sends.  In a
    /// receive loop the message is built in the parked slot and goes with
    /// the loop's next receive (ParkedReply.swift).
    static func sendDeviceReply(_ port: mach_port_t, _ poly: mach_msg_type_name_t, id: mach_msg_id_t,
                                code: kern_return_t, complex: Bool,
                                _ fill: (UnsafeMutableRawPointer) -> Int) -> mach_msg_return_t {
        func build(_ m: UnsafeMutableRawPointer) -> Int {
            let body = m + MemoryLayout<mach_msg_header_t>.size
            body.storeBytes(of: integer32TypeWord, as: UInt32.self)
            body.storeBytes(of: code, toByteOffset: 4, as: kern_return_t.self)
            let size = MemoryLayout<mach_msg_header_t>.size + fill(body)
            let h = m.assumingMemoryBound(to: mach_msg_header_t.self)
            h.pointee.msgh_bits = poly | (complex ? MACH_MSGH_BITS_COMPLEX : 0)
            h.pointee.msgh_size = mach_msg_size_t(size)
            h.pointee.msgh_remote_port = port
            h.pointee.msgh_local_port = 0
            h.pointee.msgh_id = id
            return size
        }
        if ParkedReply.park(building: { build($0) }) { return MACH_MSG_SUCCESS }
        var storage: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
        let once = poly == mach_msg_type_name_t(MACH_MSG_TYPE_PORT_SEND_ONCE)
        let mr = withUnsafeMutableBytes(of: &storage) { raw -> mach_msg_return_t in
            let m = raw.baseAddress!
            let size = build(m)
            return mach_msg(m.assumingMemoryBound(to: mach_msg_header_t.self), MACH_SEND_MSG | (once ? 0 : MACH_SEND_TIMEOUT),
                            mach_msg_size_t(size), 0, 0, 0, 0)
        }
        if mr != MACH_MSG_SUCCESS { Message.release(PortName(port), disposition: poly) }
        return mr
    }
}
