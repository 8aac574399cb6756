// DeviceHost.swift - the part of every device server that is not about
// its device: names behind the device master port, opens and their ports,
// device_close and no-senders, refusals with log lines, and the receive
// loop.  A driver writes a `ServedDevice` (what one device does with a
// read, a write, a status call) and hands its devices to a `DeviceHost`:
//
//     let host = DeviceHost<Rng>(set: set, logPrefix: "rng")
//     try host.publish(Rng(...))          // device_open("rng0") now works
//     host.run()                          // serves until the set dies
//
// One host serves block-like devices (records: DeviceIO.record, status
// flavors), character-like ones (a byte stream: the record is ignored)
// and network devices (device_write of frames, device_set_filter for the
// port that receives them) alike: each offers the routines it implements,
// and every other one is refused with D_INVALID_OPERATION and a log line.

import CMach

/// One device a server publishes; its routines get the open the request
/// came in on (checked: a port that is no open, or a closed open, never
/// reaches them).  Implement what the device offers; the defaults refuse.
public protocol ServedDevice: AnyObject {
    /// The name device_open asks for ("rng0", "vda").
    var name: String { get }
    /// The device_open modes accepted (others: D_INVALID_OPERATION).
    var openModes: dev_mode_t { get }
    /// Further checks before an open is made (a read-only disk refuses
    /// D_WRITE); D_SUCCESS lets it be made.
    func mayOpen(mode: dev_mode_t) -> kern_return_t
    /// An open was made, and one went (device_close, or its client let go
    /// of an open it had not closed): for the device's own counters.
    func opened(_ open: DeviceOpen<Self>)
    func closed(_ open: DeviceOpen<Self>)
    /// Requests an open's port queues before a client's send blocks
    /// (Mach's default is 5). A device that takes many requests at once
    /// raises it, so that a client with many in flight hands them over in
    /// batches instead of blocking after the fifth (docs/benchmarks.md,
    /// "Where the QD32 time goes, and the open's queue limit").
    var openQueueLimit: Int { get }
    /// Every request on one of this device's opens, closed or not, before
    /// it is checked (for a request counter).
    func requestArrived()
    /// The device.defs routines, as DeviceDriver's, for a live open.
    func read(_ io: DeviceIO, on open: DeviceOpen<Self>, wanted: Int32, data: inout io_buf_ptr_t?,
              count: inout mach_msg_type_number_t) -> kern_return_t
    func readInband(_ io: DeviceIO, on open: DeviceOpen<Self>, wanted: Int32,
                    into: UnsafeMutablePointer<UInt8>, count: inout Int) -> kern_return_t
    func write(_ io: DeviceIO, on open: DeviceOpen<Self>, data: io_buf_ptr_t?, count: mach_msg_type_number_t,
               written: inout Int32) -> kern_return_t
    func writeInband(_ io: DeviceIO, on open: DeviceOpen<Self>, data: UnsafeBufferPointer<UInt8>,
                     written: inout Int32) -> kern_return_t
    func getStatus(on open: DeviceOpen<Self>, flavor: dev_flavor_t, into: UnsafeMutablePointer<Int32>,
                   count: inout Int) -> kern_return_t
    func setStatus(on open: DeviceOpen<Self>, flavor: dev_flavor_t, words: UnsafeBufferPointer<Int32>) -> kern_return_t
    func setFilter(on open: DeviceOpen<Self>, receivePort: mach_port_t, priority: Int32,
                   filter: UnsafeBufferPointer<UInt16>) -> kern_return_t
    /// Logs why a request was refused and returns `code` (the default:
    /// "PREFIX: NAME: ROUTINE: WHY: D_CODE", rate limited).
    func refuse(_ routine: StaticString, _ code: kern_return_t, _ why: String) -> kern_return_t
}

/// Mach's queue limit of a new port (MACH_PORT_QLIMIT_DEFAULT).
public let machDefaultQueueLimit = Int(MACH_PORT_QLIMIT_DEFAULT)

