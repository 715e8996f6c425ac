// SPDX-License-Identifier: Apache-2.0
internal import CLibevent

/// A one-shot or repeating timer on a loop. Dropping the object cancels it.
public final class Timer {
    private let onFire: () -> Void
    private var event: OpaquePointer?
    private var interval: timeval

    /// - Parameters:
    ///   - seconds: delay until the first firing, and the period when `repeats` is set.
    ///   - onFire: runs on the loop's thread.
    /// - Throws: `EventIOError` if libevent refuses the event.
    public init(after seconds: Double, repeats: Bool = false, on loop: EventLoop, _ onFire: @escaping () -> Void)
        throws(EventIOError)
    {
        self.onFire = onFire
        let whole = seconds.rounded(.down)
        interval = timeval(tv_sec: Int(whole), tv_usec: Int((seconds - whole) * 1_000_000))
        // Unretained is safe: deinit frees the event before `self` goes away.
        let context = Unmanaged.passUnretained(self).toOpaque()
        let flags = Int16(repeats ? EV_PERSIST : 0)
        event = event_new(loop.base, -1, flags, { _, _, context in
            guard let context else { preconditionFailure("libevent passed a nil context") }
            Unmanaged<Timer>.fromOpaque(context).takeUnretainedValue().onFire()
        }, context)
        guard let event, event_add(event, &interval) == 0 else { throw EventIOError(call: "event_new/event_add") }
    }

    /// Stops the timer; it will not fire again.
    public func cancel() {
        if let event { event_del(event) }
    }

    deinit { if let event { event_free(event) } }
}
