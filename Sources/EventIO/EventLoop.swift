// SPDX-License-Identifier: Apache-2.0
internal import CLibevent

/// One libevent `event_base`. Not `Sendable`: a loop and everything registered on it stay on the
/// thread that runs it.
public final class EventLoop {
    let base: OpaquePointer
    /// A 64 KiB buffer for reads on this loop's thread (one datagram at a time), so no read allocates.
    let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 16)

    /// - Throws: `EventIOError` if libevent cannot create a base.
    public init() throws(EventIOError) {
        guard let base = event_base_new() else { throw EventIOError(call: "event_base_new") }
        self.base = base
    }

    deinit {
        event_base_free(base)
        scratch.deallocate()
    }

    /// Runs until `stop()` is called or no events remain.
    /// - Throws: `EventIOError` if the dispatch fails.
    public func run() throws(EventIOError) {
        guard event_base_dispatch(base) >= 0 else { throw EventIOError(call: "event_base_dispatch") }
    }

    /// Makes `run()` return after the current callbacks finish.
    public func stop() { event_base_loopbreak(base) }

    /// The libevent backend in use (e.g. "epoll").
    public var backend: String { String(cString: event_base_get_method(base)) }
}
