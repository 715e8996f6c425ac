// SPDX-License-Identifier: Apache-2.0
import AWS
import CSocketBatch
import DNSCore
import DNSForwarder
import DNSZone
import EventIO
import Foundation
import Glibc
import Logging
import Synchronization

/// The running daemon: binds the listeners, drops privileges, starts one worker per core, and
/// handles signals on the main thread: SIGHUP reloads (built on a background thread, published
/// whole), SIGTERM/SIGINT drain and stop. Speaks sd_notify when NOTIFY_SOCKET is set.
public final class Daemon {
    /// How long a stop waits for queries in flight.
    public static let drainSeconds = 2.0

    private let source: ConfigSource
    private let logger: Logger
    private let notifier: SystemdNotifier
    private var store: SnapshotStore?
    private var cache: ResponseCache?
    private var workers: [Worker] = []
    private var queryLog: QueryLog?
    /// The configuration the daemon started with: what restart-only keys are running as.
    private var running = Config()
    /// Set while the main loop runs.
    private var reloader: Reloader?
    /// Zones from the last load, for a reload to reuse where their files have not changed.
    private let zoneFiles = ZoneFileCache()
    /// The AWS sync, when `aws:` is configured.
    private var sync: AWSSync?

    public init(source: ConfigSource, logger: Logger, notifier: SystemdNotifier = SystemdNotifier()) {
        self.source = source
        self.logger = logger
        self.notifier = notifier
    }

    /// Runs until SIGTERM or SIGINT.
    /// - Returns: the process exit status (0 after a clean stop, 1 when start-up failed).
    public func run() -> Int32 {
        // A client that closes while TLS is still writing (a session ticket after the handshake)
        // must cost its write an EPIPE, not the process: OpenSSL writes with write(2), not
        // send(MSG_NOSIGNAL) as libevent does.
        signal(SIGPIPE, SIG_IGN)
        let snapshot: Snapshot
        var inventory: VPCInventory?
        var fromAWS = false
        // The aws section first: the synced data is one more source of the first snapshot.
        let (preview, _) = source.read()
        if let settings = preview.aws {
            switch AWSSync.client(settings) {
            case .failure(let error):
                logger.error("\(error.description)")
                return 1
            case .success(let client):
                let sync = AWSSync(settings: settings, client: client, stateFile: AWSSync.stateFile(preview), logger: logger)
                self.sync = sync
                // Start with what AWS says now; while it cannot be reached, with the last good sync.
                inventory = sync.fetchNow()
                fromAWS = inventory != nil
                if inventory == nil { inventory = sync.persisted() }
            }
        }
        var prepared = SnapshotBuilder.prepare(source, zoneFiles: zoneFiles, inventory: inventory)
        // Data from AWS that does not load never keeps the configuration's own from being served:
        // the last good sync is tried next, then none (a bad configuration still stops the start).
        if case .failure(let errors) = prepared, let sync, inventory != nil {
            for error in errors.errors { logger.error("\(error.description)") }
            sync.rejected()
            let fallback = fromAWS ? sync.persisted() : nil
            logger.error("aws sync: the synced data does not load; starting with \(fallback == nil ? "no synced data" : "the last good sync")")
            (inventory, fromAWS) = (fallback, false)
            prepared = SnapshotBuilder.prepare(source, zoneFiles: zoneFiles, inventory: inventory)
            if case .failure = prepared, inventory != nil {
                inventory = nil
                prepared = SnapshotBuilder.prepare(source, zoneFiles: zoneFiles)
            }
        }
        switch prepared {
        case .success(let s): snapshot = s
        case .failure(let errors):
            for error in errors.errors { logger.error("\(error.description)") }
            logger.error("not starting: \(errors.errors.count) problem(s) in the configuration")
            notifier.status("not starting: \(errors.errors.first?.description ?? "configuration error")")
            return 1
        }
        let config = snapshot.config
        running = config
        for warning in config.warnings { logger.warning("\(warning.description)") }
        for notice in snapshot.notices { logger.info("\(notice)") }
        // Workers default to Foundation's count, which heeds a cgroup CPU quota; steering by CPU
        // ranks the CPUs the process may run on (its affinity), for the kernel program and pinning.
        let cpus = max(1, ProcessInfo.processInfo.activeProcessorCount)
        let allowed = CPUAffinity.current()
        let workerCount = config.workers > 0 ? config.workers : cpus
        let sockets: [Listener]
        let tlsSockets: [[Socket]]
        let httpsSockets: [(sockets: [Socket], path: String)]
        let ioUring: Bool
        let metricsSocket: Socket?
        do {
            // The views' own listeners too (each answers as its view); a view's address that is a
            // DoT or DoH listener binds that listener to the view, and gets no plain one.
            var addresses = config.listen
            let encrypted = Set(config.listenTLS + config.listenHTTPS.map(\.address))
            for address in config.views.flatMap(\.listen) where !addresses.contains(address) && !encrypted.contains(address) {
                addresses.append(address)
            }
            sockets = try bindListeners(
                addresses, workers: workerCount, steering: config.udpSteering, cpus: allowed.isEmpty ? cpus : allowed.count,
                ranked: allowed)
            tlsSockets = try config.listenTLS.map { try Daemon.bindStreamSockets($0, workers: workerCount) }
            httpsSockets = try config.listenHTTPS.map { (try Daemon.bindStreamSockets($0.address, workers: workerCount), $0.path) }
            metricsSocket = try config.metrics.map { address throws(EventIOError) in try HTTPServer.bind(address) }
            if let user = config.user { try Privileges.drop(to: user, logger: logger) }
            ioUring = try config.udpSend.resolve(logger: logger)
        } catch {
            logger.error("cannot start: \(error)")
            notifier.status("cannot start: \(error)")
            return 1
        }
        let store = SnapshotStore(snapshot)
        self.store = store
        let c = config.cache
        let cache = ResponseCache(
            policy: CachePolicy(
                maxEntries: c.maxEntries, maxBytes: c.maxBytes, minTTL: c.minTTL, maxTTL: c.maxTTL,
                maxNegativeTTL: c.maxNegativeTTL, serveStale: c.serveStale))
        self.cache = cache
        if let destination = config.queryLog {
            do {
                queryLog = try QueryLog(destination: destination)
            } catch {
                logger.error("cannot open the query log: \(error)")
                return 1
            }
        }
        let ready = DispatchSemaphore(value: 0)
        let failure = StartupFailure()
        workers = (0..<workerCount).map { i in
            Worker(index: i, udpSockets: sockets.map { $0.udp[i] }, tcpSockets: sockets.map { $0.tcp[i] },
                tlsSockets: tlsSockets.map { $0[i] }, httpsSockets: httpsSockets.map { ($0.sockets[i], $0.path) }, store: store,
                cache: cache, queryLog: queryLog, logger: logger, sendThroughIOUring: ioUring, yield: config.udpYield.policy)
        }
        for worker in workers { worker.start(ready: ready, failure: failure) }
        for _ in workers { ready.wait() }
        if let message = failure.message.withLock({ $0 }) {
            logger.error("cannot start: \(message)")
            stopWorkers(drain: false)
            return 1
        }
        for listener in sockets {
            logger.info("listening", metadata: [
                "udp": "\(listener.udp[0].localAddress)", "tcp": "\(listener.tcp[0].localAddress)",
                "udp_steering": "\(listener.byCPU ? "cpu" : "hash")",
                "udp_send": "\(ioUring ? "io_uring" : "sendmmsg")",
                "udp_yield": "\(config.udpYield.rawValue)",
            ])
        }
        for listener in tlsSockets {
            logger.info("listening", metadata: ["dot": "\(listener[0].localAddress)"])
        }
        for listener in httpsSockets {
            logger.info("listening", metadata: ["doh": "https://\(listener.sockets[0].localAddress)\(listener.path)"])
        }
        logger.info("ready: \(snapshot.summary), \(workerCount) workers")
        if let sync, let inventory, fromAWS { sync.accepted(inventory) }
        do {
            try runMainLoop(config: config, metrics: metricsSocket, store: store, cache: cache, inventory: inventory, synced: fromAWS)
        } catch {
            logger.error("main loop failed: \(error)")
            stopWorkers(drain: false)
            queryLog?.close()
            return 1
        }
        stopWorkers(drain: true)
        queryLog?.close()
        logger.info("stopped")
        return 0
    }

