// SPDX-License-Identifier: Apache-2.0
import DNSCore
import DNSEngine
import DNSForwarder
import EventIO
import Foundation
import Logging
import Synchronization

/// One serving thread: its own libevent loop, its own SO_REUSEPORT sockets, its own view of the
/// snapshot. Everything but `stop()` runs on the worker's thread.
final class Worker: @unchecked Sendable {
    let index: Int
    private let udpSockets: [Socket]
    private let tcpSockets: [Socket]
    private let store: SnapshotStore
    private let cache: ResponseCache
    private let logger: Logger
    let metrics = WorkerMetrics()
    private let queryLog: QueryLog?
    /// Whether UDP replies go out through io_uring (`udp_send`) rather than sendmmsg.
    private let sendThroughIOUring: Bool
    /// When the worker gives up the CPU after a lone reply (`udp_yield`).
    private let yield: UDPServer.LoneReplyYield
    /// What the main thread asked for: stop now, or drain (stop taking queries, finish those in
    /// flight, stop when idle or at the deadline).
    enum Command: Equatable {
        case stop
        case drain(seconds: Double)
    }

    private let control = Mutex<(waker: Waker?, command: Command?)>((nil, nil))
    private let finished = DispatchSemaphore(value: 0)

    // Loop-thread state.
    var snapshot: Snapshot {
        didSet { fastPath = Unmanaged.passUnretained(snapshot.engine.fastPath) }
    }
    /// The snapshot's fast path, unretained: `snapshot` keeps it alive, and a hit then writes no
    /// reference count on an object every worker shares.
    private var fastPath: Unmanaged<FastPath>
    private var limiter: ResponseRateLimiter
    private var generation = -1
    var rotation = 0

    private var forwarder: Forwarder? {
        didSet { forwarderForHits = forwarder.map { Unmanaged.passUnretained($0) } }
    }
    /// `forwarder`, unretained, for cache hits: reading an optional `var` of a class retains it.
    private var forwarderForHits: Unmanaged<Forwarder>?
    private var forwarderIO: LoopForwarderIO?
    private var tcpServers: [TCPServer] = []

    init(
        index: Int, udpSockets: [Socket], tcpSockets: [Socket], store: SnapshotStore, cache: ResponseCache,
        queryLog: QueryLog?, logger: Logger, sendThroughIOUring: Bool = false,
        yield: UDPServer.LoneReplyYield = .never
    ) {
        self.yield = yield
        self.index = index
        self.sendThroughIOUring = sendThroughIOUring
        self.queryLog = queryLog
        self.udpSockets = udpSockets
        self.tcpSockets = tcpSockets
        self.store = store
        self.cache = cache
        self.logger = logger
        self.snapshot = store.load()
        fastPath = Unmanaged.passUnretained(snapshot.engine.fastPath)
        self.limiter = ResponseRateLimiter(settings: snapshot.config.rateLimit)
    }

    /// Starts the thread; `ready` is signalled once the loop is set up (or failed to be).
    func start(ready: DispatchSemaphore, failure: StartupFailure) {
        startThread(named: "vpcdnsd-w\(index)") { [self] in
            do {
                try self.run(ready: ready)
            } catch {
                failure.message.withLock { $0 = "worker \(self.index): \(error)" }
                ready.signal()
            }
            self.finished.signal()
        }
    }

    /// Asks the loop to stop now; safe from any thread.
    func stop() { send(.stop) }

    /// Asks the loop to take up a newly published snapshot now, so an idle worker does not keep
    /// the old one alive; safe from any thread.
    func poke() { control.withLock { $0.waker }?.wake() }

    /// Asks the loop to stop taking queries, answer those in flight, and stop once idle or after
    /// `seconds`; safe from any thread.
    func drain(within seconds: Double) { send(.drain(seconds: seconds)) }

    private func send(_ command: Command) {
        let waker = control.withLock { state -> Waker? in
            if state.command != .stop { state.command = command }
            return state.waker
        }
        waker?.wake()
    }

    /// Blocks until the worker's thread has returned.
    func join() { finished.wait() }

