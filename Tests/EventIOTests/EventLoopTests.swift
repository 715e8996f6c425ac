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

    /// Hooks run after the callbacks of each turn that queued work, before the loop waits again,
    /// the last turn (the one that stopped the loop) too: queued replies are never left behind.
    /// Turns that queued nothing call no hooks.
    @Test func hooksRunAfterTurnsThatQueuedWork() throws {
        let loop = try EventLoop()
        var trace: [String] = []
        var ticks = 0
        loop.afterEachTurn { trace.append("hook") }
        let timer = try Timer(after: 0.001, repeats: true, on: loop) {
            ticks += 1
            trace.append("tick")
            if ticks != 2 { loop.queuedWork() }
            if ticks == 3 { loop.stop() }
        }
        let limit = try Timer(after: 5, on: loop) { loop.stop() }
        try loop.run()
        #expect(trace == ["tick", "hook", "tick", "tick", "hook"])
        _ = (timer, limit)
    }

    /// A yield asked for in a turn comes once, after that turn's hooks; a turn that asks for none
    /// yields nothing.
    @Test func yieldsAtTheEndOfTurnsThatAskForIt() throws {
        let loop = try EventLoop()
        var trace: [String] = []
        var ticks = 0
        loop.afterEachTurn { trace.append("hook, yields \(loop.yields)") }
        let timer = try Timer(after: 0.001, repeats: true, on: loop) {
            ticks += 1
            trace.append("tick, yields \(loop.yields)")
            loop.queuedWork()
            if ticks == 1 {
                loop.yieldAtEndOfTurn()
                loop.yieldAtEndOfTurn()
            }
            if ticks == 3 { loop.stop() }
        }
        let limit = try Timer(after: 5, on: loop) { loop.stop() }
        try loop.run()
        #expect(trace == ["tick, yields 0", "hook, yields 0", "tick, yields 1", "hook, yields 1", "tick, yields 1", "hook, yields 1"])
        #expect(loop.yields == 1)
        _ = (timer, limit)
    }
}
