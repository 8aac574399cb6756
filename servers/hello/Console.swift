// Console.swift - output through the sm_console_write MIG stub.

import SMRuntime

/// The kernel console, reached with sm_console_write on the host port.
/// Every write goes straight to the stub (no buffering), so each call is
/// one MIG round trip.
struct Console {
    let host: mach_port_t

    /// The largest write the interface accepts (sm_console_data_t).
    static let maxWrite = 512

    /// Sends `bytes` as one message and returns the stub's return code.
    func write(_ bytes: [UInt8]) -> kern_return_t {
        bytes.withUnsafeBufferPointer { buf in
            buf.withMemoryRebound(to: CChar.self) { chars in
                sm_console_write(host, chars.baseAddress,
                                 mach_msg_type_number_t(chars.count))
            }
        }
    }

    /// Writes one line; returns whether the kernel accepted all of it.  If
    /// it did not, the line also goes out through the runtime's puts, which
    /// falls back to the mach_print trap, so failures stay visible.
    @discardableResult
    func line(_ text: String) -> Bool {
        var bytes = Array(text.utf8)
        bytes.append(UInt8(ascii: "\n"))
        var ok = true
        var start = 0
        while start < bytes.count {
            let end = min(start + Console.maxWrite, bytes.count)
            if write(Array(bytes[start..<end])) != KERN_SUCCESS { ok = false }
            start = end
        }
        if !ok { puts(text) }
        return ok
    }
}

/// One write of a given length and the return code the stub should give.
struct WriteCase {
    let length: Int
    let expected: kern_return_t

    /// "hello: write N bytes ....\n", exactly `length` bytes long.
    func payload() -> [UInt8] {
        var bytes = Array("hello: write \(length) bytes ".utf8)
        if bytes.count > length - 1 { bytes.removeLast(bytes.count - (length - 1)) }
        while bytes.count < length - 1 { bytes.append(UInt8(ascii: ".")) }
        bytes.append(UInt8(ascii: "\n"))
        return bytes
    }
}