    /// The sockets of one listen address, one of each kind per worker; `byCPU` when its datagrams
    /// are steered by receiving CPU (`UDPSteering`).
    private typealias Listener = (udp: [Socket], tcp: [Socket], byCPU: Bool)

    /// One UDP and one TCP socket per worker and address, all with SO_REUSEPORT. Port 0 is resolved
    /// by the first socket so every worker shares the port the kernel chose.
    /// Steering by CPU ranks the CPUs as in `ranked`, the list that pins workers too.
    private func bindListeners(
        _ addresses: [SocketAddress], workers: Int, steering: UDPSteering, cpus: Int, ranked: [Int]
    ) throws -> [Listener] {
        var result: [Listener] = []
        for requested in addresses {
            let (udp, tcp) = try Daemon.bindSockets(requested, workers: workers)
            let address = udp[0].localAddress
            var byCPU = steering.steersByCPU(address, workers: workers, cpus: cpus)
            if byCPU {
                do {
                    try udp[0].steerByCPU(sockets: workers, cpus: ranked)
                } catch {
                    byCPU = false
                    logger.warning("udp_steering: \(error); the kernel's hash spreads \(address)'s datagrams instead")
                }
            }
            result.append((udp, tcp, byCPU))
        }
        return result
    }

    /// A UDP and a TCP socket per worker, all on `requested`'s port. For port 0 the kernel picks the
    /// first UDP socket's port, free for UDP only; when that port is taken for TCP (another program's
    /// connection, say), everything is closed and another is picked, as a single socket's port 0
    /// would promise. A port asked for by number fails at once.
    static func bindSockets(_ requested: SocketAddress, workers: Int) throws(EventIOError) -> (udp: [Socket], tcp: [Socket]) {
        var attempts = 0
        while true {
            do {
                var address = requested
                var udp: [Socket] = []
                var tcp: [Socket] = []
                for _ in 0..<workers {
                    let socket = try Socket(binding: address, datagram: true, reusePort: true)
                    address = socket.localAddress
                    udp.append(socket)
                    tcp.append(try Socket(binding: address, datagram: false, reusePort: true))
                }
                return (udp, tcp)
            } catch where requested.port == 0 && error.errno == EADDRINUSE && attempts < 50 {
                attempts += 1
            }
        }
    }

