// Message.swift - message buffers, the typed items in a body, and how a
// message's rights are destroyed.  The layout is docs/abi.md's (GNU Mach's
// i386 ABI): a 24-byte header of six 32-bit words, then items, each a
// 4-byte (or 12-byte long-form) type descriptor followed by its data.

import CMach

/// Byte offsets in mach_msg_header_t and mig_reply_header_t (docs/abi.md).
enum HeaderOffset {
    static let bits = 0, size = 4, remotePort = 8, localPort = 12, seqno = 16, id = 20
    /// mig_reply_header_t: the header, a 4-byte type descriptor, RetCode.
    static let returnCodeType = 24, returnCode = 28
}

/// The type descriptor (mach_msg_type_t) of one inline 32-bit integer, as
/// MIG writes it before a RetCode or a count: name, size in bits, number,
/// inline.  The SDK's one copy.
let integer32TypeWord = UInt32(MACH_MSG_TYPE_INTEGER_32) | (32 << 8) | (1 << 16) | (1 << 28)

/// One item of a message body, decoded from its type descriptor
/// (mach_msg_type_t, or mach_msg_type_long_t when `longform` is set).
/// Offsets count from the start of the message.
public struct MessageItem {
    /// MACH_MSG_TYPE_* of the elements (16-21 are port rights).
    public let typeName: UInt32
    public let bitsPerElement: UInt32
    public let count: UInt32
    public let isInline: Bool
    public let deallocate: Bool
    /// Where the item's data starts: the elements, or a 4-byte out-of-line
    /// pointer.
    public let dataOffset: Int
    /// Bytes the data occupies in the message (rounded up to 4).
    public let wireBytes: Int
    /// Bytes of element data (inline, or behind the out-of-line address).
    public let dataBytes: Int

    /// Port rights (moved, copied, made, or received), 32-bit names each.
    public var isPort: Bool {
        typeName >= UInt32(MACH_MSG_TYPE_MOVE_RECEIVE) &&
            typeName <= UInt32(MACH_MSG_TYPE_MAKE_SEND_ONCE) && bitsPerElement == 32
    }
}

/// A heap buffer for one Mach message, page aligned, that grows on
/// demand (MACH_RCV_LARGE).  Noncopyable: it owns its memory and frees it
/// when dropped.  Typed accessors cover the header; the body is reached
/// through `items` or raw offsets, for SDK code and tests rather than
/// server logic, which works on the arguments the MIG stubs unpack.
@frozen
public struct MessageBuffer: ~Copyable {
    public private(set) var capacity: Int
    public private(set) var base: UnsafeMutableRawPointer

    public init(capacity: Int) {
        let c = MessageBuffer.rounded(capacity)
        self.capacity = c
        self.base = UnsafeMutableRawPointer.allocate(byteCount: c, alignment: MessageBuffer.alignment)
        self.base.initializeMemory(as: UInt8.self, repeating: 0, count: c)
    }

    deinit { base.deallocate() }

    static func rounded(_ n: Int) -> Int { (max(n, 64) + 15) & ~15 }

    /// A page: a message under 4 KiB then lies in one page, which the
    /// kernel reads and writes through a window onto it (and a direct
    /// hand-off to a waiting receiver needs), instead of copying page by
    /// page through a kernel buffer; a buffer merely 16-byte aligned
    /// straddles a page boundary whenever malloc places it so.
    static let alignment = 4096

