// NetInterface.swift - the network-device class: everything of GNU Mach's
// network device interface that is not about the hardware, so that a NIC
// driver fills in only how to transmit a frame and how to change its
// receive mode.
//
// One NetInterface per NIC ("eth0", ...).  It keeps the clients' filters
// (device_set_filter: checked by NetFilter, ordered by priority, removed
// when the kernel says their port died), hands every received frame to the
// NETF_IN filters and every written one to the NETF_OUT filters
// (NetDelivery.swift: net_rcv_msg with a zero send timeout), answers
// NET_STATUS / NET_ADDRESS / NET_FLAGS, checks device_write's frames and
// counts what happens (the driver adds its own counters).  The driver
// calls `received(frame:)` for each frame the device gives it, passes its
// transmit function to `write` and `transmitWaiting` (NetWrites.swift)
// and sets `linkUp` on configuration changes.

import CMach

/// Counters the interface keeps; the driver keeps the hardware ones.
public struct NetCounters {
    public var rxFrames: UInt32 = 0, rxBytes: UInt32 = 0, rxDelivered: UInt32 = 0
    public var rxNoFilter: UInt32 = 0, rxQueueFull: UInt32 = 0, rxBad: UInt32 = 0
    public var txFrames: UInt32 = 0, txBytes: UInt32 = 0, txOversize: UInt32 = 0
    public var txDeferred: UInt32 = 0, txDropped: UInt32 = 0, txWaitingHWM: UInt32 = 0
    public var linkChanges: UInt32 = 0, filtersPruned: UInt32 = 0, errors: UInt32 = 0
    /// Written frames delivered to NETF_OUT filters.
    public var txFiltered: UInt32 = 0
    public init() {}
}

/// One client's filter: where matching frames go (a send right we hold),
/// its priority and program.
final class FilterEntry {
    let port: PortName
    let priority: Int32
    let filter: NetFilter
    init(port: PortName, priority: Int32, filter: NetFilter) {
        self.port = port
        self.priority = priority
        self.filter = filter
    }
}

public final class NetInterface {
    public let name: String
    /// The station address, 6 bytes.
    public var mac: [UInt8]
    /// Largest payload (the Ethernet MTU; frames are MTU + 14 at most).
    public var mtu: Int
    /// Link state; set by the driver (logged and counted on change).
    public var linkUp = true {
        didSet {
            guard linkUp != oldValue else { return }
            counters.linkChanges += 1
            print("net: \(name): link \(linkUp ? "up" : "down")")
        }
    }
    /// IFF_PROMISC / IFF_ALLMULTI as last set through NET_FLAGS.
    public private(set) var receiveFlags: Int32 = 0
    public var counters = NetCounters()
    var filters: [FilterEntry] = []
    /// Filters with NETF_OUT: while there are none, a write costs no
    /// filter run.
    var outgoingFilters = 0
    /// Where the kernel's dead-name notifications for the filters' ports
    /// go: a receive right in the set the server's loop serves (the driver
    /// sets it).  A filter whose client died is then removed at once, not
    /// when a frame it accepts finds its port gone.
    public var deadNamePort: PortName = .null
    public var complaints = LogLimiter(burst: 40, every: 500)
    let delivery = NetDelivery()

    /// Writes whose frame waits for a DMA buffer, oldest first; their
    /// replies go once the frame is in DMA memory (NetWrites.swift).
    var waitingWrites: [WaitingWrite] = []
    /// Most writes that wait; beyond, a frame is dropped (counted) and its
    /// write answered at once, since a client must never see it fail.
    public var maxWaitingWrites = 256
    /// Applies IFF_PROMISC / IFF_ALLMULTI; returns D_SUCCESS or why not.
    public var applyReceiveFlags: (Int32) -> kern_return_t = { _ in D_INVALID_OPERATION }

    public static let ethernetHeader = 14
    public static let minimumFrame = 60                 // without the FCS
    /// Filters at once on one interface (a client's second filter for the
    /// same port replaces its first).
    public static let maxFilters = 64

    public init(name: String, mac: [UInt8], mtu: Int) {
        self.name = name
        self.mac = mac
        self.mtu = mtu
        // One name may carry filters on several interfaces (a client's
        // port on eth0 and eth1), so a death is told to each.
        NetInterface.all.append(self)
        Notifications.onDeadName = { name in
            for i in NetInterface.all { i.portDied(name) }
        }
    }

    /// Every interface of the task (they live as long as it does).
    nonisolated(unsafe) static var all: [NetInterface] = []

    public var filterCount: Int { filters.count }
    public var maxFrame: Int { mtu + NetInterface.ethernetHeader }

    /// Logs (rate limited) and counts a refused request; returns `code`.
    public func refuse(_ routine: StaticString, _ code: kern_return_t, _ why: String) -> kern_return_t {
        counters.errors += 1
        if complaints.allow() { print("net: \(name): \(routine): \(why): \(hex(code))") }
        return code
    }

    // MARK: device_set_filter

