// SPDX-License-Identifier: Apache-2.0
import Atomics
import DNSCore
import DNSEngine
import DNSForwarder
import EventIO
import Synchronization

/// One worker's counters, in one block of memory no other worker writes. The worker is the only
/// writer, so a count is a relaxed load and a relaxed store (no locked read-modify-write, no
/// reference counting); the metrics endpoint on the main thread reads them with relaxed loads.
final class WorkerMetrics: @unchecked Sendable {
    /// Query types counted by name; the rest are `other`.
    static let trackedTypes: [RRType] = [.A, .AAAA, .CNAME, .MX, .TXT, .PTR, .SRV, .NS, .SOA, .ANY, .HTTPS, .SVCB, .CAA]
    static let paths = ResolvedBy.allCases
    static let rcodeCount = 24

    // The block: each transport, then each RCODE, each tracked type and `other`, each path, then
    // the datagrams response rate limiting dropped and slipped. The places are the instance's
    // own constants: a static computed from an array is a lazy global, checked on every query.
    private let rcodeBase = QueryContext.Transport.allCases.count
    private let typeBase: Int
    private let pathBase: Int
    private let limitedBase: Int
    private let counters: UnsafeMutablePointer<UnsafeAtomic<Int>.Storage>
    /// A query type's place among the tracked ones (`trackedTypes.count`: other), by its number
    /// below `typeSlotCount`: a load instead of a search on every query.
    private let typeSlots: UnsafeMutablePointer<UInt8>
    private static let typeSlotCount = 512

    /// The forwarder's counters and down upstreams, copied by the worker once a second.
    let forwarder = Mutex<(stats: ForwarderStats, down: Set<Upstream>, pending: Int)>((ForwarderStats(), [], 0))
    /// Its DoT clients' handshakes and failures, and its DoT listeners' timed-out handshakes,
    /// copied by the worker once a second.
    let tls = Mutex<(upstream: TLSUpstream.Counters, handshakesTimedOut: Int)>((TLSUpstream.Counters(), 0))
    /// Connections its TCP, DoT and DoH listeners closed at once because `max_connections` were
    /// open, copied by the worker once a second.
    let rejectedConnections = Mutex<(tcp: Int, dot: Int, doh: Int)>((0, 0, 0))
    /// Its UDP servers' and its loop's counters, copied by the worker once a second.
    let udpServers = Mutex(UDPServerCounts())

    init() {
        typeBase = rcodeBase + WorkerMetrics.rcodeCount
        pathBase = typeBase + WorkerMetrics.trackedTypes.count + 1
        limitedBase = pathBase + WorkerMetrics.paths.count
        let size = limitedBase + 2
        counters = .allocate(capacity: size)
        counters.initialize(repeating: UnsafeAtomic<Int>.Storage(0), count: size)
        typeSlots = .allocate(capacity: WorkerMetrics.typeSlotCount)
        typeSlots.initialize(repeating: UInt8(WorkerMetrics.trackedTypes.count), count: WorkerMetrics.typeSlotCount)
        for (i, type) in WorkerMetrics.trackedTypes.enumerated() {
            precondition(Int(type.rawValue) < WorkerMetrics.typeSlotCount, "a tracked type past the slot table")
            typeSlots[Int(type.rawValue)] = UInt8(i)
        }
    }

    deinit {
        counters.deallocate()
        typeSlots.deallocate()
    }

    private func counter(_ i: Int) -> UnsafeAtomic<Int> { UnsafeAtomic(at: counters + i) }

    private func bump(_ i: Int) {
        let c = counter(i)
        c.store(c.load(ordering: .relaxed) &+ 1, ordering: .relaxed)  // this worker is the only writer
    }

    func count(transport: QueryContext.Transport, qtype: RRType?, rcode: Int, path: ResolvedBy) {
        bump(transport.rawValue)
        if let qtype {
            let raw = Int(qtype.rawValue)
            bump(typeBase + Int(raw < WorkerMetrics.typeSlotCount ? typeSlots[raw] : UInt8(WorkerMetrics.trackedTypes.count)))
        }
        bump(rcodeBase + min(max(rcode, 0), WorkerMetrics.rcodeCount - 1))
        bump(pathBase + path.index)
    }

    /// A UDP query that response rate limiting did not answer: dropped, or slipped (an empty TC=1
    /// reply). Not a query answered: `udp` leaves it out.
    func countRateLimited(slipped: Bool) {
        bump(limitedBase + (slipped ? 1 : 0))
    }

    // Reads, from any thread.
    func queries(over transport: QueryContext.Transport) -> Int { counter(transport.rawValue).load(ordering: .relaxed) }
    var queries: Int { QueryContext.Transport.allCases.reduce(0) { $0 + queries(over: $1) } }
    func rcode(_ code: Int) -> Int { counter(rcodeBase + code).load(ordering: .relaxed) }
    /// Index `trackedTypes.count` is `other`.
    func type(_ index: Int) -> Int { counter(typeBase + index).load(ordering: .relaxed) }
    func path(_ index: Int) -> Int { counter(pathBase + index).load(ordering: .relaxed) }
    var rateLimitedDropped: Int { counter(limitedBase).load(ordering: .relaxed) }
    var rateLimitedSlipped: Int { counter(limitedBase + 1).load(ordering: .relaxed) }
}

/// What a worker's UDP servers counted (datagrams dropped unanswered), and its loop's lone-reply yields.
struct UDPServerCounts: Sendable {
    /// Replies the socket's send buffer had no room for.
    var sendDrops = 0
    /// Queries longer than the receive buffer.
    var oversizeDrops = 0
    /// Times a worker gave up the CPU after a lone reply (`udp_yield`).
    var yields = 0
}
