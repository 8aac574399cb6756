// Port.swift - port names and the rights behind them.

import CMach

/// A name in this task's port space, as mach_msg and the MIG stubs take it.
/// A name is not a right: copying a PortName copies nothing in the kernel
/// and dropping one releases nothing.  ReceiveRight and SendRight own
/// rights and lend their names to calls.
@frozen
public struct PortName: Equatable {
    public let raw: mach_port_t

    @inlinable
    public init(_ raw: mach_port_t) { self.raw = raw }

    public static var null: PortName { PortName(0) }
    public static var dead: PortName { PortName(MACH_PORT_DEAD) }

    /// Neither MACH_PORT_NULL nor MACH_PORT_DEAD.
    public var isValid: Bool { raw != 0 && raw != MACH_PORT_DEAD }

    /// A send right to the host port (mach_host_self), cached by the runtime.
    public static var host: PortName { PortName(smrt_host_port()) }
    /// The privileged host port: name 1 in boot tasks, null in any other.
    public static var hostPrivileged: PortName { PortName(smrt_host_priv_port()) }
    /// A send right to this task's own port, cached by the runtime.
    public static var task: PortName { PortName(smrt_task_port()) }
    /// A send right to the device master port: name 2 in every boot task.
    public static var deviceMaster: PortName { PortName(2) }
}

/// Gives up one reference to `name`'s right of kind `right`
/// (MACH_PORT_RIGHT_*): a receive right or port set is destroyed (senders
/// see a dead name), a send or send-once right is deallocated.
func releaseRight(_ name: PortName, _ right: Int32) -> kern_return_t {
    guard name.isValid else { return KERN_SUCCESS }
    if right == MACH_PORT_RIGHT_SEND {
        return mach_port_deallocate(smrt_task_port(), name.raw)
    }
    return mach_port_mod_refs(smrt_task_port(), name.raw, mach_port_right_t(right), -1)
}

/// The receive right of a port this task serves.  Noncopyable: exactly one
/// value owns the right.  It is destroyed (the port dies, senders see a
/// dead name) when the value is dropped or `destroy()` is called;
/// `keep()` hands the bare name back and gives up that ownership, for
/// ports meant to live as long as the task.
@frozen
public struct ReceiveRight: ~Copyable {
    public let name: PortName

    /// Takes ownership of a receive right this task already holds.
    public init(adopting name: PortName) { self.name = name }

    /// A new port with its receive right (mach_port_allocate).
    public static func allocate() -> ReceiveRight? {
        var raw = mach_port_t(0)
        let kr = mach_port_allocate(smrt_task_port(),
                                    mach_port_right_t(MACH_PORT_RIGHT_RECEIVE), &raw)
        return kr == KERN_SUCCESS ? ReceiveRight(adopting: PortName(raw)) : nil
    }

    /// Moves the port into the port set `set` (out of any other), so a
    /// receive on the set takes its messages; `.null` takes it out.
    public func join(_ set: PortName) -> kern_return_t {
        mach_port_move_member(smrt_task_port(), name.raw, set.raw)
    }

    deinit {
        _ = releaseRight(name, MACH_PORT_RIGHT_RECEIVE)
    }

    /// Destroys the port now; returns the kernel's answer.
    public consuming func destroy() -> kern_return_t {
        let kr = releaseRight(name, MACH_PORT_RIGHT_RECEIVE)
        discard self
        return kr
    }

    /// Gives up ownership without destroying anything: the port lives until
    /// the task ends (or someone destroys the name).
    public consuming func keep() -> PortName {
        let n = name
        discard self
        return n
    }
}

/// A send right (one user reference) to someone else's port, for example a
/// device port from device_open.  Noncopyable; the reference is
/// deallocated when the value is dropped or `deallocate()` is called.
@frozen
public struct SendRight: ~Copyable {
    public let name: PortName

    /// Takes ownership of one user reference this task already holds.
    public init(adopting name: PortName) { self.name = name }

    deinit {
        _ = releaseRight(name, MACH_PORT_RIGHT_SEND)
    }

    public consuming func deallocate() -> kern_return_t {
        let kr = releaseRight(name, MACH_PORT_RIGHT_SEND)
        discard self
        return kr
    }

    /// Gives up ownership: the reference stays with the task.
    public consuming func keep() -> PortName {
        let n = name
        discard self
        return n
    }
}

/// A port set: one name to receive on for the messages of all its member
/// ports (ReceiveRight.join).  Noncopyable; dropping it or `destroy()`
/// destroys the set (the members stay, outside any set).
@frozen
public struct PortSet: ~Copyable {
    public let name: PortName

    public init(adopting name: PortName) { self.name = name }

    /// A new, empty port set (mach_port_allocate).
    public static func allocate() -> PortSet? {
        var raw = mach_port_t(0)
        let kr = mach_port_allocate(smrt_task_port(),
                                    mach_port_right_t(MACH_PORT_RIGHT_PORT_SET), &raw)
        return kr == KERN_SUCCESS ? PortSet(adopting: PortName(raw)) : nil
    }

    deinit { _ = releaseRight(name, MACH_PORT_RIGHT_PORT_SET) }

    public consuming func destroy() -> kern_return_t {
        let kr = releaseRight(name, MACH_PORT_RIGHT_PORT_SET)
        discard self
        return kr
    }
}