    private func run(ready: DispatchSemaphore) throws {
        let loop = try EventLoop()
        let io = LoopForwarderIO(loop: loop, queriesPerSocket: snapshot.config.forwarding.queriesPerSocket)
        forwarderIO = io
        forwarder = Forwarder(io: io, cache: cache, settings: snapshot.forwarderSettings)
        if sendThroughIOUring {
            do {
                try io.pool.sendThroughIOUring()
            } catch {
                logger.warning("worker \(index): \(error); its upstream queries go out with sendmsg")
            }
        }
        let udp = try udpSockets.map { socket in
            // The worker outlives its loop: the handler holds it unretained, and a query then costs
            // no reference counting on it or on what it owns.
            let server = try UDPServer(socket: socket, on: loop) { [worker = Unmanaged.passUnretained(self)] request, from, out, server in
                worker._withUnsafeGuaranteedRef { $0.serve(request, from: from, into: out, server: server) }
            }
            server.yieldAfterLoneReply = yield
            server.preview = { [worker = Unmanaged.passUnretained(self)] batch in
                worker._withUnsafeGuaranteedRef { $0.prefetch(batch) }
            }
            if sendThroughIOUring {
                do {
                    try server.sendThroughIOUring()
                } catch {
                    logger.warning("worker \(index): \(error); its UDP replies go out with sendmmsg")
                }
            }
            return server
        }
        let tcp = try tcpSockets.map { socket in
            try TCPServer(socket: socket, on: loop, limits: snapshot.config.tcp) { [unowned(unsafe) self] message, connection in
                connection.beginQuery()
                let now = self.answer(message, from: connection.peer, transport: .tcp) { reply in
                    connection.send(reply)
                    connection.endQuery()
                }
                guard let now else { return }
                connection.endQuery()
                // Not a query (a response, a runt): a TCP peer sending those is closed.
                if now.isEmpty { connection.close() } else { connection.send(now) }
            }
        }
        tcpServers = tcp
        let publish = try EventIO.Timer(after: 1, repeats: true, on: loop) { [unowned(unsafe) self] in self.publishStats(udp, loop) }
        var drainTimers: [EventIO.Timer] = []
        let onCommand = { [unowned(unsafe) self] in
            self.refreshSnapshot()
            switch self.control.withLock({ $0.command }) {
            case .stop?:
                loop.stop()
            case .drain(let seconds)?:
                guard drainTimers.isEmpty else { return }
                for server in udp { server.stopReading() }
                for server in tcp { server.stopAccepting() }
                let idle = { self.forwarder?.pendingCount ?? 0 == 0 && tcp.allSatisfy { $0.outstandingQueries == 0 } }
                if idle() {
                    loop.stop()
                    return
                }
                if let poll = try? EventIO.Timer(after: 0.02, repeats: true, on: loop, { if idle() { loop.stop() } }) {
                    drainTimers.append(poll)
                }
                if let deadline = try? EventIO.Timer(after: seconds, on: loop, { loop.stop() }) {
                    drainTimers.append(deadline)
                } else {
                    loop.stop()
                }
            case nil:
                break
            }
        }
        let waker = try Waker(on: loop) { onCommand() }
        let early = control.withLock { state -> Command? in
            state.waker = waker
            return state.command
        }
        ready.signal()
        if early != .stop {
            if early != nil { onCommand() }
            try loop.run()
        }
        control.withLock { $0.waker = nil }
        publishStats(udp, loop)
        tcpServers = []
        withExtendedLifetime((udp, tcp, waker, drainTimers, publish)) {}
    }

    /// Starts loading what answering a batch will read, in passes over the whole batch: the name
    /// table's slots for every question, then the records they point to, then, for the names
    /// neither in the table nor just below a name in it, the worker cache's sets, then the cached
    /// answers. The batch's cache misses then overlap instead of stalling each answer in turn (a
    /// private hit spent over half its time waiting on them). A lone datagram has nothing to
    /// overlap with.
    private func prefetch(_ batch: UDPServer.Batch) {
        guard batch.count > 1 else { return }
        refreshSnapshot()  // the first batch after a reload reads the new tables, not the old
        withUnsafeTemporaryAllocation(of: FastPath.QuestionHashes.self, capacity: batch.count) { questions in
            fastPath._withUnsafeGuaranteedRef { fastPath in
                for i in 0..<batch.count {
                    questions[i] = FastPath.QuestionHashes(batch[i])
                    fastPath.prefetchSlots(questions[i])
                }
                guard let cache = forwarderForHits, !cache._withUnsafeGuaranteedRef({ $0.workerCacheIsEmpty }) else {
                    for question in questions { fastPath.prefetchRecords(question) }
                    return
                }
                cache._withUnsafeGuaranteedRef { cache in
                    for i in 0..<batch.count where fastPath.prefetchRecords(questions[i]) {
                        questions[i].qtype = 0  // a private zone's name: no cache look-up to prepare
                    }
                    for question in questions where question.qtype != 0 {
                        cache.prefetchCacheSlots(nameHash: question.own, type: question.qtype, dnssecOK: question.dnssecOK)
                    }
                    for question in questions where question.qtype != 0 {
                        cache.prefetchCachedAnswer(nameHash: question.own, type: question.qtype, dnssecOK: question.dnssecOK)
                    }
                }
            }
        }
    }

