// SPDX-License-Identifier: Apache-2.0
import DNSCore
import DNSEngine
import DNSForwarder
import EventIO
import Foundation

/// One worker's query path. Every query, over UDP or TCP, passes the same stages in this order,
/// and `handle` reads in that order (DESIGN.md §7):
///
/// 1. **parse**: the question is read once into a `QuestionView` (`willHandle` for a UDP batch);
/// 2. **admission**: the rate limit (UDP), then `allow_query`;
/// 3. **view**: the listener's view, else the client's (longest prefix), else `default`, else
///    REFUSED; everything after reads that view's engine and tables;
/// 4. **route**: Route 53's precedence, decided once (`FastPath.route`);
/// 5. **answer source**: the private zone's tables, else the cache (scoped by the route's
///    upstreams), else the forwarder, else the general engine (everything unusual, which gets the
///    view and route already decided);
/// 6. **observe**: metrics and the query log, once per answer, in `observe`;
/// 7. **out**: the reply now (`Outcome.reply`), or later through a `ReplyTarget`.
///
/// A stage added here (a view selector, a firewall) covers zone answers, cache hits, misses and
/// TCP alike. Runs on the worker's thread only.
final class QueryPipeline: DatagramHandler, TCPMessageHandler, DoHRequestHandler {
    /// What became of one query.
    enum Outcome: Equatable {
        /// The reply is in the output buffer, this many octets long.
        case reply(Int)
        /// The reply goes out later through the `ReplyTarget` (or already went: too big for the buffer).
        case later
        /// Nothing to send (rate limited, or not a query).
        case drop
        /// Not a query on a TCP connection: close it.
        case close
    }

    private let store: SnapshotStore
    private(set) var snapshot: Snapshot {
        didSet { takeUpViews() }
    }
    /// Each view's tables (and `allow_query`), and the view selector, unretained: `snapshot`
    /// keeps them alive, and a query then writes no reference count on an object every worker shares.
    private var tables: UnsafeMutableBufferPointer<Unmanaged<FastPath>>
    private var selector: Unmanaged<ViewSelector>
    private var singleView = true
    private var generation = -1
    private var limiter: ResponseRateLimiter
    /// Varies per query, so multi-address answers rotate.
    private var rotation = 0
    let forwarder: Forwarder
    private let forwarderIO: LoopForwarderIO
    private let metrics: WorkerMetrics
    private let queryLog: QueryLog?
    /// The questions of the batch being answered (slots 0..<batchSize), then one for TCP.
    private let scratch: QuestionScratch
    private let views: UnsafeMutablePointer<QuestionView>
    /// The view of each question of the batch (-1: none, refused), when there are several.
    private let batchViews: UnsafeMutablePointer<Int32>
    private let batchSize: Int
    /// Where a TCP reply is written (a message takes up to 65535 octets).
    private let tcpOut = UnsafeMutableRawBufferPointer.allocate(byteCount: 65535, alignment: 16)

    init(
        store: SnapshotStore, cache: ResponseCache, io: LoopForwarderIO, metrics: WorkerMetrics, queryLog: QueryLog?,
        batchSize: Int
    ) {
        self.store = store
        snapshot = store.load()
        tables = .allocate(capacity: 0)
        selector = Unmanaged.passUnretained(ViewSelector.single)
        limiter = ResponseRateLimiter(settings: snapshot.config.rateLimit)
        forwarderIO = io
        forwarder = Forwarder(io: io, cache: cache, settings: snapshot.forwarderSettings)
        io.retainTLS(for: snapshot.upstreams, trust: snapshot.config.tlsClients)
        self.metrics = metrics
        self.queryLog = queryLog
        self.batchSize = batchSize
        scratch = QuestionScratch(slots: batchSize + 1)
        views = .allocate(capacity: batchSize)
        batchViews = .allocate(capacity: batchSize)
        takeUpViews()
    }

    deinit {
        views.deallocate()
        batchViews.deallocate()
        tables.deallocate()
        tcpOut.deallocate()
    }

    /// The snapshot's views' tables and selector, for the queries to read unretained.
    private func takeUpViews() {
        tables.deallocate()
        tables = .allocate(capacity: snapshot.views.count)
        for (i, view) in snapshot.views.enumerated() { (tables.baseAddress! + i).initialize(to: .passUnretained(view.engine.fastPath)) }
        selector = .passUnretained(snapshot.selector)
        singleView = snapshot.selector.isSingle
    }

    // MARK: Transport in

