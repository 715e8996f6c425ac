// SPDX-License-Identifier: Apache-2.0
import Atomics
import DNSCore
import DNSEngine
import DNSForwarder
import Synchronization

/// One worker's counters. The worker increments them with relaxed atomics on memory no other worker
/// writes; the metrics endpoint on the main thread reads them.
final class WorkerMetrics: Sendable {
    /// Query types counted by name; the rest are `other`.
    static let trackedTypes: [RRType] = [.A, .AAAA, .CNAME, .MX, .TXT, .PTR, .SRV, .NS, .SOA, .ANY, .HTTPS, .SVCB, .CAA]

    let udp = ManagedAtomic<Int>(0)
    let tcp = ManagedAtomic<Int>(0)
    let rcodes = (0..<24).map { _ in ManagedAtomic<Int>(0) }
    let types = (0...trackedTypes.count).map { _ in ManagedAtomic<Int>(0) }
    let paths = ResolvedBy.allCases.map { _ in ManagedAtomic<Int>(0) }
    /// The forwarder's counters and down upstreams, copied by the worker once a second.
    let forwarder = Mutex<(stats: ForwarderStats, down: Set<Upstream>, pending: Int)>((ForwarderStats(), [], 0))

    func count(transport: QueryContext.Transport, qtype: RRType?, rcode: Int, path: ResolvedBy) {
        (transport == .udp ? udp : tcp).wrappingIncrement(ordering: .relaxed)
        if let qtype {
            let index = WorkerMetrics.trackedTypes.firstIndex(of: qtype) ?? WorkerMetrics.trackedTypes.count
            types[index].wrappingIncrement(ordering: .relaxed)
        }
        rcodes[min(max(rcode, 0), rcodes.count - 1)].wrappingIncrement(ordering: .relaxed)
        paths[ResolvedBy.allCases.firstIndex(of: path)!].wrappingIncrement(ordering: .relaxed)
    }
}
