// Stats.swift - NET_GET_STATS and NET_SET_STATS_RESET (include/sm/net_stats.h).

import Mach
import Virtio
import CNet

extension Nic {
    func getStatistics(_ flavor: dev_flavor_t, into out: UnsafeMutablePointer<Int32>,
                       count: inout Int) -> kern_return_t {
        guard flavor == dev_flavor_t(NET_GET_STATS) else {
            return interface.refuse("device_get_status", D_INVALID_OPERATION, "flavor \(hex(flavor))")
        }
        let c = interface.counters
        var s = net_stats()
        s.rx_frames = c.rxFrames
        s.rx_bytes = c.rxBytes
        s.rx_delivered = c.rxDelivered
        s.rx_no_filter = c.rxNoFilter
        s.rx_queue_full = c.rxQueueFull
        s.rx_bad = c.rxBad
        s.tx_frames = c.txFrames
        s.tx_bytes = c.txBytes
        s.tx_ring_full = hw.txRingFull
        s.tx_oversize = c.txOversize
        s.tx_backlog_hwm = hw.txBacklogHWM
        s.interrupts = hw.interrupts
        s.rx_refills = hw.rxRefills
        s.rx_kicks = hw.rxKicks
        s.tx_reclaimed = UInt32(truncatingIfNeeded: txQueue.stats.completed - hw.txReclaimedAtReset)
        s.link_changes = c.linkChanges
        s.link_up = interface.linkUp ? 1 : 0
        s.filters = UInt32(interface.filterCount)
        s.filters_pruned = c.filtersPruned
        s.errors = c.errors
        s.ctrl_commands = hw.controlCommands
        s.ctrl_failures = hw.controlFailures
        s.queue_size_rx = UInt32(rxQueue.size)
        s.queue_size_tx = UInt32(txQueue.size)
        s.mtu = UInt32(interface.mtu)
        s.modern = device.isModern ? 1 : 0
        s.tx_deferred = c.txDeferred
        s.tx_waiting_hwm = c.txWaitingHWM
        s.tx_dropped = c.txDropped
        s.tx_filtered = c.txFiltered
        s.tx_kicks = UInt32(truncatingIfNeeded: txQueue.stats.notifies - hw.txKicksAtReset)
        guard putStatusWords(s, into: out, count: &count) else {
            return interface.refuse("device_get_status", D_INVALID_SIZE,
                                    "room for \(count) words, \(MemoryLayout<net_stats>.size / 4) needed")
        }
        return D_SUCCESS
    }

    func resetStatistics() {
        interface.counters = NetCounters()
        hw = HardwareCounters()
        hw.txKicksAtReset = txQueue.stats.notifies
        hw.txReclaimedAtReset = txQueue.stats.completed
    }
}
