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
    /// DNS over TLS listeners.
    private let tlsSockets: [Socket]
    /// DNS over HTTPS listeners, with the path each serves.
    private let httpsSockets: [(socket: Socket, path: String)]
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

    /// Datagrams read per receive (`recvmmsg`), and so questions parsed per batch.
    static let batchSize = 32

    init(
        index: Int, udpSockets: [Socket], tcpSockets: [Socket], tlsSockets: [Socket] = [],
        httpsSockets: [(socket: Socket, path: String)] = [], store: SnapshotStore, cache: ResponseCache,
        queryLog: QueryLog?, logger: Logger, sendThroughIOUring: Bool = false,
        yield: UDPServer.LoneReplyYield = .never
    ) {
        self.yield = yield
        self.index = index
        self.sendThroughIOUring = sendThroughIOUring
        self.queryLog = queryLog
        self.udpSockets = udpSockets
        self.tcpSockets = tcpSockets
        self.tlsSockets = tlsSockets
        self.httpsSockets = httpsSockets
        self.store = store
        self.cache = cache
        self.logger = logger
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
    func takeUpSnapshot() { control.withLock { $0.waker }?.wake() }

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
        let first = store.load()
        let io = LoopForwarderIO(loop: loop, queriesPerSocket: first.config.forwarding.queriesPerSocket, logger: logger)
        let pipeline = QueryPipeline(
            store: store, cache: cache, io: io, metrics: metrics, queryLog: queryLog, batchSize: Worker.batchSize)
        if sendThroughIOUring {
            do {
                try io.pool.sendThroughIOUring()
            } catch {
                logger.warning("worker \(index): \(error); its upstream queries go out with sendmsg")
            }
        }
        // The pipeline outlives the servers (`withExtendedLifetime` below): they hold it unretained.
        let udp = try udpSockets.map { socket in
            let server = try UDPServer(socket: socket, on: loop, batchSize: Worker.batchSize, handler: pipeline)
            server.yieldAfterLoneReply = yield
            if sendThroughIOUring {
                do {
                    try server.sendThroughIOUring()
                } catch {
                    logger.warning("worker \(index): \(error); its UDP replies go out with sendmmsg")
                }
            }
            return server
        }
        let plainTCP = try tcpSockets.map { try TCPServer(socket: $0, on: loop, limits: first.config.tcp, handler: pipeline) }
        let dot = try tlsSockets.map {
            try TCPServer(socket: $0, on: loop, limits: first.config.tls.limits, tls: first.config.tls.context, handler: pipeline)
        }
        let tcp = plainTCP + dot
        let doh = try httpsSockets.compactMap { listener -> DoHServer? in
            guard let context = first.config.tls.httpsContext else { return nil }
            return try DoHServer(
                socket: listener.socket, on: loop, limits: first.config.tls.limits, tls: context, path: listener.path, handler: pipeline)
        }
        let publish = try EventIO.Timer(after: 1, repeats: true, on: loop) { [unowned(unsafe) self] in
            self.publishStats(udp, plainTCP, dot, doh, loop, pipeline)
        }
        var drainTimers: [EventIO.Timer] = []
        let onCommand = { [unowned(unsafe) self] in
            // A reload was published: take it up now (a receive may have already), and the
            // transport's own settings with it.
            pipeline.refreshSnapshot()
            for server in plainTCP { server.limits = pipeline.snapshot.config.tcp }
            for server in dot {
                server.limits = pipeline.snapshot.config.tls.limits
                server.tls = pipeline.snapshot.config.tls.context
            }
            for server in doh {
                server.limits = pipeline.snapshot.config.tls.limits
                if let context = pipeline.snapshot.config.tls.httpsContext { server.tls = context }
            }
            switch self.control.withLock({ $0.command }) {
            case .stop?:
                loop.stop()
            case .drain(let seconds)?:
                guard drainTimers.isEmpty else { return }
                for server in udp { server.stopReading() }
                for server in tcp { server.stopAccepting() }
                for server in doh { server.stopAccepting() }
                let idle = {
                    pipeline.forwarder.pendingCount == 0 && tcp.allSatisfy { $0.outstandingQueries == 0 }
                        && doh.allSatisfy { $0.outstandingQueries == 0 }
                }
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
        publishStats(udp, plainTCP, dot, doh, loop, pipeline)
        withExtendedLifetime((udp, tcp, doh, waker, drainTimers, publish, pipeline)) {}
    }

    private func publishStats(
        _ udp: [UDPServer], _ tcp: [TCPServer], _ dot: [TCPServer], _ doh: [DoHServer], _ loop: EventLoop, _ pipeline: QueryPipeline
    ) {
        let forwarder = pipeline.forwarder
        var counts = udp.reduce(into: UDPServerCounts()) {
            $0.sendDrops += $1.sendDrops
            $0.oversizeDrops += $1.oversizeDrops
        }
        counts.yields = loop.yields
        metrics.udpServers.withLock { $0 = counts }
        let stats = (forwarder.stats, forwarder.downUpstreams, forwarder.pendingCount)
        metrics.forwarder.withLock { $0 = stats }
        let tls = (pipeline.tlsCounters, dot.reduce(0) { $0 + $1.handshakesTimedOut } + doh.reduce(0) { $0 + $1.handshakesTimedOut })
        metrics.tls.withLock { $0 = tls }
        let rejected = (tcp.reduce(0) { $0 + $1.rejected }, dot.reduce(0) { $0 + $1.rejected }, doh.reduce(0) { $0 + $1.rejected })
        metrics.rejectedConnections.withLock { $0 = rejected }
    }
}

/// The first start-up failure of any worker.
final class StartupFailure: Sendable {
    let message = Mutex<String?>(nil)
}