    /// Makes room for `bytes` bytes.  Contents are not preserved.
    public mutating func reserve(_ bytes: Int) {
        guard bytes > capacity else { return }
        base.deallocate()
        capacity = MessageBuffer.rounded(bytes)
        base = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: MessageBuffer.alignment)
        base.initializeMemory(as: UInt8.self, repeating: 0, count: capacity)
    }

    public var header: UnsafeMutablePointer<mach_msg_header_t> {
        base.assumingMemoryBound(to: mach_msg_header_t.self)
    }

    func word(_ offset: Int) -> UInt32 { base.load(fromByteOffset: offset, as: UInt32.self) }
    func setWord(_ offset: Int, _ v: UInt32) { base.storeBytes(of: v, toByteOffset: offset, as: UInt32.self) }

    public var bits: UInt32 {
        get { word(HeaderOffset.bits) }
        nonmutating set { setWord(HeaderOffset.bits, newValue) }
    }
    public var size: Int {
        get { Int(exactly: word(HeaderOffset.size)) ?? Int.max }     // never a trap on a received word
        nonmutating set { setWord(HeaderOffset.size, UInt32(newValue)) }
    }
    /// Send: the destination.  Received: the reply port.
    public var remotePort: PortName {
        get { PortName(word(HeaderOffset.remotePort)) }
        nonmutating set { setWord(HeaderOffset.remotePort, newValue.raw) }
    }
    /// Send: the reply port.  Received: the port it arrived on.
    public var localPort: PortName {
        get { PortName(word(HeaderOffset.localPort)) }
        nonmutating set { setWord(HeaderOffset.localPort, newValue.raw) }
    }
    public var id: mach_msg_id_t {
        get { mach_msg_id_t(bitPattern: word(HeaderOffset.id)) }
        nonmutating set { setWord(HeaderOffset.id, UInt32(bitPattern: newValue)) }
    }
    public var remoteDisposition: UInt32 { bits & 0xff }
    public var localDisposition: UInt32 { (bits >> 8) & 0xff }
    public var isComplex: Bool { bits & MACH_MSGH_BITS_COMPLEX != 0 }

    /// The return code of a MIG reply (mig_reply_header_t.RetCode, @28).
    public var returnCode: kern_return_t {
        get { kern_return_t(bitPattern: word(HeaderOffset.returnCode)) }
        nonmutating set { setWord(HeaderOffset.returnCode, UInt32(bitPattern: newValue)) }
    }

    /// Sets up the header for sending.
    public func prepare(to dest: PortName, disposition: UInt32, reply: PortName = .null,
                        replyDisposition: UInt32 = 0, id: mach_msg_id_t, size: Int) {
        bits = disposition | (replyDisposition << 8)
        self.size = size
        remotePort = dest
        localPort = reply
        setWord(HeaderOffset.seqno, 0)
        self.id = id
    }

    /// Receives one message from `port` (a receive right or, later, a port
    /// set).  A message larger than the buffer stays queued
    /// (MACH_RCV_LARGE) while the buffer grows, up to `limit` bytes; one
    /// larger than that is received without MACH_RCV_LARGE, which makes the
    /// kernel drop it, and MACH_RCV_TOO_LARGE is returned.  With a timeout
    /// (milliseconds) the receive gives up with MACH_RCV_TIMED_OUT.
    /// `sending` > 0: the buffer first holds a message of that many bytes,
    /// sent by the same mach_msg (with `sendOptions`) before the receive; a
    /// result below MACH_RCV_IN_PROGRESS is that send's failure, and then
    /// nothing was received.
    public mutating func receive(on port: PortName, timeout: UInt32? = nil,
                                 limit: Int = 65536, sending: Int = 0,
                                 sendOptions: mach_msg_option_t = 0) -> mach_msg_return_t {
        let wait = timeout != nil ? MACH_RCV_TIMEOUT : 0
        var send = sending > 0 ? MACH_SEND_MSG | sendOptions : 0
        while true {
            let mr = mach_msg(header, send | MACH_RCV_MSG | MACH_RCV_LARGE | wait, mach_msg_size_t(sending),
                              mach_msg_size_t(capacity), port.raw, timeout ?? 0, 0)
            send = 0
            guard mr == MACH_RCV_TOO_LARGE else { return mr }
            // The size the kernel wrote back; one that does not grow the
            // buffer (or is beyond the limit) means dropping the message,
            // since it would otherwise stay at the head of the queue.
            let need = Int(exactly: word(HeaderOffset.size)) ?? Int.max
            if need > limit || need <= capacity {
                _ = mach_msg(header, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0,
                             mach_msg_size_t(capacity), port.raw, 0, 0)
                return MACH_RCV_TOO_LARGE
            }
            reserve(need)
        }
    }

    /// Sends the message (its header says where and how big).  With a
    /// timeout (milliseconds; 0 = do not wait) a full queue fails the send
    /// with MACH_SEND_TIMED_OUT instead of blocking.
    public func send(timeout: UInt32? = nil) -> mach_msg_return_t {
        let wait = timeout != nil ? MACH_SEND_TIMEOUT : 0
        return mach_msg(header, MACH_SEND_MSG | wait, mach_msg_size_t(size), 0, 0,
                        timeout ?? 0, 0)
    }

    /// Sends this message and waits for the reply on `replyPort`, which
    /// lands in the same buffer (grown if needed).
    public mutating func call(replyPort: PortName, timeout: UInt32? = nil) -> mach_msg_return_t {
        let sr = send()
        return sr == MACH_MSG_SUCCESS ? receive(on: replyPort, timeout: timeout) : sr
    }

    /// Walks the body's items in order, calling `visit` for each until it
    /// returns false.  Returns false if the body is malformed (an item
    /// runs past `size`), true otherwise.
    @discardableResult
    public func items(_ visit: (MessageItem) -> Bool) -> Bool {
        let end = min(size, capacity)
        var off = MemoryLayout<mach_msg_header_t>.size
        while off < end {
            guard off + 4 <= end else { return false }
            let w = word(off)
            let long = w & (1 << 29) != 0
            var name = w & 0xff, bitsEach = (w >> 8) & 0xff, count = (w >> 16) & 0xfff
            var dataOff = off + 4
            if long {
                guard off + 12 <= end else { return false }
                let nw = word(off + 4)
                name = nw & 0xffff
                bitsEach = nw >> 16
                count = word(off + 8)
                dataOff = off + 12
            }
            let isInline = w & (1 << 28) != 0
            let bytes64 = (UInt64(bitsEach) * UInt64(count) + 7) / 8
            // Inline data lies within the message; out-of-line data within
            // what an Int counts (so that wireBytes below cannot overflow).
            guard bytes64 <= (isInline ? UInt64(end) : UInt64(Int32.max)) else { return false }
            let dataBytes = Int(bytes64)
            let wire = isInline ? (dataBytes + 3) & ~3 : 4     // out of line: a pointer
            guard dataOff + wire <= end else { return false }
            let item = MessageItem(typeName: name, bitsPerElement: bitsEach, count: count,
                                   isInline: isInline, deallocate: w & (1 << 30) != 0,
                                   dataOffset: dataOff, wireBytes: wire, dataBytes: dataBytes)
            if !visit(item) { return true }
            off = dataOff + wire
        }
        return true
    }

    /// Releases every right and out-of-line region the message carries, as
    /// Mach's mach_msg_destroy does: moved (or received) port rights are
    /// deallocated or destroyed, copied and made ones were never taken.
    /// With `keepReply` the header's remote port (a received request's
    /// reply port) is left alone, for the reply that still uses it.  The
    /// local port of a received message is the destination, not a right
    /// the message carries, so it is never touched.
    public func destroyResources(keepReply: Bool) {
        if !keepReply {
            Self.release(remotePort, disposition: remoteDisposition)
            remotePort = .null
        }
        guard isComplex else { return }
        items { item in
            if item.isInline {
                if item.isPort {
                    for i in 0..<Int(item.count) {
                        Self.release(PortName(word(item.dataOffset + 4 * i)),
                                     disposition: item.typeName)
                    }
                }
                return true
            }
            let address = word(item.dataOffset)
            if address != 0 {
                let region = UnsafeRawPointer(bitPattern: UInt(address))
                if item.isPort, let names = region {
                    for i in 0..<Int(item.count) {
                        Self.release(PortName(names.load(fromByteOffset: 4 * i, as: UInt32.self)),
                                     disposition: item.typeName)
                    }
                }
                if item.dataBytes > 0 {
                    _ = vm_deallocate(smrt_task_port(), vm_address_t(address),
                                      vm_size_t(item.dataBytes))
                }
            }
            return true
        }
    }

    /// Gives up the right a disposition moved in (or that was received as
    /// PORT_RECEIVE/PORT_SEND/PORT_SEND_ONCE, the same numbers).
    static func release(_ name: PortName, disposition: UInt32) {
        switch disposition {
        case UInt32(MACH_MSG_TYPE_MOVE_RECEIVE):
            _ = releaseRight(name, MACH_PORT_RIGHT_RECEIVE)
        case UInt32(MACH_MSG_TYPE_MOVE_SEND), UInt32(MACH_MSG_TYPE_MOVE_SEND_ONCE):
            _ = releaseRight(name, MACH_PORT_RIGHT_SEND)
        default:
            break
        }
    }
}