extension ServedDevice {
    public var openModes: dev_mode_t { dev_mode_t(D_READ | D_WRITE | D_NODELAY | D_NOWAIT) }
    public func mayOpen(mode: dev_mode_t) -> kern_return_t { D_SUCCESS }
    public func opened(_ open: DeviceOpen<Self>) {}
    public func closed(_ open: DeviceOpen<Self>) {}
    public var openQueueLimit: Int { machDefaultQueueLimit }
    public func requestArrived() {}
    public func read(_ io: DeviceIO, on open: DeviceOpen<Self>, wanted: Int32, data: inout io_buf_ptr_t?,
                     count: inout mach_msg_type_number_t) -> kern_return_t {
        refuse("device_read", D_INVALID_OPERATION, "not offered")
    }
    public func readInband(_ io: DeviceIO, on open: DeviceOpen<Self>, wanted: Int32,
                           into: UnsafeMutablePointer<UInt8>, count: inout Int) -> kern_return_t {
        refuse("device_read_inband", D_INVALID_OPERATION, "not offered")
    }
    public func write(_ io: DeviceIO, on open: DeviceOpen<Self>, data: io_buf_ptr_t?,
                      count: mach_msg_type_number_t, written: inout Int32) -> kern_return_t {
        refuse("device_write", D_INVALID_OPERATION, "not offered")
    }
    public func writeInband(_ io: DeviceIO, on open: DeviceOpen<Self>, data: UnsafeBufferPointer<UInt8>,
                            written: inout Int32) -> kern_return_t {
        refuse("device_write_inband", D_INVALID_OPERATION, "not offered")
    }
    public func getStatus(on open: DeviceOpen<Self>, flavor: dev_flavor_t, into: UnsafeMutablePointer<Int32>,
                          count: inout Int) -> kern_return_t {
        refuse("device_get_status", D_INVALID_OPERATION, "flavor \(flavor) not offered")
    }
    public func setStatus(on open: DeviceOpen<Self>, flavor: dev_flavor_t,
                          words: UnsafeBufferPointer<Int32>) -> kern_return_t {
        refuse("device_set_status", D_INVALID_OPERATION, "flavor \(flavor) not offered")
    }
    public func setFilter(on open: DeviceOpen<Self>, receivePort: mach_port_t, priority: Int32,
                          filter: UnsafeBufferPointer<UInt16>) -> kern_return_t {
        refuse("device_set_filter", D_INVALID_OPERATION, "not offered")
    }
    public func refuse(_ routine: StaticString, _ code: kern_return_t, _ why: String) -> kern_return_t {
        if refusals.allow() { print("\(name): \(routine): \(why): \(deviceErrorName(code))") }
        return code
    }
}

nonisolated(unsafe) var refusals = LogLimiter(burst: 40, every: 200)

/// Serves the devices of one kind a task publishes; see the top of the file.
public final class DeviceHost<Device: ServedDevice>: DeviceDriver {
    public let set: PortName
    public let opens: OpenTable<Device>
    public private(set) var devices: [Device] = []
    let logPrefix: String
    var complaints = LogLimiter(burst: 40, every: 200)

    /// A host whose opens' ports join `set` (the set its loop serves): at
    /// most `openLimit` opens, closed ones kept as `closedOpens` says.
    public init(set: PortName, logPrefix: String, openLimit: Int = 256,
                closedOpens: ClosedOpens = .untilNoSenders) {
        self.set = set
        self.logPrefix = logPrefix
        opens = OpenTable(set: set, limit: openLimit, closedOpens: closedOpens)
    }

    /// Publishes `device` under its name behind the device master port:
    /// device_open for it then arrives on a port of ours, in the set.
    public func publish(_ device: Device) throws(MachError) {
        guard let right = ReceiveRight.allocate() else { throw MachError(KERN_RESOURCE_SHORTAGE) }
        try MachError.check(right.join(set))
        try MachError.check(DeviceRegistry.register(device.name, port: right.name))
        _ = right.keep()                    // serves device_open as long as the task lives
        devices.append(device)
    }

    /// Serves device.defs and the opens' no-senders notifications on the
    /// set until the set dies; returns why it ended.
    public func run(_ set: consuming PortSet) -> mach_msg_return_t {
        DeviceServer.driver = self
        Notifications.onNoSenders = { [self] port, _ in
            if let o = opens.forget(port), !o.closed { o.target.closed(o) }
        }
        var loop = ReceiveLoop(set: set, interfaces: [DeviceServer.interface, Notifications.interface])
        loop.maxRequestSize = DeviceServer.maxRequestSize
        loop.refusalCode = D_NO_MEMORY      // a request whose out-of-line data did not fit this task
        print("\(logPrefix): serving \(devices.map { $0.name }.joined(separator: " "))")
        let mr = loop.run()
        print("\(logPrefix): receive loop ended: \(hex(mr))")
        return mr
    }

    func device(named name: UnsafePointer<CChar>) -> Device? {
        for d in devices {
            let want = Array(d.name.utf8)
            var i = 0
            while i < want.count && UInt8(bitPattern: name[i]) == want[i] { i += 1 }
            if i == want.count && name[i] == 0 { return d }
        }
        return nil
    }

    /// The live open a request came in on, or nil (logged) for a port that
    /// is no open or a closed one.
    public func lookup(_ routine: StaticString, _ port: mach_port_t) -> DeviceOpen<Device>? {
        guard let o = opens.lookup(PortName(port)) else {
            if complaints.allow() { print("\(logPrefix): \(routine): port \(port) is no open device: D_NO_SUCH_DEVICE") }
            return nil
        }
        o.target.requestArrived()
        guard !o.closed else {
            _ = o.target.refuse(routine, D_NO_SUCH_DEVICE, "device is closed")
            return nil
        }
        return o
    }

