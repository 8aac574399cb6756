// MessageEvents.swift - messages that are events, not requests: a
// receive loop hands a message on a listened-to port straight to its
// handler, builds no reply and then destroys whatever the message carried.
//
// For ports only the kernel sends to, such as a virtio device's interrupt
// port (VirtioDevice.listenForInterrupts): the handler checks the message
// itself (id and size), since nothing has been unpacked for it.

import CMach

public enum MessageEvents {
    /// The ports listened to and their handlers; a few per server, so a
    /// scan is the lookup.
    nonisolated(unsafe) static var listeners: [(port: PortName, handler: (UnsafeMutablePointer<mach_msg_header_t>) -> Void)] = []

    /// From now on every message arriving on `port` (a member of the set a
    /// ReceiveLoop serves, or its port) calls `handler` with the message.
    public static func listen(on port: PortName,
                              _ handler: @escaping (UnsafeMutablePointer<mach_msg_header_t>) -> Void) {
        listeners.append((port, handler))
    }

    /// Messages on `port` are requests again (for a port being destroyed).
    public static func stopListening(on port: PortName) {
        listeners.removeAll { $0.port == port }
    }

    static func handler(for port: PortName) -> ((UnsafeMutablePointer<mach_msg_header_t>) -> Void)? {
        for l in listeners where l.port == port { return l.handler }
        return nil
    }
}
