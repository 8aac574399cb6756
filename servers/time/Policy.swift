// Policy.swift - the time server's answers to the GNU Mach time calls
// (include/sm/time_server.defs, time_server64.defs).  Queries are answered
// from the time page, like any task's; a change is allowed only when it
// came through the privileged port (the one the kernel hands the host_priv
// calls to: only the kernel holds a send right to it), is checked here
// with GNU Mach's rules, and reaches the kernel as one sm_time_update:
//   host_set_time     a step of UTC to the given time;
//   host_adjust_time  a slew at SM_TIME_ADJTIME_PPM (0.5 ms a second, as
//                     adjtime) until the amount is absorbed; the reply
//                     holds what the previous adjustment had left.
// Refusals are KERN_INVALID_HOST (not privileged) or KERN_INVALID_ARGUMENT
// (out-of-range fields, adjustments over a day), each with a log line.

import CTimeServer
import Mach

enum TimePolicy {
    /// The port the kernel forwards privileged calls to.
    nonisolated(unsafe) static var privilegedPort: mach_port_t = 0
    nonisolated(unsafe) static var hostPriv: mach_port_t = 0
    nonisolated(unsafe) static var log = LogLimiter()

    static let nsPerSecond: Int64 = 1_000_000_000
    static let adjustLimit: Int64 = 86_400 * 1_000_000_000

    static func refuse(_ code: kern_return_t, _ routine: StaticString, _ why: StaticString) -> kern_return_t {
        if log.allow() { print("time: \(routine) refused: \(why)") }
        return code
    }

    static func step(_ routine: StaticString, port: mach_port_t, ns: Int64?) -> kern_return_t {
        guard port == privilegedPort else {
            return refuse(KERN_INVALID_HOST, routine, "needs the privileged host port")
        }
        guard let ns, ns >= 0 else {
            return refuse(KERN_INVALID_ARGUMENT, routine, "not a time after 1970")
        }
        var old: Int64 = 0
        return sm_time_update(hostPriv, Int32(SM_TIME_STEP), ns, 0, 0, &old)
    }

    static func adjust(_ routine: StaticString, port: mach_port_t, ns: Int64?, old: inout Int64) -> kern_return_t {
        guard port == privilegedPort else {
            return refuse(KERN_INVALID_HOST, routine, "needs the privileged host port")
        }
        guard let ns, ns >= -adjustLimit && ns <= adjustLimit else {
            return refuse(KERN_INVALID_ARGUMENT, routine, "not an adjustment within a day")
        }
        let ppm = ns == 0 ? 0 : (ns < 0 ? -SM_TIME_ADJTIME_PPM : SM_TIME_ADJTIME_PPM)
        return sm_time_update(hostPriv, Int32(SM_TIME_SLEW), 0, Int32(ppm), ns, &old)
    }

    /// Seconds and a fraction as nanoseconds; nil when the fraction is out
    /// of range (-1 s, 1 s) or the sum would overflow.
    static func nanoseconds(_ seconds: Int64, _ fraction: Int64, perSecond: Int64) -> Int64? {
        guard fraction > -perSecond && fraction < perSecond,
              seconds > -Int64.max / nsPerSecond + 1 && seconds < Int64.max / nsPerSecond - 1 else { return nil }
        return seconds * nsPerSecond + fraction * (nsPerSecond / perSecond)
    }
}

/// Fails to compile if a routine below differs from its C prototype.
func timeRoutinePrototypesMatch() {
    checkPrototype(type(of: S_host_set_time), type(of: hostSetTime))
    checkPrototype(type(of: S_host_adjust_time), type(of: hostAdjustTime))
    checkPrototype(type(of: S_host_get_time), type(of: hostGetTime))
    checkPrototype(type(of: S_host_set_time64), type(of: hostSetTime64))
    checkPrototype(type(of: S_host_adjust_time64), type(of: hostAdjustTime64))
    checkPrototype(type(of: S_host_get_time64), type(of: hostGetTime64))
}

@_cdecl("S_host_set_time")
func hostSetTime(_ port: mach_port_t, _ t: time_value_t) -> kern_return_t {
    let ns = t.microseconds < 0 ? nil
        : TimePolicy.nanoseconds(Int64(t.seconds), Int64(t.microseconds), perSecond: 1_000_000)
    return TimePolicy.step("host_set_time", port: port, ns: ns)
}

@_cdecl("S_host_set_time64")
func hostSetTime64(_ port: mach_port_t, _ t: time_value64_t) -> kern_return_t {
    let ns = t.nanoseconds < 0 ? nil : TimePolicy.nanoseconds(t.seconds, t.nanoseconds, perSecond: 1_000_000_000)
    return TimePolicy.step("host_set_time64", port: port, ns: ns)
}

@_cdecl("S_host_adjust_time")
func hostAdjustTime(_ port: mach_port_t, _ t: time_value_t,
                    _ old: UnsafeMutablePointer<time_value_t>?) -> kern_return_t {
    var pending: Int64 = 0
    let kr = TimePolicy.adjust("host_adjust_time", port: port,
                               ns: TimePolicy.nanoseconds(Int64(t.seconds), Int64(t.microseconds), perSecond: 1_000_000),
                               old: &pending)
    if kr == KERN_SUCCESS, let old {
        old.pointee = time_value_t(seconds: integer_t(truncatingIfNeeded: pending / 1_000_000_000),
                                   microseconds: integer_t(truncatingIfNeeded: pending % 1_000_000_000 / 1000))
    }
    return kr
}

@_cdecl("S_host_adjust_time64")
func hostAdjustTime64(_ port: mach_port_t, _ t: time_value64_t,
                      _ old: UnsafeMutablePointer<time_value64_t>?) -> kern_return_t {
    var pending: Int64 = 0
    let kr = TimePolicy.adjust("host_adjust_time64", port: port,
                               ns: TimePolicy.nanoseconds(t.seconds, t.nanoseconds, perSecond: 1_000_000_000),
                               old: &pending)
    if kr == KERN_SUCCESS, let old {
        old.pointee = time_value64_t(seconds: pending / 1_000_000_000, nanoseconds: pending % 1_000_000_000)
    }
    return kr
}

@_cdecl("S_host_get_time")
func hostGetTime(_ port: mach_port_t, _ t: UnsafeMutablePointer<time_value_t>?) -> kern_return_t {
    guard let t else { return KERN_INVALID_ARGUMENT }
    let ns = utcNow()
    t.pointee = time_value_t(seconds: integer_t(truncatingIfNeeded: ns / 1_000_000_000),
                             microseconds: integer_t(truncatingIfNeeded: ns % 1_000_000_000 / 1000))
    return KERN_SUCCESS
}

@_cdecl("S_host_get_time64")
func hostGetTime64(_ port: mach_port_t, _ t: UnsafeMutablePointer<time_value64_t>?) -> kern_return_t {
    guard let t else { return KERN_INVALID_ARGUMENT }
    let ns = utcNow()
    t.pointee = time_value64_t(seconds: ns / 1_000_000_000, nanoseconds: ns % 1_000_000_000)
    return KERN_SUCCESS
}

/// The two interfaces for a ReceiveLoop; their largest replies are
/// host_adjust_time64's: 32-byte reply header with return code, a type
/// word and 16 bytes (gen/time_server64_server.sizecheck.c).
enum TimeServerInterfaces {
    static var all: [MIGInterface] {
        [MIGInterface(demux: time_server_server, maxReplySize: 64),
         MIGInterface(demux: time_server64_server, maxReplySize: 64)]
    }
}
