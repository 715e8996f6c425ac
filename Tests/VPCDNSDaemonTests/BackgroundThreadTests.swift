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
    /// left at idle priority. It blocks in one read until the test lets it go: a thread that woke
    /// every few milliseconds would, at idle priority on a machine busy with the other tests, be
    /// found runnable and starved at the checks, which is what it then would be.
    @Test func aSleepingThreadIsLeftAlone() throws {
        var fds: [Int32] = [-1, -1]
        try #require(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        let reader = fds[0]
        let thread = BackgroundThread.start(named: "test-sleeping") {
            var byte: UInt8 = 0
            while read(reader, &byte, 1) < 0 && errno == EINTR {}
        }
        for _ in 0..<3 {
            usleep(500_000)
            #expect(thread.check(interval: 0.5) == .running)
        }
        var byte: UInt8 = 1
        try #require(write(fds[1], &byte, 1) == 1)
        var finished = false
        for _ in 0..<1000 where !finished {
            finished = thread.check(interval: 0.5) == .finished
            if !finished { usleep(5000) }
        }
        #expect(finished)
    }
}