    /// A TCP socket per worker on `requested` (a DoT listener), all on one port.
    static func bindStreamSockets(_ requested: SocketAddress, workers: Int) throws(EventIOError) -> [Socket] {
        var address = requested
        var sockets: [Socket] = []
        for _ in 0..<workers {
            let socket = try Socket(binding: address, datagram: false, reusePort: true)
            address = socket.localAddress
            sockets.append(socket)
        }
        return sockets
    }

    private func runMainLoop(
        config: Config, metrics: Socket?, store: SnapshotStore, cache: ResponseCache, inventory: VPCInventory?, synced: Bool
    ) throws {
        let loop = try EventLoop()
        let probes = HealthProbes(logger: logger)
        probes.follow(store.load())
        defer { probes.stop() }
        let reloader = try Reloader(
            source: source, store: store, cache: cache, workers: workers, running: config, zoneFiles: zoneFiles,
            probes: probes, notifier: notifier, logger: logger, loop: loop)
        self.reloader = reloader
        defer { self.reloader = nil }
        reloader.started(with: inventory)
        if let sync {
            reloader.sync = sync
            nonisolated(unsafe) let offerTo = reloader
            sync.deliver = { offerTo.offer($0) }
            sync.report = { [notifier] line in notifier.status(store.load().status(sync: line)) }
            // After a start that could not reach AWS, the next try comes soon.
            sync.start(firstDelay: synced ? sync.settings.interval : min(sync.settings.interval, 5))
        }
        defer { sync?.stop() }
        var http: HTTPServer?
        if let metrics {
            http = try HTTPServer(socket: metrics, on: loop) { [unowned self] path in self.serveHTTP(path) }
            logger.info("metrics on http://\(metrics.localAddress)/metrics")
        }
        notifier.ready(status: reloader.statusLine(store.load()))
        let usr1 = try SignalWatcher(SIGUSR1, on: loop) { [unowned self] in
            self.logger.info("SIGUSR1: reopening the query log")
            self.queryLog?.reopen()
        }
        let stop = { [logger, notifier] (name: String) in
            logger.info("\(name): stopping")
            notifier.stopping()
            loop.stop()
        }
        let term = try SignalWatcher(SIGTERM, on: loop) { stop("SIGTERM") }
        let int = try SignalWatcher(SIGINT, on: loop) { stop("SIGINT") }
        let hup = try SignalWatcher(SIGHUP, on: loop) { [sync] in
            reloader.request()
            sync?.syncNow()
        }
        var watchdog: EventIO.Timer?
        if let interval = SystemdNotifier.watchdogInterval() {
            watchdog = try EventIO.Timer(after: interval, repeats: true, on: loop) { [notifier] in notifier.watchdog() }
        }
        try loop.run()
        withExtendedLifetime((term, int, hup, watchdog, http, usr1)) {}
    }

    /// /metrics (Prometheus text), /health (the process answers), /ready (serving a snapshot).
    private func serveHTTP(_ path: String) -> HTTPServer.Response? {
        switch path {
        case "/metrics":
            guard let store, let cache, let reloader else { return nil }
            let body = MetricsRenderer.render(
                workers: workers.map(\.metrics), cache: cache, snapshot: store.load(), reloadsOK: reloader.succeeded,
                reloadsFailed: reloader.failed, lastReload: reloader.lastEnded, queryLogDropped: queryLog?.dropped ?? 0,
                aws: sync?.stats)
            return HTTPServer.Response(contentType: "text/plain; version=0.0.4; charset=utf-8", body: body)
        case "/health":
            return HTTPServer.Response(body: "ok\n")
        case "/ready":
            let firstReload = reloader.map { $0.isReloading && $0.succeeded + $0.failed == 0 } ?? false
            return store == nil || firstReload
                ? HTTPServer.Response(status: 503, body: "starting\n") : HTTPServer.Response(body: "ready\n")
        default:
            return nil
        }
    }

    private func stopWorkers(drain: Bool) {
        for worker in workers {
            if drain { worker.drain(within: Daemon.drainSeconds) } else { worker.stop() }
        }
        for worker in workers { worker.join() }
        workers = []
    }
}
