// Outcome.swift - how the hello task talks about RPC results.

import SMRuntime

/// The result of one MIG call: the value it produced, or the kern_return_t
/// it failed with.
enum Outcome<Value> {
    case ok(Value)
    case failed(kern_return_t)

    var succeeded: Bool {
        if case .ok = self { return true }
        return false
    }
}

/// Runs a MIG routine whose last argument is an out-parameter and wraps the
/// return code.  `initial` is the value the out-parameter starts from.
func rpc<Value>(_ initial: Value,
                _ call: (UnsafeMutablePointer<Value>) -> kern_return_t) -> Outcome<Value> {
    var value = initial
    let kr = call(&value)
    return kr == KERN_SUCCESS ? .ok(value) : .failed(kr)
}

/// Lowercase hex for return codes, which read best that way (0x10000003).
/// Works on bytes: Character operations would pull in Unicode tables the
/// i686 Embedded stdlib does not ship.
func hex<T: FixedWidthInteger>(_ v: T) -> String {
    var bits = UInt64(truncatingIfNeeded: v)
    if T.bitWidth < 64 { bits &= (UInt64(1) << UInt64(T.bitWidth)) - 1 }
    var digits: [UInt8] = []
    repeat {
        let d = UInt8(truncatingIfNeeded: bits & 0xf)
        digits.append(d < 10 ? UInt8(ascii: "0") + d : UInt8(ascii: "a") + d - 10)
        bits >>= 4
    } while bits != 0
    return "0x" + String(decoding: digits.reversed(), as: UTF8.self)
}
