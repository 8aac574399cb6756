// Uptime.swift - readings of sm_host_uptime, kept in a class instance.

import SMRuntime

/// One reading of the kernel's uptime clock.
struct Uptime: Comparable {
    let nanoseconds: UInt64

    static func < (a: Uptime, b: Uptime) -> Bool { a.nanoseconds < b.nanoseconds }

    var text: String {
        let ms = nanoseconds / 1_000_000
        return "\(nanoseconds) ns (\(ms) ms)"
    }
}

/// Accumulates readings (heap-allocated, reference counted: exercises the
/// allocator and ARC).  A reading equal to the previous one is counted but
/// not stored, so polling a stopped clock cannot exhaust the heap.
final class UptimeLedger {
    private(set) var readings: [Uptime] = []
    private(set) var failures: [kern_return_t] = []
    private(set) var repeats = 0
    let host: mach_port_t

    init(host: mach_port_t) { self.host = host }

    /// Takes one reading; returns it, or nil if the RPC failed.
    @discardableResult
    func read() -> Uptime? {
        switch rpc(UInt64(0), { sm_host_uptime(host, $0) }) {
        case .ok(let ns):
            let u = Uptime(nanoseconds: ns)
            if readings.count >= 2 && u == readings[readings.count - 1] {
                repeats += 1
            } else {
                readings.append(u)
            }
            return u
        case .failed(let kr):
            failures.append(kr)
            return nil
        }
    }

    var first: Uptime? { readings.first }
    var last: Uptime? { readings.last }

    /// Readings never go backwards and the last is later than the first.
    var advanced: Bool {
        guard let a = first, let b = last, readings.count >= 2 else { return false }
        for i in 1..<readings.count where readings[i] < readings[i - 1] { return false }
        return a < b
    }
}
