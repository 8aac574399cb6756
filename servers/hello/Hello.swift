// Hello.swift - the first Embedded Swift server.
//
// At start it exercises the path every server uses as a client: MIG user
// stubs over mach_msg to the kernel's smhost interface.  It prints a
// banner, reads the uptime clock, sends console writes of several lengths
// (and one too long, which the stub must refuse), then "hello: MIG round
// trip ok"; on any failure a "hello: FAIL ..." line and exit status 1.
//
// Then it becomes a server: it registers the device name "hello" on the
// device master port and serves GNU Mach's device.defs for it through the
// SDK's receive loop (ScratchDevice.swift has the device; the SDK's
// DeviceServer the MIG routines, which call HelloDevice.driver()'s closures).  The loop only ends if its port fails.

import SMRuntime
import Mach

@main
struct Hello {
    static func main() {
        let host = smrt_host_port()
        let console = Console(host: host)
        var failures = 0

        func fail(_ what: String) {
            failures += 1
            console.line("hello: FAIL \(what)")
        }

        if !console.line("hello: Embedded Swift task up, host port \(host)") {
            fail("banner: sm_console_write")
        }

        let ledger = UptimeLedger(host: host)
        if let t = ledger.read() {
            console.line("hello: uptime #1 \(t.text)")
        }

        let cases = [WriteCase(length: 1, expected: KERN_SUCCESS),
                     WriteCase(length: 24, expected: KERN_SUCCESS),
                     WriteCase(length: 100, expected: KERN_SUCCESS),
                     WriteCase(length: Console.maxWrite, expected: KERN_SUCCESS),
                     WriteCase(length: Console.maxWrite + 1,
                               expected: MIG_ARRAY_TOO_LARGE)]
        for c in cases {
            let kr = console.write(c.payload())
            if kr != c.expected {
                fail("write of \(c.length) bytes returned \(hex(kr)), expected \(hex(c.expected))")
            }
        }

        // The clock may tick slower than the writes above: poll (yielding)
        // until it moves, but not forever.
        var polls = 0
        repeat {
            polls += 1
            if ledger.read() == nil || ledger.advanced { break }
            _ = swtch()
        } while polls < 100_000

        for kr in ledger.failures { fail("sm_host_uptime returned \(hex(kr))") }
        if let t = ledger.last, ledger.readings.count >= 2 {
            console.line("hello: uptime #2 \(t.text) after \(polls) reading(s)")
        }
        if ledger.advanced, let a = ledger.first, let b = ledger.last {
            console.line("hello: time advanced by \(b.nanoseconds - a.nanoseconds) ns")
        } else {
            fail("uptime did not advance")
        }

        if failures != 0 {
            console.line("hello: \(failures) failure(s)")
            exit(1)
        }
        console.line("hello: MIG round trip ok")
        exit(serve(console))
    }

    /// Registers the device and serves it; returns an exit status.
    static func serve(_ console: Console) -> Int32 {
        guard let set = PortSet.allocate(), let registered = ReceiveRight.allocate() else {
            console.line("hello: FAIL no ports for the device")
            return 1
        }
        var kr = registered.join(set.name)
        if kr == KERN_SUCCESS {
            kr = DeviceRegistry.register("\(HelloDevice.name)", port: registered.name)
        }
        guard kr == KERN_SUCCESS else {
            console.line("hello: FAIL registering the device: \(hex(kr))")
            return 1
        }
        console.line("hello: serving device \"\(HelloDevice.name)\" on port \(registered.name.raw)")
        let device = HelloDevice(set: set.name, registered: registered)
        DeviceServer.driver = device
        Notifications.onNoSenders = { port, _ in device.opens.forget(port) }
        var loop = ReceiveLoop(set: set,
                               interfaces: [DeviceServer.interface, Notifications.interface])
        loop.maxRequestSize = DeviceServer.maxRequestSize
        let mr = loop.run()
        console.line("hello: receive loop ended: \(hex(mr))")
        return 1
    }
}
