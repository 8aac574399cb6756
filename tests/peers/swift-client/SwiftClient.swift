// SwiftClient.swift - a Swift client of the "hello" device, booted beside
// test-hello (and running at the same time as it and tests/peers/hello-peer.c).
//
// Uses the SDK's DeviceHandle (module Mach) over the MIG user stubs of GNU
// Mach's device.defs: opens "hello" through the device master port, appends
// records and reads them back (retrying an append another client beat to
// the end of the store), checks status flavors and the device's errors and
// a closed open, prints "swift-client: N passed, N failed", and reports in
// to test-hello with a device_open of "test-hello-sync" whose mode is its
// failure count.

import Mach

/// Counts checks and prints the ones that fail.
struct Checks {
    var passed = 0
    var failed = 0

    mutating func check(_ ok: Bool, _ what: String) {
        if ok {
            passed += 1
        } else {
            failed += 1
            print("swift-client: FAIL \(what)")
        }
    }

    /// Checks that `body` fails with `expected` (or succeeds, for D_SUCCESS).
    mutating func expect<T>(_ expected: kern_return_t, _ what: String,
                            _ body: () throws(MachError) -> T) {
        let got = code(body)
        check(got == expected, "\(what): \(hex(got)), expected \(hex(expected))")
    }
}

/// What a throwing SDK call returned, as a return code.
func code<T>(_ body: () throws(MachError) -> T) -> kern_return_t {
    do throws(MachError) {
        _ = try body()
        return KERN_SUCCESS
    } catch {
        return error.code
    }
}

/// device_open, retried while the name is not registered yet.
func open(_ name: StaticString, mode: dev_mode_t) throws(MachError) -> DeviceHandle {
    var tries = 0
    while true {
        do throws(MachError) {
            return try DeviceHandle.open(name, mode: mode)
        } catch {
            tries += 1
            if error.code != D_NO_SUCH_DEVICE || tries >= 1000 { throw error }
            sleep(milliseconds: 10)
        }
    }
}

/// The bytes of record `i`: a tag, then letters, 1...128 bytes long.
func record(_ i: Int) -> [UInt8] {
    let length = 1 + (i * 53) % Int(IO_INBAND_MAX)
    var bytes = Array("swift#\(i):".utf8)
    var k = bytes.count
    while bytes.count < length {
        bytes.append(UInt8(ascii: "A") + UInt8((i + k) % 26))
        k += 1
    }
    if bytes.count > length { bytes.removeLast(bytes.count - length) }
    return bytes
}

/// Appends `bytes` at the end of the store and reads them back.
func roundTrip(_ dev: borrowing DeviceHandle, _ bytes: [UInt8], _ c: inout Checks) {
    for _ in 0..<100 {
        do throws(MachError) {
            let at = recnum_t(try dev.status(dev_flavor_t(DEV_GET_SIZE))[0])
            let written = try dev.write(at: at, bytes)
            c.check(written == bytes.count, "wrote \(written) of \(bytes.count) bytes")
            let back = try dev.read(at: at, count: bytes.count)
            c.check(back == bytes, "\(bytes.count) bytes at \(at) read back differently")
            return
        } catch {
            if error.code == D_INVALID_RECNUM { continue }   // another client appended first
            c.check(false, "round trip of \(bytes.count) bytes: \(hex(error.code))")
            return
        }
    }
    c.check(false, "an append never found the end of the store")
}

func errors(_ dev: borrowing DeviceHandle, _ c: inout Checks) {
    c.expect(D_INVALID_SIZE, "read of 129 bytes") { () throws(MachError) in
        try dev.read(at: 0, count: 129)
    }
    c.expect(D_INVALID_SIZE, "read of -1 bytes") { () throws(MachError) in
        try dev.read(at: 0, count: -1)
    }
    c.expect(D_INVALID_RECNUM, "read far beyond the end") { () throws(MachError) in
        try dev.read(at: 1 << 30, count: 4)
    }
    c.expect(D_INVALID_RECNUM, "write at record 0") { () throws(MachError) in
        try dev.write(at: 0, [1, 2, 3])
    }
    c.expect(D_INVALID_OPERATION, "status flavor 77") { () throws(MachError) in
        try dev.status(77)
    }
    c.expect(D_INVALID_SIZE, "status with room for 1 word") { () throws(MachError) in
        try dev.status(dev_flavor_t(DEV_GET_SIZE), count: 1)
    }
    c.expect(D_INVALID_OPERATION, "set_status") { () throws(MachError) in
        try dev.setStatus(dev_flavor_t(DEV_GET_SIZE), [0, 1])
    }
    do throws(MachError) {
        let size = try dev.status(dev_flavor_t(DEV_GET_SIZE))
        let records = try dev.status(dev_flavor_t(DEV_GET_RECORDS))
        c.check(size.count == 2 && size[1] == 1 && records.count == 2 && records[1] == 1,
                "status words \(size.count)/\(records.count)")
        c.check(records[0] >= size[0], "records \(records[0]) < size \(size[0])")
    } catch {
        c.check(false, "get_status: \(hex(error.code))")
    }
}

@main
struct SwiftClient {
    static func main() {
        var c = Checks()
        do throws(MachError) {
            let dev = try open("hello", mode: dev_mode_t(D_READ | D_WRITE))
            for i in 0..<40 { roundTrip(dev, record(i), &c) }
            errors(dev, &c)

            let other = try DeviceHandle.open("hello", mode: dev_mode_t(D_READ))
            c.check(other.port != dev.port, "two opens share port \(dev.port.raw)")
            c.expect(D_INVALID_OPERATION, "write through a read-only open") { () throws(MachError) in
                try other.write(at: 0, [1])
            }
            c.check(device_close(other.port.raw) == D_SUCCESS, "device_close")
            c.expect(D_NO_SUCH_DEVICE, "read after close") { () throws(MachError) in
                try other.read(at: 0, count: 1)
            }
            c.check(other.close() == D_NO_SUCH_DEVICE, "second close")
            c.check(dev.close() == D_SUCCESS, "close")
        } catch {
            c.check(false, "open: \(hex(error.code))")
        }
        print("swift-client: \(c.passed) passed, \(c.failed) failed")
        do throws(MachError) {
            _ = try open("test-hello-sync", mode: dev_mode_t(c.failed))
        } catch {
            print("swift-client: could not report to test-hello: \(hex(error.code))")
        }
        exit(c.failed == 0 ? 0 : 1)
    }
}