    /// A UDP receive: takes up a new snapshot if one was published, parses every question once,
    /// and starts loading what answering them will read, in passes over the whole batch (the name
    /// table's slots, then the records they point to, then, for names neither in the table nor
    /// just below a name in it, the worker cache's sets, then the cached answers). The batch's
    /// cache misses then overlap instead of stalling each answer in turn. A lone datagram has
    /// nothing to overlap with.
    func willHandle(_ batch: UDPServer.Batch) {
        refreshSnapshot()
        let count = min(batch.count, batchSize)
        for i in 0..<count { (views + i).initialize(to: QuestionView.parse(batch[i], slot: i, in: scratch)) }
        // Each question's view, once: the prefetch reads that view's tables, and `handle` takes it.
        if !singleView {
            for i in 0..<count { batchViews[i] = batch.source(i).flatMap { selectView(client: $0, local: batch.local) } ?? -1 }
        } else {
            for i in 0..<count { batchViews[i] = 0 }
        }
        guard count > 1 else { return }
        for i in 0..<count where batchViews[i] >= 0 { tables[Int(batchViews[i])]._withUnsafeGuaranteedRef { $0.prefetchSlots(views[i]) } }
        guard !forwarder.workerCacheIsEmpty else {
            for i in 0..<count where batchViews[i] >= 0 {
                _ = tables[Int(batchViews[i])]._withUnsafeGuaranteedRef { $0.prefetchRecords(views[i]) }
            }
            return
        }
        withUnsafeTemporaryAllocation(of: Bool.self, capacity: count) { cached in
            // A private name (or one just below a private name) has no cache entry to prepare.
            for i in 0..<count {
                cached[i] = batchViews[i] >= 0
                    && !tables[Int(batchViews[i])]._withUnsafeGuaranteedRef { $0.prefetchRecords(views[i]) } && views[i].nameEnd > 0
            }
            // The default upstreams' scope, where most names go: a hint for another is wasted, not wrong.
            for i in 0..<count where cached[i] {
                forwarder.prefetchCacheSlots(views[i], scope: tables[Int(batchViews[i])]._withUnsafeGuaranteedRef { $0.cacheScope(nil) })
            }
            for i in 0..<count where cached[i] {
                forwarder.prefetchCachedAnswer(views[i], scope: tables[Int(batchViews[i])]._withUnsafeGuaranteedRef { $0.cacheScope(nil) })
            }
        }
    }

    /// The view of a query from `client` to the listener at `local`; nil: none holds it (REFUSED).
    @inline(__always)
    private func selectView(client: SocketAddress, local: SocketAddress) -> Int32? {
        if singleView { return 0 }
        return selector._withUnsafeGuaranteedRef {
            $0.select(
                client: ClientAddress(high: client.high, low: client.low, isIPv6: client.isIPv6),
                local: ClientAddress(high: local.high, low: local.low, isIPv6: local.isIPv6), port: local.port)
        }
    }

    /// Datagram `index` of the batch `willHandle` saw; the reply now goes into `out`.
    func handle(
        datagram index: Int, _ query: UnsafeRawBufferPointer, from client: SocketAddress, into out: UnsafeMutableRawBufferPointer,
        server: UDPServer
    ) -> Int {
        let view = index < batchSize ? views[index] : QuestionView.parse(query, slot: batchSize, in: scratch)
        let chosen = index < batchSize ? batchViews[index] : selectView(client: client, local: server.localAddress) ?? -1
        switch handle(
            query, view, from: client, in: chosen, over: .udp, into: out, later: .udp(Unmanaged.passUnretained(server), client))
        {
        case .reply(let length): return length
        case .later, .drop, .close: return 0
        }
    }

    /// A TCP message: answered on its connection now or later; a peer that sends something other
    /// than a query (a response, a runt) is closed.
    func handle(message: [UInt8], on connection: TCPConnection) {
        refreshSnapshot()
        connection.beginQuery()
        let outcome = message.withUnsafeBytes { query in
            handle(query, QuestionView.parse(query, slot: batchSize, in: scratch), from: connection.peer,
                in: selectView(client: connection.peer, local: connection.local) ?? -1,
                over: connection.isTLS ? .tls : .tcp, into: tcpOut,
                later: .tcp(connection))
        }
        switch outcome {
        case .reply(let length):
            connection.send(UnsafeRawBufferPointer(rebasing: tcpOut[0..<length]))
            connection.endQuery()
        case .later:
            break  // the reply ends the query (ReplyTarget)
        case .drop:
            connection.endQuery()
        case .close:
            connection.endQuery()
            connection.close()
        }
    }

