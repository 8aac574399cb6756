// Support.swift - small things every server and client needs: an error
// type for return codes, hex formatting, sleeping.

// Programs that import Mach also see the C side: the runtime, the MIG
// stubs and the Mach/device constants (servers/sdk/Mach/include/cmach.h).
@_exported import CMach

/// A failed kern_return_t / mach_msg_return_t / D_* code, as the error of
/// the SDK's throwing wrappers (typed throws: no existentials needed).
public struct MachError: Error, Equatable {
    public let code: kern_return_t

    public init(_ code: kern_return_t) { self.code = code }

    /// Throws unless `code` is KERN_SUCCESS.
    @inlinable
    public static func check(_ code: kern_return_t) throws(MachError) {
        if code != KERN_SUCCESS { throw MachError(code) }
    }
}

/// Lowercase hex ("0x10000003"), the way return codes read best.  Works on
/// bytes: Character operations would pull in Unicode tables the i686
/// Embedded stdlib does not ship.
public func hex(_ v: UInt32) -> String {
    var bits = v
    var digits: [UInt8] = []
    repeat {
        let d = UInt8(truncatingIfNeeded: bits & 0xf)
        digits.append(d < 10 ? UInt8(ascii: "0") + d : UInt8(ascii: "a") + d - 10)
        bits >>= 4
    } while bits != 0
    return "0x" + String(decoding: digits.reversed(), as: UTF8.self)
}

/// Return codes are signed (kern_return_t); shown as their bit pattern.
public func hex(_ v: Int32) -> String { hex(UInt32(bitPattern: v)) }

/// Blocks the thread for about `milliseconds` (a receive with a timeout on
/// a private port nobody sends to).
public func sleep(milliseconds: UInt32) {
    if sleepPort == 0 { sleepPort = mach_reply_port() }
    var h = mach_msg_header_t()
    _ = mach_msg(&h, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0,
                 mach_msg_size_t(MemoryLayout<mach_msg_header_t>.size),
                 sleepPort, milliseconds, 0)
}

nonisolated(unsafe) var sleepPort: mach_port_t = 0

/// The NUL-terminated bytes of a string literal, for C string arguments
/// (StaticString avoids String's UTF-8/UTF-16 machinery).
func cString(_ s: StaticString) -> UnsafePointer<CChar> {
    precondition(s.hasPointerRepresentation, "a string literal is needed")
    return UnsafeRawPointer(s.utf8Start).assumingMemoryBound(to: CChar.self)
}
