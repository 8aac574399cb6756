// BatchedKick.swift - one device notification per batch of requests.
//
// Every notification is a write to the device's notify register: a trap
// into the kernel and an exit into the device (under QEMU, the device
// model then walks the ring at once).  A server that receives requests
// back to back (a client with many in flight) should notify once for all
// of them: `kickWhenIdle` puts the decision off until the receive loop
// finds no message waiting (Mach's WhenIdle).  With VIRTIO_F_EVENT_IDX the
// device may still say it needs no notification (2.7.10); that decision is
// kickIfNeeded's, made then.

import Mach

extension Virtqueue {
    /// Notifies the device, if it wants it, once the server has no request
    /// waiting.  Chains submitted before then are covered by the same
    /// notification.
    public func kickWhenIdle() {
        guard !kickQueued else { return }
        kickQueued = true
        WhenIdle.add {
            self.kickQueued = false
            self.kickIfNeeded()
        }
    }

    /// For chains submitted while handling one message: notifies at once
    /// if the device had none of this queue's chains before them
    /// (`wasIdle`) and the last notification covered a single chain, else
    /// as `kickWhenIdle`.  Requests that come one at a time (one client
    /// waiting for each) are served fastest by an immediate kick: putting
    /// it off costs a receive that finds nothing (a trap) first.  Requests
    /// that come in bursts (many in flight; a device that finishes at once
    /// leaves the queue idle between bursts) share one kick; the size of
    /// the last batch says which case this is, and a wrong guess costs one
    /// notification or one receive, after which the batch size corrects it.
    public func kickSoon(wasIdle: Bool) {
        if wasIdle && lastBatch <= 1 { kickIfNeeded() } else { kickWhenIdle() }
    }
}
