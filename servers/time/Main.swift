// Main.swift - the time server: the time policy, never the read path
// (docs/time.md).  At start it reads the CMOS real-time clock and steps
// UTC to it (sm_time_update); then it registers its privileged port with
// the kernel (sm_time_register: the host_priv time calls come to it),
// publishes a public port as the device "time-server" (a device_open gets
// a send right to it, for host_get_time and host_get_time64 by RPC) and
// serves both.  If it dies the time page runs on with what it last set.
// Module line: time [bench] (it needs the privileged host port and the
// device master port, which boot modules hold). With "bench" it first
// times now() from Swift and prints a `make bench` row.

import CTimeServer
import Mach

@_cdecl("main")
func timeServerMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var bench = false
    if let argv, argc > 1, let word = argv[1] {
        bench = strcmp(word, "bench") == 0
    }
    TimeServer.main(bench: bench)
    return 1
}

struct TimeServer {
    static let deviceName = "time-server"

    /// Times `now()` (the time page, from Swift) and prints the row
    /// tools/run-bench.sh collects.
    static func benchNow() {
        let n: UInt64 = 200_000
        var sink: UInt64 = 0
        let t0 = now(), c0 = sm_time_rdtsc()
        for _ in 0..<n { sink &+= now() }
        let c1 = sm_time_rdtsc(), t1 = now()
        print("bench: time_swift iterations=\(n) cycles=\((c1 - c0) / n) ns=\((t1 - t0) / n)")
        if sink == 0 { print("time: the clock did not move") }
    }

    static func main(bench: Bool) {
        if bench { benchNow() }
        let hostPriv = smrt_host_priv_port()
        guard hostPriv != 0 else {
            print("time: FAIL no privileged host port")
            exit(1)
        }
        TimePolicy.hostPriv = hostPriv
        setFromRTC(hostPriv)
        exit(serve(hostPriv))
    }

    static func setFromRTC(_ hostPriv: mach_port_t) {
        guard let rtc = RTCReading.read(hostPriv: hostPriv) else {
            print("time: the RTC could not be read; UTC stays where it is")
            return
        }
        guard let seconds = rtc.unixSeconds else {
            print("time: the RTC holds no valid date (status B \(hex(rtc.statusB))); UTC stays where it is")
            return
        }
        var old: Int64 = 0
        let kr = sm_time_update(hostPriv, Int32(SM_TIME_STEP), seconds * 1_000_000_000, 0, 0, &old)
        if kr == KERN_SUCCESS {
            print("time: UTC set from the RTC: \(seconds) s since 1970")
        } else {
            print("time: FAIL setting UTC from the RTC: \(hex(kr))")
        }
    }

    static func serve(_ hostPriv: mach_port_t) -> Int32 {
        guard let set = PortSet.allocate(), let privileged = ReceiveRight.allocate(),
              let publicPort = ReceiveRight.allocate() else {
            print("time: FAIL no ports")
            return 1
        }
        var kr = privileged.join(set.name)
        if kr == KERN_SUCCESS { kr = publicPort.join(set.name) }
        if kr == KERN_SUCCESS { kr = sm_time_register(hostPriv, privileged.name.raw) }
        guard kr == KERN_SUCCESS else {
            print("time: FAIL registering with the kernel: \(hex(kr))")
            return 1
        }
        TimePolicy.privilegedPort = privileged.name.raw
        kr = DeviceRegistry.register(deviceName, port: publicPort.name)
        guard kr == KERN_SUCCESS else {
            print("time: FAIL registering \"time-server\": \(hex(kr))")
            return 1
        }
        DeviceServer.driver = TimeServerDevice(publicPort: publicPort.name)
        _ = privileged.keep()
        _ = publicPort.keep()
        print("time: serving the time policy")
        var loop = ReceiveLoop(set: set, interfaces: [DeviceServer.interface] + TimeServerInterfaces.all)
        loop.maxRequestSize = DeviceServer.maxRequestSize
        let mr = loop.run()
        print("time: receive loop ended: \(hex(mr))")
        return 1
    }
}

/// The device "time-server": every open gets a send right to the one public
/// port (host_get_time and host_get_time64 by RPC); a close is a no-op.
final class TimeServerDevice: DeviceDriver {
    let publicPort: PortName

    init(publicPort: PortName) { self.publicPort = publicPort }

    func open(mode: dev_mode_t, name: UnsafePointer<CChar>, port: inout PortName) -> kern_return_t {
        port = publicPort
        return D_SUCCESS
    }

    func close(_ device: mach_port_t) -> kern_return_t { D_SUCCESS }
}
