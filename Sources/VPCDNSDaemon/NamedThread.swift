// SPDX-License-Identifier: Apache-2.0
import CSocketBatch
import Foundation

/// Starts a thread whose name shows in `top -H`, `ps -L` and `/proc/PID/task/*/comm`: Foundation's
/// `Thread.name` does not reach the kernel on Linux, which keeps 15 characters of it.
func startThread(named name: String, _ body: @escaping @Sendable () -> Void) {
    let thread = Thread {
        _ = vpcdns_name_thread(name)
        body()
    }
    thread.name = name
    thread.start()
}