    /// A DoH request's message: answered now or later; what is not a query gets 400.
    func handle(message: [UInt8], request: DoHRequest) {
        refreshSnapshot()
        let outcome = message.withUnsafeBytes { query in
            handle(query, QuestionView.parse(query, slot: batchSize, in: scratch), from: request.peer,
                in: selectView(client: request.peer, local: request.local) ?? -1, over: .https, into: tcpOut,
                later: .doh(request))
        }
        switch outcome {
        case .reply(let length): request.respond(Array(UnsafeRawBufferPointer(rebasing: tcpOut[0..<length])))
        case .later: break  // the reply answers it (ReplyTarget)
        case .drop, .close: request.reject()
        }
    }

    // MARK: The stages

    /// - Parameter selected: the view (`selectView`; -1: none holds the client, REFUSED).
    private func handle(
        _ query: UnsafeRawBufferPointer, _ view: QuestionView, from client: SocketAddress, in selected: Int32,
        over transport: QueryContext.Transport, into out: UnsafeMutableRawBufferPointer, later target: ReplyTarget
    ) -> Outcome {
        rotation &+= 1
        // Admission: the rate limit (UDP only: a TCP client cannot spoof its address), then who may ask.
        let address = ClientAddress(high: client.high, low: client.low, isIPv6: client.isIPv6)
        if transport == .udp {
            switch limiter.check(address, now: monotonicSeconds()) {
            case .allow: break
            case .drop:
                metrics.countRateLimited(slipped: false)
                return .drop
            case .slip:
                metrics.countRateLimited(slipped: true)
                return .reply(QueryPipeline.slipReply(query, view, into: out))
            }
        }
        let allowed = tables[0]._withUnsafeGuaranteedRef { $0.accessControl.allows(address) }
        // View: which private zones, endpoints and rules this client sees (chosen where the query
        // came in). None: REFUSED.
        guard selected >= 0 else {
            return answerInGeneral(query, view, in: 0, route: .refuse, from: client, over: transport, into: out, later: target)
        }
        let fastPath = tables[Int(selected)]
        // Route, once: the general engine takes this route too.
        let route = allowed && view.nameEnd > 0 ? fastPath._withUnsafeGuaranteedRef { $0.route(view, in: query) } : nil
        // Answer source: the zone's tables, the cache, the forwarder; else the general engine.
        if view.isPlain, let route {
            let limit = view.responseLimit(
                overTCP: transport.isStream, ourPayload: fastPath._withUnsafeGuaranteedRef { $0.udpPayloadSize })
            switch route {
            case .zone(let zone):
                let written = fastPath._withUnsafeGuaranteedRef {
                    $0.writeZoneAnswer(view, query, in: zone, limit: limit, rotation: rotation, into: out)
                }
                if let written {
                    observe(view.qtype, UnsafeRawBufferPointer(rebasing: out[0..<written.length]),
                        path: written.source == .endpoint ? .endpoint : .zone, client: client, transport: transport, view: selected)
                    return .reply(written.length)
                }
            case .forward(let group):
                let scope = fastPath._withUnsafeGuaranteedRef { $0.cacheScope(group) }
                switch forwarder.answerFromCache(query, view, scope: scope, limit: limit, into: out) {
                case .written(let length):
                    observe(view.qtype, UnsafeRawBufferPointer(rebasing: out[0..<length]), path: .cache, client: client,
                        transport: transport, view: selected)
                    return .reply(length)
                case .miss:
                    if let request = fastPath._withUnsafeGuaranteedRef({ $0.forwardRequest(query, view, group: group, limit: limit) }) {
                        forward(request, cacheChecked: true, client: client, transport: transport, view: selected, target: target)
                        return .later
                    }
                case .general:
                    break
                }
            case .refuse:
                break
            }
        }
        return answerInGeneral(query, view, in: selected, route: route, from: client, over: transport, into: out, later: target)
    }

    /// Everything the tables do not answer: error replies, other types, CNAME chains, delegations,
    /// truncation, refused clients.
    private func answerInGeneral(
        _ query: UnsafeRawBufferPointer, _ view: QuestionView, in selected: Int32, route: Route?, from client: SocketAddress,
        over transport: QueryContext.Transport, into out: UnsafeMutableRawBufferPointer, later target: ReplyTarget
    ) -> Outcome {
        let context = QueryContext(transport: transport, clientAddress: client.ip, rotation: rotation)
        switch snapshot.views[Int(selected)].engine.respond(to: Array(query), context: context, route: route) {
        case .reply(let reply):
            let qtype = view.nameEnd > 0 ? view.qtype : nil
            reply.withUnsafeBytes {
                observe(qtype, $0, path: localPath(reply, route, view: selected), client: client, transport: transport, view: selected)
            }
            guard reply.count <= out.count else {
                target.send(reply)
                return .later
            }
            reply.withUnsafeBytes { out.copyMemory(from: $0) }
            return .reply(reply.count)
        case .drop:
            return transport.isStream ? .close : .drop
        case .forward(let request):
            forward(request, cacheChecked: false, client: client, transport: transport, view: selected, target: target)
            return .later
        }
    }

