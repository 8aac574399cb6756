// MessageEvents.swift - messages that are events, not requests: a
// receive loop hands a message on a listened-to port straight to its
// handler, builds no reply and then destroys whatever the message carried.
//
// For ports only the kernel sends to, such as a virtio device's interrupt
// port (VirtioDevice.listenForInterrupts): the handler checks the message
// itself (id and size), since nothing has been unpacked for it.

import CMach

public enum MessageEvents {
    /// The ports listened to and, at the same index, their handlers; a few
    /// per server, so a scan is the lookup.  The ports are an array of
    /// their own: every message the loop receives is looked up here, and
    /// a scan over (port, handler) pairs would copy, so retain and release,
    /// each handler it passes.
    nonisolated(unsafe) static var ports: [PortName] = []
    nonisolated(unsafe) static var handlers: [(UnsafeMutablePointer<mach_msg_header_t>) -> Void] = []

    /// From now on every message arriving on `port` (a member of the set a
    /// ReceiveLoop serves, or its port) calls `handler` with the message.
    public static func listen(on port: PortName,
                              _ handler: @escaping (UnsafeMutablePointer<mach_msg_header_t>) -> Void) {
        ports.append(port)
        handlers.append(handler)
    }

    /// Messages on `port` are requests again (for a port being destroyed).
    public static func stopListening(on port: PortName) {
        while let i = ports.firstIndex(of: port) {
            ports.remove(at: i)
            handlers.remove(at: i)
        }
    }

    static func handler(for port: PortName) -> ((UnsafeMutablePointer<mach_msg_header_t>) -> Void)? {
        // A plain loop over the raw names: firstIndex(of:) is a generic
        // call through Equatable on every message.
        let raw = port.raw
        var i = 0
        while i < ports.count {
            if ports[i].raw == raw { return handlers[i] }
            i += 1
        }
        return nil
    }
}
