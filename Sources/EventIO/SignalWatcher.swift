// SPDX-License-Identifier: Apache-2.0
internal import CLibevent

/// Delivers a Unix signal as an ordinary loop callback (libevent's self-pipe): no Swift code runs in
/// signal context.
public final class SignalWatcher {
    private let onSignal: () -> Void
    private var event: OpaquePointer?

    /// - Throws: `EventIOError` if libevent refuses the event.
    public init(_ signal: Int32, on loop: EventLoop, _ onSignal: @escaping () -> Void) throws(EventIOError) {
        self.onSignal = onSignal
        // Unretained is safe: deinit frees `event` before `self` goes away.
        let context = Unmanaged.passUnretained(self).toOpaque()
        event = event_new(loop.base, signal, Int16(EV_SIGNAL | EV_PERSIST), { _, _, context in
            guard let context else { preconditionFailure("libevent passed a nil context") }
            Unmanaged<SignalWatcher>.fromOpaque(context).takeUnretainedValue().onSignal()
        }, context)
        guard let event, event_add(event, nil) == 0 else { throw EventIOError(call: "event_new/event_add") }
    }

    deinit { if let event { event_free(event) } }
}
