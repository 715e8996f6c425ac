// SPDX-License-Identifier: Apache-2.0
@testable import EventIO

// The tests read with recv(fd, …, 0): `Socket`'s descriptors are non-blocking (SOCK_NONBLOCK), and
// spelling MSG_DONTWAIT made a clean build fail to find it in files that do not import CSocketBatch
// (the Glibc header it comes from is attributed to whichever module loads it first).

extension EventLoop {
    /// Runs the loop until `done` holds (checked every millisecond), or for at most `seconds`
    /// instead of hanging the test. Returns whether `done` held.
    func run(until done: @escaping () -> Bool, seconds: Double = 5) throws -> Bool {
        var timedOut = false
        let check = try Timer(after: 0.001, repeats: true, on: self) { if done() { self.stop() } }
        let limit = try Timer(after: seconds, on: self) {
            timedOut = true
            self.stop()
        }
        try run()
        _ = (check, limit)
        return !timedOut
    }
}
