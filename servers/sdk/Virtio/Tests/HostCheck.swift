// HostCheck.swift - the host test of the virtio SDK's ring and memory logic
// (servers/sdk/Virtio), built by tests/host.mk as a 32-bit Linux program:
// the SDK's Swift files that make no kernel calls, these tests, and the C
// fake device ring (tests/host/virtio_ring_fake.c, which the C host tests
// use too) playing the other side of the rings.  Prints
// "N passed, M failed" last, as every host test does (check() and
// checkEqual() are tests/host/swift/Check.swift).

import FakeVirtioDevice

/// Heap memory that stands in for DMA memory: physical == virtual.
func hostRegion(_ bytes: Int) -> DMARegion {
    let p = fake_alloc(UInt32(bytes))!
    return DMARegion(address: p, physical: UInt64(UInt(bitPattern: p)), size: bytes)
}

@_cdecl("main")
func hostMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    ringTests()
    poolTests()
    bufferRingTests()
    print("test_virtio_sdk: \(passed) passed, \(failed) failed")
    print("\(passed) passed, \(failed) failed")
    return failed == 0 ? 0 : 1
}
