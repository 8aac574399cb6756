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

// hex() comes from the SDK (module Mach).
