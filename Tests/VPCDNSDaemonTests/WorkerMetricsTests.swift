// SPDX-License-Identifier: Apache-2.0
import DNSCore
import DNSEngine
import Testing

@testable import VPCDNSDaemon

@Suite struct WorkerMetricsTests {
    @Test func eachCountLandsInItsOwnPlace() {
        let metrics = WorkerMetrics()
        for (i, type) in WorkerMetrics.trackedTypes.enumerated() {
            for _ in 0...i { metrics.count(transport: .tls, qtype: type, rcode: 3, path: .cache) }
        }
        metrics.count(transport: .https, qtype: RRType(99), rcode: 40, path: .error)  // an untracked type, an RCODE past the table
        metrics.countRateLimited(slipped: true)
        for (i, _) in WorkerMetrics.trackedTypes.enumerated() { #expect(metrics.type(i) == i + 1) }
        #expect(metrics.type(WorkerMetrics.trackedTypes.count) == 1)
        let tracked = WorkerMetrics.trackedTypes.count * (WorkerMetrics.trackedTypes.count + 1) / 2
        #expect(metrics.queries(over: .tls) == tracked && metrics.queries(over: .https) == 1 && metrics.queries(over: .udp) == 0)
        #expect(metrics.rcode(3) == tracked && metrics.rcode(WorkerMetrics.rcodeCount - 1) == 1)
        #expect(metrics.path(ResolvedBy.cache.index) == tracked && metrics.path(ResolvedBy.error.index) == 1)
        #expect(metrics.rateLimitedSlipped == 1 && metrics.rateLimitedDropped == 0)
    }

    @Test func aPathsIndexIsItsPlaceInAllCases() {
        #expect(ResolvedBy.allCases.enumerated().allSatisfy { $0.offset == $0.element.index })
    }
}
