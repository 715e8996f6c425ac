// SPDX-License-Identifier: Apache-2.0
import CSocketBatch
import Glibc
import Synchronization

/// A thread for work that must not take CPU from the workers (building a snapshot on reload,
/// freeing the one it replaced) and yet must finish. It runs at idle priority (`SCHED_IDLE`, else
/// nice 19): a worker woken by a query preempts it at once, and with it a reload under load left the
/// p99 latency where it was (0.10–0.16 ms against 0.36–0.38 ms at normal priority, 5,000 QPS). But
/// an idle thread's weight is 3 against a normal thread's 1,024: on a machine busy with other
/// work it gets almost nothing, and a reload would wait for minutes. So the main loop calls
/// `check` every `checkInterval`, and a thread that got less than a tenth of that in CPU time is
/// put back to normal priority, once, from then until it ends.
final class BackgroundThread: Sendable {
    /// Seconds between checks, while any background thread runs.
    static let checkInterval = 0.5

    enum Check: Equatable {
        case running
        case finished
        /// It got `cpuSeconds` in the last interval and now runs at normal priority.
        case raised(cpuSeconds: Double)
        /// It was starved but could not be raised (no CAP_SYS_NICE and RLIMIT_NICE under 20).
        case refused(cpuSeconds: Double, errno: Int32)
    }

    private struct Progress {
        var tid: Int32
        var clock: clockid_t
        var cpuSeconds: Double
        var done = false
        var raised = false
    }

    let name: String
    /// nil until the thread has set itself up.
    private let progress = Mutex<Progress?>(nil)

    private init(name: String) { self.name = name }

    /// Starts `body` on a new thread named `name`, at idle priority.
    static func start(named name: String, _ body: @escaping @Sendable () -> Void) -> BackgroundThread {
        let thread = BackgroundThread(name: name)
        startThread(named: name) {
            _ = vpcdns_background_thread()
            var clock = clockid_t()
            _ = vpcdns_thread_clock(&clock)
            let started = Progress(tid: vpcdns_thread_id(), clock: clock, cpuSeconds: vpcdns_clock_seconds(clock))
            thread.progress.withLock { $0 = started }
            body()
            // Under the lock: once `check` has seen the thread not done, its id stays valid (the
            // thread cannot exit, and the id be reused, until the check lets go).
            thread.progress.withLock { $0?.done = true }
        }
        return thread
    }

    /// How the thread fared over the last `interval` seconds (called by one thread, the main loop's).
    func check(interval: Double) -> Check {
        progress.withLock { progress -> Check in
            guard var current = progress else { return .running }
            if current.done { return .finished }
            let now = vpcdns_clock_seconds(current.clock)
            guard now >= 0 else { return .running }
            let got = now - current.cpuSeconds
            current.cpuSeconds = now
            defer { progress = current }
            guard !current.raised, got < interval / 10 else { return .running }
            current.raised = true
            return vpcdns_foreground_thread(current.tid) == 0 ? .raised(cpuSeconds: got) : .refused(cpuSeconds: got, errno: errno)
        }
    }
}
