// SPDX-License-Identifier: Apache-2.0
internal import CLibevent
import Glibc

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

    /// Called after a turn's callbacks, before the loop waits again (`afterEachTurn`).
    private var turnHooks: [() -> Void] = []
    /// Set by `queuedWork()`: the hooks have something to do at the end of this turn.
    private var workQueued = false
    /// Set by `yieldAtEndOfTurn()`.
    private var yieldQueued = false
    /// Times the loop gave up the CPU at the end of a turn (`yieldAtEndOfTurn()`).
    public private(set) var yields = 0

    /// Runs until `stop()` is called or no events remain. One turn waits for events, runs their
    /// callbacks, then the `afterEachTurn` hooks.
    /// - Throws: `EventIOError` if the dispatch fails.
    public func run() throws(EventIOError) {
        while true {
            let result = event_base_loop(base, EVLOOP_ONCE)
            if workQueued {
                workQueued = false
                for hook in turnHooks { hook() }
            }
            if yieldQueued {
                yieldQueued = false
                yields += 1
                sched_yield()
            }
            guard result >= 0 else { throw EventIOError(call: "event_base_loop") }
            // 1: no events left. A break (`stop()`, always called from a callback on this thread)
            // is only visible until the next turn starts.
            if result == 1 || event_base_got_break(base) != 0 { return }
        }
    }

    /// Calls `hook` after the callbacks of every turn that `queuedWork()` was called in, before the
    /// loop waits again: where work that callbacks queued (replies, sends) goes out together.
    public func afterEachTurn(_ hook: @escaping () -> Void) { turnHooks.append(hook) }

    /// Says that something was queued for the `afterEachTurn` hooks in this turn. (Turns without
    /// any, nearly all at low rates, then cost no hook calls.)
    public func queuedWork() { workQueued = true }

    /// Gives up the CPU (`sched_yield`) at the end of this turn, after its hooks have sent what the
    /// turn queued, before the loop waits again: for a thread whose reply has just woken a client on
    /// the same core (`UDPServer.yieldAfterLoneReply`), so the client runs now rather than once this
    /// thread sleeps.
    public func yieldAtEndOfTurn() { yieldQueued = true }

    /// Makes `run()` return after the current callbacks finish.
    public func stop() { event_base_loopbreak(base) }

    /// The libevent backend in use (e.g. "epoll").
    public var backend: String { String(cString: event_base_get_method(base)) }
}
