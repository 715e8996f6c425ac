// SPDX-License-Identifier: Apache-2.0
@testable import EventIO

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
