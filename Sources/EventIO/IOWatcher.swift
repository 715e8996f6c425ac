// SPDX-License-Identifier: Apache-2.0
internal import CLibevent

/// Event bits libevent reports; an OptionSet because several arrive together.
public struct IOEvents: OptionSet, Sendable {
    public let rawValue: Int16
    public init(rawValue: Int16) { self.rawValue = rawValue }
    public static let timeout = IOEvents(rawValue: Int16(EV_TIMEOUT))
    public static let read = IOEvents(rawValue: Int16(EV_READ))
    public static let write = IOEvents(rawValue: Int16(EV_WRITE))
}

/// Calls back while a descriptor is readable (level-triggered, persistent). Dropping it stops the watch.
final class IOWatcher {
    private let onEvent: (IOEvents) -> Void
    private var event: OpaquePointer?

    init(fd: Int32, events: IOEvents, on loop: EventLoop, _ onEvent: @escaping (IOEvents) -> Void) throws(EventIOError) {
        self.onEvent = onEvent
        // Unretained is safe: deinit frees the event before `self` goes away.
        let context = Unmanaged.passUnretained(self).toOpaque()
        event = event_new(loop.base, fd, events.rawValue | Int16(EV_PERSIST), { _, what, context in
            guard let context else { preconditionFailure("libevent passed a nil context") }
            Unmanaged<IOWatcher>.fromOpaque(context).takeUnretainedValue().onEvent(IOEvents(rawValue: what))
        }, context)
        guard let event, event_add(event, nil) == 0 else { throw EventIOError(call: "event_new/event_add") }
    }

    func stop() {
        if let event { event_del(event) }
    }

    /// Runs the callback on the next loop turn as if the descriptor were readable.
    func activate() {
        if let event { event_active(event, Int32(EV_READ), 0) }
    }

    deinit { if let event { event_free(event) } }
}