    /// Hands `request` to the forwarder; the reply goes to `target` when it comes.
    private func forward(
        _ request: ForwardRequest, cacheChecked: Bool, client: SocketAddress, transport: QueryContext.Transport, view: Int32,
        target: ReplyTarget
    ) {
        let reply = { [unowned(unsafe) self] (reply: [UInt8], source: AnswerSource, askedOver: QueryContext.Transport?) in
            reply.withUnsafeBytes {
                self.observe(
                    request.question.type.rawValue, $0, path: ResolvedBy(source), client: client, transport: transport, view: view,
                    upstream: askedOver)
            }
            target.send(reply)
        }
        if cacheChecked { forwarder.resolveMiss(request, reply: reply) } else { forwarder.resolve(request, reply: reply) }
    }

    // MARK: Observe

    /// Counts (and logs) one answer: the only place answers are observed.
    /// - Parameter upstream: for an upstream's answer, how the upstream was asked (the log says).
    private func observe(
        _ qtype: UInt16?, _ response: UnsafeRawBufferPointer, path: ResolvedBy, client: SocketAddress,
        transport: QueryContext.Transport, view: Int32, upstream: QueryContext.Transport? = nil
    ) {
        let rcode = response.count > 3 ? Int(response[3] & 0x0F) : Int(RCode.servFail.rawValue)
        metrics.count(transport: transport, qtype: qtype.map { RRType($0) }, rcode: rcode, path: path)
        guard let queryLog else { return }
        queryLog.record(
            QueryLog.Entry(
                time: Date().timeIntervalSince1970, client: client, transport: QueryLog.name(transport),
                response: Array(response), resolvedBy: path, view: singleView ? nil : snapshot.views[Int(view)].name,
                upstreamTransport: upstream.map(QueryLog.name)))
    }

    /// Zone or endpoint for a local answer by its route; refused or error by its RCODE.
    private func localPath(_ reply: [UInt8], _ route: Route?, view: Int32) -> ResolvedBy {
        switch reply.count > 3 ? RCode(UInt16(reply[3] & 0x0F)) : .servFail {
        case .refused: return .refused
        case .formErr, .notImp, .servFail: return .error
        default: break
        }
        guard case .zone(let zone)? = route else { return .zone }
        return tables[Int(view)]._withUnsafeGuaranteedRef { $0.isEndpoint(zone) } ? .endpoint : .zone
    }

    /// The DoT clients' handshakes and failures.
    var tlsCounters: TLSUpstream.Counters { forwarderIO.tlsCounters }

    // MARK: Snapshot

    /// Takes up a newly published snapshot (one atomic load when nothing changed).
    /// - Returns: whether it changed.
    @discardableResult
    func refreshSnapshot() -> Bool {
        let current = store.generation
        guard current != generation else { return false }
        snapshot = store.load()
        generation = current
        forwarder.settings = snapshot.forwarderSettings
        forwarderIO.pool.queriesPerSocket = snapshot.config.forwarding.queriesPerSocket
        forwarder.retainHealth(for: snapshot.upstreams)
        forwarderIO.retainTLS(for: snapshot.upstreams, trust: snapshot.config.tlsClients)
        if limiter.settings != snapshot.config.rateLimit { limiter.settings = snapshot.config.rateLimit }
        return true
    }

    /// An empty response with TC=1 (and the question, when it can be read): the client retries over
    /// TCP, which is not rate-limited.
    static func slipReply(_ query: UnsafeRawBufferPointer, _ view: QuestionView, into out: UnsafeMutableRawBufferPointer) -> Int {
        guard query.count >= Header.size, query[2] & 0x80 == 0 else { return 0 }
        let end = view.nameEnd > 0 ? view.questionEnd : Header.size
        guard end <= out.count else { return 0 }
        UnsafeMutableRawBufferPointer(rebasing: out[0..<end]).copyMemory(from: UnsafeRawBufferPointer(rebasing: query[0..<end]))
        ResponseFlags.write(into: out, query: query, authoritative: false, truncated: true, rcode: .noError)
        out[4] = 0
        out[5] = view.nameEnd > 0 ? 1 : 0
        for i in 6..<12 { out[i] = 0 }
        return end
    }
}

extension ResolvedBy {
    init(_ source: AnswerSource) {
        switch source {
        case .cache: self = .cache
        case .upstream: self = .upstream
        case .stale: self = .stale
        case .failure: self = .failure
        }
    }
}
