// Time.swift - the time for Swift tasks, read from the kernel's time page
// (<sm/time_page.h>, docs/time.md) without a kernel call: `now()` in
// nanoseconds since boot, `utcNow()` in nanoseconds since 1970, and
// MonotonicClock with its Instant.  Embedded Swift has no Clock protocol
// (it lives with concurrency), so MonotonicClock offers Clock's `now` and
// `minimumResolution` without the conformance; its Instant is a full
// InstantProtocol, with Duration arithmetic.

/// Nanoseconds since boot (CLOCK_MONOTONIC).
@inline(__always)
public func now() -> UInt64 { smrt_now_ns() }

/// Nanoseconds since 1970-01-01 UTC (CLOCK_REALTIME).
@inline(__always)
public func utcNow() -> Int64 { smrt_utc_ns() }

/// A point on the monotonic clock: nanoseconds since boot.
public struct MonotonicInstant: InstantProtocol, Hashable {
    public let nanoseconds: UInt64

    public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

    public func advanced(by duration: Duration) -> MonotonicInstant {
        MonotonicInstant(nanoseconds: UInt64(bitPattern: Int64(bitPattern: nanoseconds) &+ duration.totalNanoseconds))
    }

    public func duration(to other: MonotonicInstant) -> Duration {
        .nanoseconds(Int64(bitPattern: other.nanoseconds &- nanoseconds))
    }

    public static func < (a: MonotonicInstant, b: MonotonicInstant) -> Bool {
        a.nanoseconds < b.nanoseconds
    }
}

/// The monotonic clock: what Clock asks of `now` and `minimumResolution`.
public struct MonotonicClock {
    public typealias Instant = MonotonicInstant

    public init() {}

    public var now: MonotonicInstant { MonotonicInstant(nanoseconds: smrt_now_ns()) }
    public static var now: MonotonicInstant { MonotonicInstant(nanoseconds: smrt_now_ns()) }
    public var minimumResolution: Duration { .nanoseconds(1) }

    /// The time `body` took.
    public func measure(_ body: () -> Void) -> Duration {
        let start = now
        body()
        return start.duration(to: now)
    }
}

extension Duration {
    /// The whole duration in nanoseconds (wrapping beyond ~292 years).
    public var totalNanoseconds: Int64 {
        let c = components
        return c.seconds &* 1_000_000_000 &+ c.attoseconds / 1_000_000_000
    }
}