    /// A datagram on a UDP socket: the reply to send now, written into `out` (its length), or 0 for
    /// none now (a later reply goes out through `server`).
    private func serve(
        _ request: UnsafeRawBufferPointer, from: SocketAddress, into out: UnsafeMutableRawBufferPointer, server: UDPServer
    ) -> Int {
        refreshSnapshot()
        rotation &+= 1
        let client = ClientAddress(high: from.high, low: from.low, isIPv6: from.isIPv6)
        switch limiter.check(client, now: monotonicSeconds()) {
        case .allow: break
        case .drop:
            metrics.countRateLimited(slipped: false)
            return 0
        case .slip:
            metrics.countRateLimited(slipped: true)
            return Worker.slipReply(request, into: out)
        }
        let outcome = fastPath._withUnsafeGuaranteedRef {
            $0.answer(request, client: client, tcp: false, rotation: rotation, into: out)
        }
        switch outcome {
        case .written(let length, let source):
            accountFast(request, out, length, from: from, transport: .udp, path: source == .endpoint ? .endpoint : .zone)
            return length
        case .forwardable(let parts):
            if let length = forwarderForHits?._withUnsafeGuaranteedRef({ $0.answerFromCache(request, parts, into: out) }) {
                accountFast(request, out, length, from: from, transport: .udp, path: .cache)
                return length
            }
            // A miss: straight to the forwarder, without the general parser and engine.
            if let forwardRequest = fastPath._withUnsafeGuaranteedRef({ $0.forwardRequest(request, parts) }) {
                forward(forwardRequest, from: from, transport: .udp) { [unowned server] reply in
                    server.send(reply, to: from)
                }
                return 0
            }
        case .slow:
            break
        }
        let reply = answer(Array(request), from: from, transport: .udp) { [unowned server] reply in
            server.send(reply, to: from)
        }
        guard let reply, !reply.isEmpty else { return 0 }
        guard reply.count <= out.count else {
            server.send(reply, to: from)
            return 0
        }
        reply.withUnsafeBytes { out.copyMemory(from: $0) }
        return reply.count
    }

    /// The reply to send now, or nil: nothing to send, or `later` will be called with it once an
    /// upstream answers. `later` is called at most once, and only when this returns nil.
    private func answer(
        _ bytes: [UInt8], from: SocketAddress, transport: QueryContext.Transport, later: @escaping ([UInt8]) -> Void
    ) -> [UInt8]? {
        refreshSnapshot()
        if transport == .tcp { rotation &+= 1 }
        let preview = try? QueryPreview.parse(bytes)
        switch snapshot.engine.respond(
            to: bytes, context: QueryContext(transport: transport, clientAddress: from.ip, rotation: rotation))
        {
        case .reply(let reply):
            account(reply, qtype: preview?.qtype, from: from, transport: transport, path: directPath(bytes, preview, reply))
            return reply
        case .drop:
            return transport == .tcp ? [] : nil
        case .forward(let request):
            forward(request, from: from, transport: transport, later: later)
            return nil
        }
    }

    /// Hands `request` to the forwarder; `later` sends the response when it comes.
    private func forward(
        _ request: ForwardRequest, from: SocketAddress, transport: QueryContext.Transport, later: @escaping ([UInt8]) -> Void
    ) {
        guard let forwarder else { return }
        forwarder.resolve(request) { [unowned(unsafe) self] reply, source in
            self.account(reply, qtype: request.question.type, from: from, transport: transport, path: ResolvedBy(source))
            later(reply)
        }
    }

