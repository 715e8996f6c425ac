// SPDX-License-Identifier: Apache-2.0
import CSocketBatch
import Glibc

/// The CPUs a thread may run on (Linux `sched_getaffinity`/`sched_setaffinity`, which act on the
/// calling thread alone).
public enum CPUAffinity {
    /// The CPUs the calling thread may run on, ascending; empty if the kernel would not say.
    /// Threads start with their creator's set, so on the main thread at start-up this is the
    /// process's: what a cpuset, `taskset` or systemd's `CPUAffinity=` allowed.
    public static func current() -> [Int] {
        var cpus = [Int32](repeating: 0, count: 1024)  // glibc's CPU_SETSIZE
        let count = vpcdns_thread_cpus(&cpus, Int32(cpus.count))
        return count > 0 ? cpus.prefix(Int(count)).map(Int.init) : []
    }

    /// Lets the calling thread run only on `cpus`.
    /// - Throws: `EventIOError` when the kernel refuses (a CPU outside the cpuset, or none at all).
    public static func pin(to cpus: [Int]) throws(EventIOError) {
        let list = cpus.map { Int32(clamping: $0) }
        guard vpcdns_pin_thread(list, Int32(list.count)) == 0 else {
            throw EventIOError(call: "sched_setaffinity", errno: errno)
        }
    }
}