    public func open(mode: dev_mode_t, name: UnsafePointer<CChar>, port: inout PortName) -> kern_return_t {
        guard let d = device(named: name) else {
            if complaints.allow() { print("\(logPrefix): device_open: no device of that name: D_NO_SUCH_DEVICE") }
            return D_NO_SUCH_DEVICE
        }
        guard mode & ~d.openModes == 0 else { return d.refuse("device_open", D_INVALID_OPERATION, "mode \(hex(mode))") }
        let kr = d.mayOpen(mode: mode)
        guard kr == D_SUCCESS else { return kr }
        do throws(OpenRefusal) {
            port = try opens.add(target: d, mode: mode)
        } catch {
            return d.refuse("device_open", error.code, error.why)
        }
        if d.openQueueLimit != machDefaultQueueLimit {
            let kr = mach_port_set_qlimit(smrt_task_port(), port.raw, mach_port_msgcount_t(d.openQueueLimit))
            if kr != KERN_SUCCESS { print("\(logPrefix): \(d.name): queue limit \(d.openQueueLimit) of an open not set: \(hex(kr))") }
        }
        if let o = opens.lookup(port) { d.opened(o) }
        return D_SUCCESS
    }

    public func close(_ device: mach_port_t) -> kern_return_t {
        guard let o = lookup("device_close", device) else { return D_NO_SUCH_DEVICE }
        opens.close(o)
        o.target.closed(o)
        return D_SUCCESS
    }

    public func read(_ io: DeviceIO, wanted: Int32, data: inout io_buf_ptr_t?,
                     count: inout mach_msg_type_number_t) -> kern_return_t {
        guard let o = lookup("device_read", io.device) else { return D_NO_SUCH_DEVICE }
        return o.target.read(io, on: o, wanted: wanted, data: &data, count: &count)
    }

    public func readInband(_ io: DeviceIO, wanted: Int32, into: UnsafeMutablePointer<UInt8>,
                           count: inout Int) -> kern_return_t {
        guard let o = lookup("device_read_inband", io.device) else { return D_NO_SUCH_DEVICE }
        return o.target.readInband(io, on: o, wanted: wanted, into: into, count: &count)
    }

    public func write(_ io: DeviceIO, data: io_buf_ptr_t?, count: mach_msg_type_number_t,
                      written: inout Int32) -> kern_return_t {
        guard let o = lookup("device_write", io.device) else { return D_NO_SUCH_DEVICE }
        return o.target.write(io, on: o, data: data, count: count, written: &written)
    }

    public func writeInband(_ io: DeviceIO, data: UnsafeBufferPointer<UInt8>, written: inout Int32) -> kern_return_t {
        guard let o = lookup("device_write_inband", io.device) else { return D_NO_SUCH_DEVICE }
        return o.target.writeInband(io, on: o, data: data, written: &written)
    }

    public func getStatus(_ device: mach_port_t, flavor: dev_flavor_t, into: UnsafeMutablePointer<Int32>,
                          count: inout Int) -> kern_return_t {
        guard let o = lookup("device_get_status", device) else { return D_NO_SUCH_DEVICE }
        return o.target.getStatus(on: o, flavor: flavor, into: into, count: &count)
    }

    public func setStatus(_ device: mach_port_t, flavor: dev_flavor_t, words: UnsafeBufferPointer<Int32>) -> kern_return_t {
        guard let o = lookup("device_set_status", device) else { return D_NO_SUCH_DEVICE }
        return o.target.setStatus(on: o, flavor: flavor, words: words)
    }

    public func setFilter(_ device: mach_port_t, receivePort: mach_port_t, priority: Int32,
                          filter: UnsafeBufferPointer<UInt16>) -> kern_return_t {
        guard let o = lookup("device_set_filter", device) else { return D_NO_SUCH_DEVICE }
        return o.target.setFilter(on: o, receivePort: receivePort, priority: priority, filter: filter)
    }

    public func unsupported(_ device: mach_port_t, routine: StaticString) -> kern_return_t {
        guard let o = lookup(routine, device) else { return D_NO_SUCH_DEVICE }
        return o.target.refuse(routine, D_INVALID_OPERATION, "not offered")
    }
}

/// The D_* name of a device return code, for log lines.
public func deviceErrorName(_ code: kern_return_t) -> String {
    switch code {
    case D_SUCCESS: return "D_SUCCESS"
    case D_IO_ERROR: return "D_IO_ERROR"
    case D_WOULD_BLOCK: return "D_WOULD_BLOCK"
    case D_NO_SUCH_DEVICE: return "D_NO_SUCH_DEVICE"
    case D_ALREADY_OPEN: return "D_ALREADY_OPEN"
    case D_DEVICE_DOWN: return "D_DEVICE_DOWN"
    case D_INVALID_OPERATION: return "D_INVALID_OPERATION"
    case D_INVALID_RECNUM: return "D_INVALID_RECNUM"
    case D_INVALID_SIZE: return "D_INVALID_SIZE"
    case D_NO_MEMORY: return "D_NO_MEMORY"
    case D_READ_ONLY: return "D_READ_ONLY"
    default: return hex(code)
    }
}