    /// Takes up a newly published snapshot (one atomic load when nothing changed).
    func refreshSnapshot() {
        let current = store.generation
        guard current != generation else { return }
        snapshot = store.load()
        generation = current
        forwarder?.settings = snapshot.forwarderSettings
        forwarderIO?.pool.queriesPerSocket = snapshot.config.forwarding.queriesPerSocket
        forwarder?.retainHealth(for: snapshot.upstreams)
        if limiter.settings != snapshot.config.rateLimit { limiter.settings = snapshot.config.rateLimit }
        for server in tcpServers { server.limits = snapshot.config.tcp }
    }

    /// An empty response with TC=1 (and the question, when it can be read): the client retries over
    /// TCP, which is not rate-limited.
    static func slipReply(_ request: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) -> Int {
        guard request.count >= Header.size, request[2] & 0x80 == 0 else { return 0 }
        let preview = try? QueryPreview.parse(request)
        let end = preview?.questionEnd ?? Header.size
        guard end <= out.count else { return 0 }
        UnsafeMutableRawBufferPointer(rebasing: out[0..<end]).copyMemory(from: UnsafeRawBufferPointer(rebasing: request[0..<end]))
        out[2] = 0x80 | (request[2] & 0x79) | 0x02  // QR, opcode and RD kept, TC set
        out[3] = 0x80  // RA, NOERROR
        out[4] = 0
        out[5] = preview == nil ? 0 : 1
        for i in 6..<12 { out[i] = 0 }
        return end
    }

    /// Counts (and logs) a response the fast path wrote.
    private func accountFast(
        _ request: UnsafeRawBufferPointer, _ out: UnsafeMutableRawBufferPointer, _ length: Int, from: SocketAddress,
        transport: QueryContext.Transport, path: ResolvedBy
    ) {
        // The question type sits just before the class, 4 octets before the question's end.
        var p = 12
        while p < request.count && request[p] != 0 { p += 1 + Int(request[p]) }
        let qtype = p + 2 < request.count ? RRType(UInt16(request[p + 1]) << 8 | UInt16(request[p + 2])) : nil
        metrics.count(transport: transport, qtype: qtype, rcode: Int(out[3] & 0x0F), path: path)
        if let queryLog {
            queryLog.record(
                QueryLog.Entry(
                    time: Date().timeIntervalSince1970, client: from, transport: transport == .udp ? "UDP" : "TCP",
                    response: Array(UnsafeRawBufferPointer(rebasing: out[0..<length])), resolvedBy: path))
        }
    }

    private func account(_ reply: [UInt8], qtype: RRType?, from: SocketAddress, transport: QueryContext.Transport, path: ResolvedBy) {
        let rcode = reply.count > 3 ? Int(reply[3] & 0x0F) : 2
        metrics.count(transport: transport, qtype: qtype, rcode: rcode, path: path)
        queryLog?.record(
            QueryLog.Entry(
                time: Date().timeIntervalSince1970, client: from, transport: transport == .udp ? "UDP" : "TCP",
                response: reply, resolvedBy: path))
    }

    /// Zone or endpoint for a local answer; refused or error by its RCODE.
    private func directPath(_ query: [UInt8], _ preview: QueryPreview?, _ reply: [UInt8]) -> ResolvedBy {
        switch reply.count > 3 ? reply[3] & 0x0F : 2 {
        case 5: return .refused
        case 1, 4: return .error
        default: break
        }
        guard let preview, !snapshot.endpointOrigins.isEmpty,
            let name = try? DNSName(wire: Array(query[preview.nameStart..<preview.nameEnd])),
            let zone = snapshot.engine.zones.zone(enclosing: name)
        else { return .zone }
        return snapshot.endpointOrigins.contains(zone.origin) ? .endpoint : .zone
    }

    private func publishStats(_ udp: [UDPServer], _ loop: EventLoop) {
        var counts = udp.reduce(into: UDPServerCounts()) {
            $0.sendDrops += $1.sendDrops
            $0.oversizeDrops += $1.oversizeDrops
        }
        counts.yields = loop.yields
        metrics.udpServers.withLock { $0 = counts }
        guard let forwarder else { return }
        let stats = (forwarder.stats, forwarder.downUpstreams, forwarder.pendingCount)
        metrics.forwarder.withLock { $0 = stats }
    }
}

/// The first start-up failure of any worker.
final class StartupFailure: Sendable {
    let message = Mutex<String?>(nil)
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
