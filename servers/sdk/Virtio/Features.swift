// Features.swift - virtio feature bits as a typed set (virtio 1.2, 2.2 and 6).
// The bit numbers are <sm/virtio_spec.h>'s (module CVirtioRing).

import CVirtioRing

/// A set of virtio feature bits (bit numbers 0-63), as a device offers them
/// and a driver accepts them.  Bits 0-23 and 50-63 belong to the device
/// type, 24-49 to the transport and the rings (6 Reserved Feature Bits).
/// Drivers build the set they want from named members, the transport bits
/// below plus their own device bits (`VirtioFeatures(bit: n)`), and log what
/// was offered and accepted with `describe(deviceNames:)`.
@frozen
public struct VirtioFeatures: Equatable {
    public var rawValue: UInt64

    @inlinable public init(rawValue: UInt64) { self.rawValue = rawValue }
    @inlinable public init(bit: Int) { rawValue = UInt64(1) << UInt64(bit) }
    @inlinable public init(bits: [Int]) {
        rawValue = 0
        for b in bits { rawValue |= UInt64(1) << UInt64(b) }
    }

    public static var none: VirtioFeatures { VirtioFeatures(rawValue: 0) }

    // 6 Reserved Feature Bits: the ones the SDK knows how to use or name.
    public static var notifyOnEmpty: VirtioFeatures { VirtioFeatures(bit: Int(VIRTIO_F_NOTIFY_ON_EMPTY)) }
    public static var anyLayout: VirtioFeatures { VirtioFeatures(bit: Int(VIRTIO_F_ANY_LAYOUT)) }
    public static var indirectDescriptors: VirtioFeatures { VirtioFeatures(bit: Int(VIRTIO_F_INDIRECT_DESC)) }
    public static var eventIndex: VirtioFeatures { VirtioFeatures(bit: Int(VIRTIO_F_EVENT_IDX)) }
    public static var version1: VirtioFeatures { VirtioFeatures(bit: Int(VIRTIO_F_VERSION_1)) }
    public static var accessPlatform: VirtioFeatures { VirtioFeatures(bit: Int(VIRTIO_F_ACCESS_PLATFORM)) }
    public static var ringPacked: VirtioFeatures { VirtioFeatures(bit: Int(VIRTIO_F_RING_PACKED)) }
    public static var inOrder: VirtioFeatures { VirtioFeatures(bit: Int(VIRTIO_F_IN_ORDER)) }

    /// The transport features the SDK's split ring implements: a driver may
    /// ask for these whatever its device type.
    public static var ringFeatures: VirtioFeatures {
        [.indirectDescriptors, .eventIndex, .version1]
    }

    @inlinable public func contains(_ other: VirtioFeatures) -> Bool {
        rawValue & other.rawValue == other.rawValue && other.rawValue != 0
    }
    @inlinable public func has(bit: Int) -> Bool { rawValue & (UInt64(1) << UInt64(bit)) != 0 }
    @inlinable public func union(_ other: VirtioFeatures) -> VirtioFeatures {
        VirtioFeatures(rawValue: rawValue | other.rawValue)
    }
    @inlinable public func intersection(_ other: VirtioFeatures) -> VirtioFeatures {
        VirtioFeatures(rawValue: rawValue & other.rawValue)
    }
    @inlinable public func subtracting(_ other: VirtioFeatures) -> VirtioFeatures {
        VirtioFeatures(rawValue: rawValue & ~other.rawValue)
    }
    @inlinable public mutating func insert(_ other: VirtioFeatures) { rawValue |= other.rawValue }
    @inlinable public mutating func remove(_ other: VirtioFeatures) { rawValue &= ~other.rawValue }

    /// The bits that belong to the device type (0-23, 50-63).
    public var deviceBits: VirtioFeatures { VirtioFeatures(rawValue: rawValue & 0xFFFC_0000_00FF_FFFF) }
    public var transportBits: VirtioFeatures { VirtioFeatures(rawValue: rawValue & ~0xFFFC_0000_00FF_FFFF) }

    /// "VERSION_1 INDIRECT_DESC EVENT_IDX FLUSH bit40": every set bit by
    /// name, device bits named by `deviceNames` (bit number, name).
    public func describe(deviceNames: [(Int, StaticString)] = []) -> String {
        var out = ""
        for bit in 0..<64 where has(bit: bit) {
            if !out.isEmpty { out += " " }
            if let n = VirtioFeatures.transportName(bit) {
                out += n
                continue
            }
            var named = false
            for (b, n) in deviceNames where b == bit {
                out += "\(n)"
                named = true
                break
            }
            if !named { out += "bit\(bit)" }
        }
        return out.isEmpty ? "(none)" : out
    }

    static func transportName(_ bit: Int) -> String? {
        for (b, name) in transportNames where Int(b) == bit { return name }
        return nil
    }

    static let transportNames: [(Int32, String)] = [
        (VIRTIO_F_NOTIFY_ON_EMPTY, "NOTIFY_ON_EMPTY"), (VIRTIO_F_ANY_LAYOUT, "ANY_LAYOUT"),
        (VIRTIO_F_INDIRECT_DESC, "INDIRECT_DESC"), (VIRTIO_F_EVENT_IDX, "EVENT_IDX"),
        (VIRTIO_F_VERSION_1, "VERSION_1"), (VIRTIO_F_ACCESS_PLATFORM, "ACCESS_PLATFORM"),
        (VIRTIO_F_RING_PACKED, "RING_PACKED"), (VIRTIO_F_IN_ORDER, "IN_ORDER"),
        (VIRTIO_F_ORDER_PLATFORM, "ORDER_PLATFORM"), (VIRTIO_F_SR_IOV, "SR_IOV"),
        (VIRTIO_F_NOTIFICATION_DATA, "NOTIFICATION_DATA"), (VIRTIO_F_NOTIF_CONFIG_DATA, "NOTIF_CONFIG_DATA"),
        (VIRTIO_F_RING_RESET, "RING_RESET"),
    ]
}

extension VirtioFeatures: ExpressibleByArrayLiteral {
    public init(arrayLiteral elements: VirtioFeatures...) {
        rawValue = 0
        for e in elements { rawValue |= e.rawValue }
    }
}
