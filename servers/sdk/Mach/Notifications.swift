// Notifications.swift - Mach notifications (notify.defs, ids 64-77) served
// by a receive loop, so that a server learns when the last client of one of
// its ports has gone (no-senders).

import CMach

let notifyNoSenders: mach_msg_id_t = 64 + 6      // MACH_NOTIFY_NO_SENDERS
let notifyDeadName: mach_msg_id_t = 64 + 8       // MACH_NOTIFY_DEAD_NAME

/// What a loop does with the kernel's notifications.  Add
/// `Notifications.interface` to a ReceiveLoop's interfaces and set
/// `onNoSenders`; ask for the notification with
/// `ReceiveRight.requestNoSenders()`.  No-senders calls the handler with the
/// port that lost its last send right and its make-send count; a dead-name
/// notification (asked for with `requestDeadName`) calls `onDeadName` with
/// the name, which lets go of its own references, then gives back the
/// reference the notification holds; any other
/// notification is destroyed with the rights it carries.  Notifications get
/// no reply.  A client can forge one (any message id on a port it can send
/// to): a no-senders notification counts only if the port has no send
/// rights, a dead-name one only if the name is a dead name.
public enum Notifications {
    nonisolated(unsafe) public static var onNoSenders: ((PortName, mach_port_mscount_t) -> Void)?
    /// A send right of ours died (the name is a dead name now).
    nonisolated(unsafe) public static var onDeadName: ((PortName) -> Void)?

    /// Asks for a dead-name notification to `notify` (a receive right in
    /// the loop's set) when the port `name` (a send right of ours) dies.
    /// A name already dead is reported at once.  An earlier request for
    /// the same name is replaced.
    public static func requestDeadName(_ name: PortName, notify: PortName) -> kern_return_t {
        var previous = mach_port_t(0)
        let kr = mach_port_request_notification(
            smrt_task_port(), name.raw, notifyDeadName, 0, notify.raw,
            mach_msg_type_name_t(MACH_MSG_TYPE_MAKE_SEND_ONCE), &previous)
        if kr == KERN_SUCCESS && PortName(previous).isValid {
            _ = mach_port_deallocate(smrt_task_port(), previous)    // the old request's right
        }
        return kr
    }

    /// The demux for ReceiveLoop (notifications have no large replies).
    public static var interface: MIGInterface {
        MIGInterface(demux: notificationDemux, maxReplySize: MemoryLayout<mig_reply_header_t>.size)
    }
}

