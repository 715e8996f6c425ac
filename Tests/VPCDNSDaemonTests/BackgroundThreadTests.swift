// SPDX-License-Identifier: Apache-2.0
import EventIO
import Glibc
import Synchronization
import Testing

@testable import VPCDNSDaemon

@Suite struct BackgroundThreadTests {
    /// An idle-priority thread that shares its only CPU with a busy normal thread waits for it
    /// almost all the time; the check sees it and puts it back to normal priority (root may; others
    /// are refused).
    @Test func aStarvedThreadIsRaised() throws {
        let mine = CPUAffinity.current()
        try #require(!mine.isEmpty)
        let shared = [mine[0]]
        defer { try? CPUAffinity.pin(to: mine) }
        let stop = Atomic<Bool>(false)
        let started = Atomic<Bool>(false)
        let thread = BackgroundThread.start(named: "test-starved") {
            try? CPUAffinity.pin(to: shared)
            started.store(true, ordering: .releasing)
            while !stop.load(ordering: .acquiring) {}
        }
        while !started.load(ordering: .acquiring) { sched_yield() }
        #expect(throws: Never.self) { try CPUAffinity.pin(to: shared) }
        var begin = timespec()
        clock_gettime(CLOCK_MONOTONIC, &begin)
        var now = begin
        func spin(_ seconds: Double) {
            clock_gettime(CLOCK_MONOTONIC, &begin)
            repeat { clock_gettime(CLOCK_MONOTONIC, &now) } while Double(now.tv_sec - begin.tv_sec) + Double(now.tv_nsec - begin.tv_nsec) / 1e9 < seconds
        }
        spin(0.5)
        #expect(thread.check(interval: 0.5) == .running)  // one check is not enough
        spin(0.5)
        let result = thread.check(interval: 0.5)
        stop.store(true, ordering: .releasing)
        switch result {
        case .raised(let ran):
            #expect(geteuid() == 0)
            #expect(ran < 0.05)
        case .refused(let ran, let error):
            #expect(geteuid() != 0 && error == EPERM)
            #expect(ran < 0.05)
        default:
            Issue.record("expected the starved thread to be raised, got \(result)")
        }
        try? CPUAffinity.pin(to: mine)
        var finished = false
        for _ in 0..<1000 where !finished {
            finished = thread.check(interval: 0.5) == .finished
            if !finished { usleep(5000) }
        }
        #expect(finished)
    }

    /// A thread that sleeps (as one blocked on a lock does) gets no CPU but is not starved: it is
    /// left at idle priority.
    @Test func aSleepingThreadIsLeftAlone() {
        let stop = Atomic<Bool>(false)
        let thread = BackgroundThread.start(named: "test-sleeping") {
            while !stop.load(ordering: .acquiring) { usleep(10_000) }
        }
        for _ in 0..<3 {
            usleep(500_000)
            #expect(thread.check(interval: 0.5) == .running)
        }
        stop.store(true, ordering: .releasing)
        var finished = false
        for _ in 0..<1000 where !finished {
            finished = thread.check(interval: 0.5) == .finished
            if !finished { usleep(5000) }
        }
        #expect(finished)
    }
}