    /// Checks and installs a filter sending to `port` (a send right that
    /// becomes ours on D_SUCCESS).  A second filter for the same port
    /// replaces the first (the old right is released).
    public func setFilter(port: PortName, priority: Int32, words: UnsafeBufferPointer<UInt16>) -> kern_return_t {
        guard port != .null else { return refuse("device_set_filter", D_INVALID_OPERATION, "no port") }
        guard priority >= 0 && priority <= 255 else {
            return refuse("device_set_filter", D_INVALID_OPERATION, "priority \(priority)")
        }
        let f: NetFilter
        do throws(FilterRejection) {
            f = try NetFilter.compile(words)
        } catch {
            return refuse("device_set_filter", D_INVALID_OPERATION, error.why)
        }
        if let i = filters.firstIndex(where: { $0.port == port }) {
            let old = filters.remove(at: i)
            _ = mach_port_deallocate(smrt_task_port(), old.port.raw)
        } else if filters.count >= NetInterface.maxFilters {
            // Every frame runs every filter: their number is bounded.
            return refuse("device_set_filter", D_NO_MEMORY, "\(filters.count) filters already")
        }
        // Highest priority first; among equals, the older filter first.
        let entry = FilterEntry(port: port, priority: priority, filter: f)
        let at = filters.firstIndex(where: { $0.priority < priority }) ?? filters.count
        filters.insert(entry, at: at)
        filtersChanged()
        if deadNamePort.isValid {
            let kr = Notifications.requestDeadName(port, notify: deadNamePort)
            if kr != KERN_SUCCESS && complaints.allow() {
                print("net: \(name): no dead-name notification for port \(port.raw) (\(hex(kr))); " +
                      "its filter goes when a delivery fails")
            }
        }
        return D_SUCCESS
    }

    func filtersChanged() {
        outgoingFilters = 0
        for e in filters where e.filter.wantsOutgoing { outgoingFilters += 1 }
    }

    /// Drops the filter at `i` and our right to its port.
    func prune(_ i: Int, _ why: String) {
        let e = filters.remove(at: i)
        filtersChanged()
        counters.filtersPruned += 1
        _ = mach_port_deallocate(smrt_task_port(), e.port.raw)
        if complaints.allow() { print("net: \(name): filter for port \(e.port.raw) removed: \(why)") }
    }

    /// The kernel says `port` died: its filter (if it has one here) goes.
    func portDied(_ port: PortName) {
        if let i = filters.firstIndex(where: { $0.port == port }) { prune(i, "its port died") }
    }

    // MARK: device_get_status / device_set_status

    /// Flags as NET_STATUS reports them.
    public var interfaceFlags: Int32 {
        var f = Int32(NET_IFF_UP | NET_IFF_BROADCAST | NET_IFF_MULTICAST) | receiveFlags
        if linkUp { f |= Int32(NET_IFF_RUNNING) }
        return f
    }

    /// NET_STATUS, NET_ADDRESS, NET_FLAGS; nil for a flavor that is not
    /// the interface's (the driver may know it).
    public func getStatus(_ flavor: dev_flavor_t, into out: UnsafeMutablePointer<Int32>,
                          count: inout Int) -> kern_return_t? {
        let words: [Int32]
        switch flavor {
        case dev_flavor_t(NET_STATUS):
            words = [Int32(NetInterface.minimumFrame), Int32(maxFrame), Int32(HDR_ETHERNET),
                     Int32(NetInterface.ethernetHeader), 6, interfaceFlags, 0]
        case dev_flavor_t(NET_ADDRESS):
            let w0 = UInt32(mac[0]) << 24 | UInt32(mac[1]) << 16 | UInt32(mac[2]) << 8 | UInt32(mac[3])
            let w1 = UInt32(mac[4]) << 24 | UInt32(mac[5]) << 16
            words = [Int32(bitPattern: w0), Int32(bitPattern: w1)]
        case dev_flavor_t(NET_FLAGS):
            words = [interfaceFlags]
        default:
            return nil
        }
        guard count >= words.count else {
            return refuse("device_get_status", D_INVALID_SIZE, "room for \(count) words, \(words.count) needed")
        }
        for (i, w) in words.enumerated() { out[i] = w }
        count = words.count
        return D_SUCCESS
    }

    /// NET_FLAGS; nil for a flavor that is not the interface's.
    public func setStatus(_ flavor: dev_flavor_t, _ words: UnsafeBufferPointer<Int32>) -> kern_return_t? {
        guard flavor == dev_flavor_t(NET_FLAGS) else { return nil }
        guard words.count == 1 else {
            return refuse("device_set_status", D_INVALID_SIZE, "NET_FLAGS with \(words.count) words")
        }
        let wanted = words[0] & Int32(NET_IFF_PROMISC | NET_IFF_ALLMULTI)
        if wanted == receiveFlags { return D_SUCCESS }
        let code = applyReceiveFlags(wanted)
        if code == D_SUCCESS {
            receiveFlags = wanted
        } else {
            _ = refuse("device_set_status", code, "NET_FLAGS \(hex(UInt32(bitPattern: wanted)))")
        }
        return code
    }
}
