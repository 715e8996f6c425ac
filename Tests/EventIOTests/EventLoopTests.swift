// SPDX-License-Identifier: Apache-2.0
import Glibc
import Testing

@testable import EventIO

@Suite struct EventLoopTests {
    /// One loop runs a timer and a signal event: the timer raises SIGUSR1, the signal event stops
    /// the loop. Proves libevent is linked and callbacks reach Swift.
    @Test func timerThenSignal() throws {
        let loop = try EventLoop()
        var fired: [String] = []
        let signal = try SignalWatcher(SIGUSR1, on: loop) {
            fired.append("signal")
            loop.stop()
        }
        let timer = try Timer(after: 0.01, on: loop) {
            fired.append("timer")
            kill(getpid(), SIGUSR1)  // process-directed: any thread not blocking it takes it
        }
        // A safety net so a broken signal path fails the test instead of hanging it.
        let guardTimer = try Timer(after: 5, on: loop) {
            fired.append("timeout")
            loop.stop()
        }
        try loop.run()
        #expect(fired == ["timer", "signal"])
        _ = (signal, timer, guardTimer)
        #expect(!loop.backend.isEmpty)
    }

    @Test func repeatingTimerAndCancel() throws {
        let loop = try EventLoop()
        var count = 0
        var repeating: Timer?
        repeating = try Timer(after: 0.001, repeats: true, on: loop) {
            count += 1
            if count == 3 {
                repeating?.cancel()
                loop.stop()
            }
        }
        try loop.run()
        #expect(count == 3)
    }

    /// Runs `loop` for three timer ticks, one a turn, calling `tick(n)` in each (n from 1); the
    /// third stops the loop. Fails the test if the loop runs for 5 s.
    private func runThreeTicks(_ loop: EventLoop, _ tick: @escaping (Int) -> Void) throws {
        var ticks = 0
        let timer = try Timer(after: 0.001, repeats: true, on: loop) {
            ticks += 1
            tick(ticks)
            if ticks == 3 { loop.stop() }
        }
        let limit = try Timer(after: 5, on: loop) { loop.stop() }
        try loop.run()
        #expect(ticks == 3)
        _ = (timer, limit)
    }

    /// Hooks run after the callbacks of each turn that queued work, before the loop waits again,
    /// the last turn (the one that stopped the loop) too: queued replies are never left behind.
    /// Turns that queued nothing call no hooks.
    @Test func hooksRunAfterTurnsThatQueuedWork() throws {
        let loop = try EventLoop()
        var trace: [String] = []
        loop.afterEachTurn { trace.append("hook") }
        try runThreeTicks(loop) { tick in
            trace.append("tick")
            if tick != 2 { loop.queuedWork() }
        }
        #expect(trace == ["tick", "hook", "tick", "tick", "hook"])
    }

    /// A yield asked for in a turn comes once, after that turn's hooks; a turn that asks for none
    /// yields nothing.
    @Test func yieldsAtTheEndOfTurnsThatAskForIt() throws {
        let loop = try EventLoop()
        var trace: [String] = []
        loop.afterEachTurn { trace.append("hook, yields \(loop.yields)") }
        try runThreeTicks(loop) { tick in
            trace.append("tick, yields \(loop.yields)")
            loop.queuedWork()
            if tick == 1 {
                loop.yieldAtEndOfTurn()
                loop.yieldAtEndOfTurn()
            }
        }
        #expect(trace == ["tick, yields 0", "hook, yields 0", "tick, yields 1", "hook, yields 1", "tick, yields 1", "hook, yields 1"])
        #expect(loop.yields == 1)
    }
}