/// Written as a MIG demux: returns false for ids outside notify.defs and
/// for messages that did not come from the kernel (see below), and answers
/// MIG_DESTROY_REQUEST otherwise: nothing is sent, and whatever the message
/// carries goes.
func notificationDemux(_ inP: UnsafeMutablePointer<mach_msg_header_t>?,
                       _ outP: UnsafeMutablePointer<mach_msg_header_t>?) -> boolean_t {
    guard let inP, let outP else { return 0 }
    let id = inP.pointee.msgh_id
    guard id >= 64 && id <= 77 else { return 0 }
    let size = Int(inP.pointee.msgh_size)
    let raw = UnsafeMutableRawPointer(inP)
    // Only the kernel sends notifications: through the send-once right the
    // request gave it, with no reply port.  A client can use these ids too,
    // through its send right; such a message is no notification (a forged
    // dead-name one would make the loop deallocate any name the client
    // picks, and the rights it carries would stay here for ever), so it is
    // left to the other interfaces, which refuse it and destroy its rights.
    let bits = raw.load(fromByteOffset: HeaderOffset.bits, as: UInt32.self)
    let reply = raw.load(fromByteOffset: HeaderOffset.remotePort, as: UInt32.self)
    guard (bits >> 8) & 0xff == UInt32(MACH_MSG_TYPE_MOVE_SEND_ONCE) && reply == 0 else { return 0 }
    // Both carry one 32-bit item after the header and a 4-byte type
    // descriptor: 32 bytes in all.
    let itemOffset = MemoryLayout<mach_msg_header_t>.size + 4, fullSize = itemOffset + 4
    let item = size >= fullSize ? raw.load(fromByteOffset: itemOffset, as: UInt32.self) : 0
    let local = PortName(raw.load(fromByteOffset: HeaderOffset.localPort, as: UInt32.self))
    let code = MIG_DESTROY_REQUEST
    // Anyone holding a send right to a port can send it a message that
    // looks like a notification, so each is checked against the state it
    // reports before anything is done.
    if size == fullSize && id == notifyNoSenders, let handler = Notifications.onNoSenders {
        if hasNoSenders(local, mscount: item) {
            handler(local, item)
        } else if forgeries.allow() {
            print("mach: a no-senders notification for port \(local.raw), which has senders, ignored")
        }
    } else if size == fullSize && id == notifyDeadName {
        if isDeadName(item) {
            Notifications.onDeadName?(PortName(item))
            _ = mach_port_deallocate(smrt_task_port(), item)
        } else if forgeries.allow() {
            print("mach: a dead-name notification for name \(item), which is no dead name, ignored")
        }
    }
    let out = UnsafeMutableRawPointer(outP)
    out.storeBytes(of: 0, toByteOffset: HeaderOffset.bits, as: UInt32.self)
    out.storeBytes(of: UInt32(MemoryLayout<mig_reply_header_t>.size), toByteOffset: HeaderOffset.size,
                   as: UInt32.self)
    out.storeBytes(of: 0, toByteOffset: HeaderOffset.remotePort, as: UInt32.self)   // no reply port
    out.storeBytes(of: 0, toByteOffset: HeaderOffset.localPort, as: UInt32.self)
    out.storeBytes(of: UInt32(bitPattern: id &+ 100), toByteOffset: HeaderOffset.id, as: UInt32.self)
    out.storeBytes(of: UInt32(bitPattern: code), toByteOffset: HeaderOffset.returnCode, as: UInt32.self)
    return 1
}

nonisolated(unsafe) var forgeries = LogLimiter()

/// The kernel's no-senders notification is true when it arrives: the port
/// has no send rights and has made no new ones since (`mscount`).
func hasNoSenders(_ port: PortName, mscount: UInt32) -> Bool {
    var status = mach_port_status_t()
    guard mach_port_get_receive_status(smrt_task_port(), port.raw, &status) == KERN_SUCCESS else {
        return false
    }
    return status.mps_srights == 0 && status.mps_mscount == mscount
}

/// Whether `name` is a dead name in this task (the only thing a dead-name
/// notification may make the task let go of).
func isDeadName(_ name: UInt32) -> Bool {
    var type = mach_port_type_t(0)
    guard mach_port_type(smrt_task_port(), name, &type) == KERN_SUCCESS else { return false }
    let deadName = mach_port_type_t(1) << (MACH_PORT_RIGHT_DEAD_NAME + 16)     // MACH_PORT_TYPE_DEAD_NAME
    return type & deadName != 0
}

extension ReceiveRight {
    /// Asks the kernel for a no-senders notification once this port has no
    /// send rights left after at least one was made (sync 1), sent to
    /// `notify` (default: this port itself, so the loop serving it sees it).
    public func requestNoSenders(to notify: PortName? = nil) -> kern_return_t {
        var previous = mach_port_t(0)
        let kr = mach_port_request_notification(
            smrt_task_port(), name.raw, notifyNoSenders, 1, (notify ?? name).raw,
            mach_msg_type_name_t(MACH_MSG_TYPE_MAKE_SEND_ONCE), &previous)
        if kr == KERN_SUCCESS && PortName(previous).isValid {
            _ = mach_port_deallocate(smrt_task_port(), previous)    // the old request's right
        }
        return kr
    }
}
