// SPDX-License-Identifier: Apache-2.0
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
    /// Snapshots replaced by a reload, freed on the main thread once every worker has moved on (so
    /// no worker stalls freeing a whole zone set).
    private var retired: [Snapshot] = []
    private var retireTimer: EventIO.Timer?
    /// Reload and freeing threads still running, and the timer that checks they are not starved.
    private var background: [BackgroundThread] = []
    /// Runs while `background` is not empty (cancelled by the check that empties it).
    private var backgroundWatch: EventIO.Timer?
    private var mainLoop: EventLoop?
    private var lastReload = Date()
    private var reloading = false
    private var reloadPending = false
    private var reloadStarted = 0.0
    private let reloadResult = Mutex<Result<Snapshot, ConfigErrors>?>(nil)
    /// Zones from the last load, for a reload to reuse where their files have not changed.
    private let zoneFiles = ZoneFileCache()
    /// Reloads that published / failed, and when the last one ended (for metrics).
    public private(set) var reloadsOK = 0
    public private(set) var reloadsFailed = 0

    public init(source: ConfigSource, logger: Logger, notifier: SystemdNotifier = SystemdNotifier()) {
        self.source = source
        self.logger = logger
        self.notifier = notifier
    }

    /// Loads the configuration and every zone, or returns all the problems: those of the config
    /// file and those of the zone files it names, in one list.
    public static func prepare(
        _ source: ConfigSource, zoneFiles: ZoneFileCache? = nil, previous: Snapshot? = nil
    ) -> Result<Snapshot, ConfigErrors> {
        let (config, configErrors) = source.read()
        switch SnapshotBuilder.build(config, zoneFiles: zoneFiles, previous: previous) {
        case .success(let snapshot):
            return configErrors.isEmpty ? .success(snapshot) : .failure(ConfigErrors(configErrors))
        case .failure(let more):
            return .failure(ConfigErrors(configErrors + more.errors))
        }
    }

    /// Runs until SIGTERM or SIGINT.
    /// - Returns: the process exit status (0 after a clean stop, 1 when start-up failed).
    public func run() -> Int32 {
        let snapshot: Snapshot
        switch Daemon.prepare(source, zoneFiles: zoneFiles) {
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
        // Workers default to Foundation's count, which heeds a cgroup CPU quota; steering by CPU
        // ranks the CPUs the process may run on (its affinity), for the kernel program and pinning.
        let cpus = max(1, ProcessInfo.processInfo.activeProcessorCount)
        let allowed = CPUAffinity.current()
        let workerCount = config.workers > 0 ? config.workers : cpus
        let sockets: [Listener]
        let ioUring: Bool
        do {
            sockets = try bindListeners(
                config.listen, workers: workerCount, steering: config.udpSteering, cpus: allowed.isEmpty ? cpus : allowed.count,
                ranked: allowed)
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
            Worker(index: i, udpSockets: sockets.map { $0.udp[i] }, tcpSockets: sockets.map { $0.tcp[i] }, store: store,
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
        logger.info("ready: \(snapshot.summary), \(workerCount) workers")
        notifier.ready(status: "serving: \(snapshot.summary)")
        do {
            try runMainLoop(metrics: config.metrics)
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

    private func runMainLoop(metrics: SocketAddress?) throws {
        let loop = try EventLoop()
        mainLoop = loop
        defer { mainLoop = nil }
        var http: HTTPServer?
        if let metrics {
            http = try HTTPServer(binding: metrics, on: loop) { [unowned self] path in self.serveHTTP(path) }
            logger.info("metrics on http://\(http!.localAddress)/metrics")
        }
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
        let reloadDone = try Waker(on: loop) { [unowned self] in self.finishReload() }
        let hup = try SignalWatcher(SIGHUP, on: loop) { [unowned self] in self.startReload(then: reloadDone) }
        var watchdog: EventIO.Timer?
        if let interval = SystemdNotifier.watchdogInterval() {
            watchdog = try EventIO.Timer(after: interval, repeats: true, on: loop) { [notifier] in notifier.watchdog() }
        }
        try loop.run()
        withExtendedLifetime((term, int, hup, reloadDone, watchdog, http, usr1)) {}
    }

    /// SIGHUP: re-read everything on a background thread; signals during a reload are coalesced
    /// into one more reload after it.
    private func startReload(then done: Waker) {
        if reloading {
            reloadPending = true
            return
        }
        reloading = true
        reloadStarted = monotonicSeconds()
        notifier.reloading()
        logger.info("SIGHUP: reloading")
        let source = self.source
        let zoneFiles = self.zoneFiles
        let previous = store?.load()
        let box = ReloadBox(self)
        startBackground(named: "vpcdnsd-reload") {
            // Building the snapshot must not take CPU from the workers: it yields to them.
            let result = Daemon.prepare(source, zoneFiles: zoneFiles, previous: previous)
            box.daemon?.reloadResult.withLock { $0 = result }
            done.wake()
        }
    }

    /// On the main loop: publish the new snapshot, or keep the old one and say why.
    private func finishReload() {
        guard let result = reloadResult.withLock({ value -> Result<Snapshot, ConfigErrors>? in
            defer { value = nil }
            return value
        }), let store else { return }
        let ms = Int((monotonicSeconds() - reloadStarted) * 1000)
        switch result {
        case .success(let snapshot):
            let previous = store.load()
            for warning in snapshot.config.warnings { logger.warning("reload: \(warning.description)") }
            for change in ConfigTable.restartChanges(running: running, new: snapshot.config) {
                logger.warning(
                    "reload: \(change.key.path) is \(change.new) in the configuration, \(change.running) is running; that takes a restart")
            }
            store.publish(snapshot)
            for worker in workers { worker.takeUpSnapshot() }
            retire(previous)
            // Cached forwarded answers stay, except under names now private or routed differently.
            for domain in Daemon.changedDomains(from: previous, to: snapshot) { cache?.purge(below: domain) }
            reloadsOK += 1
            lastReload = Date()
            let unchanged = snapshot.unchangedZoneFiles
            var note = unchanged == 0 ? "" : "; \(unchanged) unchanged zone file\(unchanged == 1 ? "" : "s") not re-read"
            if snapshot.reusedEngine { note += "; nothing to rebuild" }
            logger.info("reload ok: \(snapshot.summary) in \(ms) ms\(note)")
            notifier.ready(status: "serving: \(snapshot.summary)")
        case .failure(let errors):
            reloadsFailed += 1
            lastReload = Date()
            for error in errors.errors { logger.error("reload: \(error.description)") }
            logger.error("reload failed after \(ms) ms: \(errors.errors.count) problem(s); still serving the previous data")
            notifier.notify(
                "READY=1", "STATUS=reload failed (\(errors.errors.first?.description ?? "error")); serving the previous data")
        }
        reloading = false
        if reloadPending {
            reloadPending = false
            sendReload()
        }
    }

    /// /metrics (Prometheus text), /health (the process answers), /ready (serving a snapshot).
    private func serveHTTP(_ path: String) -> HTTPServer.Response? {
        switch path {
        case "/metrics":
            guard let store, let cache else { return nil }
            let body = MetricsRenderer.render(
                workers: workers.map(\.metrics), cache: cache, snapshot: store.load(), reloadsOK: reloadsOK,
                reloadsFailed: reloadsFailed, lastReload: lastReload, queryLogDropped: queryLog?.dropped ?? 0)
            return HTTPServer.Response(contentType: "text/plain; version=0.0.4; charset=utf-8", body: body)
        case "/health":
            return HTTPServer.Response(body: "ok\n")
        case "/ready":
            return store == nil || reloading && reloadsOK + reloadsFailed == 0
                ? HTTPServer.Response(status: 503, body: "starting\n") : HTTPServer.Response(body: "ready\n")
        default:
            return nil
        }
    }

    /// Keeps `snapshot` until the workers have surely taken up its successor (they do within one
    /// loop turn of `poke`), then frees it and returns the memory to the system on a thread that
    /// yields to the workers (freeing 100,000 records takes a while).
    private func retire(_ snapshot: Snapshot) {
        retired.append(snapshot)
        guard let loop = mainLoop else { return }
        retireTimer = try? EventIO.Timer(after: 1, on: loop) { [unowned self] in
            let garbage = Garbage(self.retired)
            self.retired.removeAll()
            self.startBackground(named: "vpcdnsd-free") {
                garbage.drop()
                _ = vpcdns_malloc_trim()
            }
        }
    }

    /// Starts `body` on a `BackgroundThread` and watches, while any runs, that none starves.
    private func startBackground(named name: String, _ body: @escaping @Sendable () -> Void) {
        let watching = !background.isEmpty
        background.append(BackgroundThread.start(named: name, body))
        guard !watching, let loop = mainLoop else { return }
        backgroundWatch = try? EventIO.Timer(after: BackgroundThread.checkInterval, repeats: true, on: loop) {
            [unowned self] in self.checkBackground()
        }
    }

    private func checkBackground() {
        let interval = BackgroundThread.checkInterval
        background.removeAll { thread in
            switch thread.check(interval: interval) {
            case .finished:
                return true
            case .running:
                return false
            case .raised(let ran):
                logger.warning(
                    "\(thread.name): runnable but \(Int(ran * 1000)) ms on a CPU in \(interval) s at idle priority (the machine is busy); it runs at normal priority now")
                return false
            case .refused(let ran, let error):
                logger.warning(
                    "\(thread.name): runnable but \(Int(ran * 1000)) ms on a CPU in \(interval) s at idle priority, and it may not be raised (\(String(cString: strerror(error)))); it goes on when a CPU is free")
                return false
            }
        }
        if background.isEmpty { backgroundWatch?.cancel() }  // not dropped here: this is its own callback
    }

    /// Runs one more reload (a SIGHUP arrived during the last one).
    private func sendReload() { kill(getpid(), SIGHUP) }

    /// Zone origins that appeared, and rule domains that appeared, vanished or changed.
    static func changedDomains(from old: Snapshot, to new: Snapshot) -> [DNSName] {
        let oldZones = Set(old.engine.zones.all.map(\.origin))
        var changed = new.engine.zones.all.map(\.origin).filter { !oldZones.contains($0) }
        let oldRules = old.engine.forwarding.rules
        let newRules = new.engine.forwarding.rules
        for domain in Set(oldRules.keys).union(newRules.keys) where oldRules[domain] != newRules[domain] {
            changed.append(domain)
        }
        if old.engine.forwarding.defaultGroup != new.engine.forwarding.defaultGroup { changed.append(.root) }
        return changed
    }

    private func stopWorkers(drain: Bool) {
        for worker in workers {
            if drain { worker.drain(within: Daemon.drainSeconds) } else { worker.stop() }
        }
        for worker in workers { worker.join() }
        workers = []
    }
}

/// Lets the reload thread reach the daemon without owning it.
private final class ReloadBox: @unchecked Sendable {
    weak var daemon: Daemon?
    init(_ daemon: Daemon) { self.daemon = daemon }
}

/// Retired snapshots on their way to a background thread, which drops the last references.
private final class Garbage: @unchecked Sendable {
    private var snapshots: [Snapshot]
    init(_ snapshots: [Snapshot]) { self.snapshots = snapshots }
    /// Called once, on the freeing thread.
    func drop() { snapshots.removeAll() }
}
