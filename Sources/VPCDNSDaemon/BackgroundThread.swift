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
/// `check` every `checkInterval`, and a thread found runnable at two checks in a row having had
/// under a tenth of each interval on a CPU is starved: it is put back to normal priority, once,
/// until it ends. Runnable is what tells starved from blocked: a thread waiting on a lock (the
/// freeing thread contends for malloc's arenas with the next reload) gets little CPU too, and
/// raising it would only cost the workers.
final class BackgroundThread: Sendable {
    /// Seconds between checks, while any background thread runs.
    static let checkInterval = 0.5

    enum Check: Equatable {
        case running
        case finished
        /// It had `ranSeconds` on a CPU in the last interval, was runnable, and now runs at normal priority.
        case raised(ranSeconds: Double)
        /// It was starved but could not be raised (no CAP_SYS_NICE and RLIMIT_NICE under 20).
        case refused(ranSeconds: Double, errno: Int32)
    }

    private struct Progress {
        var tid: Int32
        /// Seconds it had run at the last check (or start).
        var ran: Double
        /// Checks in a row that found it starved.
        var starved = 0
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
            let tid = vpcdns_thread_id()
            var ran = 0.0
            var state = CChar(0)
            _ = vpcdns_thread_sched(tid, &ran, &state)
            thread.progress.withLock { $0 = Progress(tid: tid, ran: ran) }
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
            var ran = 0.0
            var state = CChar(0)
            guard vpcdns_thread_sched(current.tid, &ran, &state) == 0 else { return .running }
            let delta = ran - current.ran
            current.ran = ran
            defer { progress = current }
            current.starved = state == CChar(UInt8(ascii: "R")) && delta < interval / 10 ? current.starved + 1 : 0
            guard !current.raised, current.starved >= 2 else { return .running }
            current.raised = true
            return vpcdns_foreground_thread(current.tid) == 0
                ? .raised(ranSeconds: delta) : .refused(ranSeconds: delta, errno: errno)
        }
    }
}
