// SPDX-License-Identifier: Apache-2.0
import DNSCore
import DNSForwarder
import EventIO
import Foundation
import Glibc
import Logging
import Synchronization

/// The running daemon: binds the listeners, starts one worker per core, and handles signals on the
/// main thread (SIGHUP reloads, SIGTERM/SIGINT stop).
public final class Daemon {
    private let source: ConfigSource
    private let logger: Logger
    private var store: SnapshotStore?
    private var cache: ResponseCache?
    private var workers: [Worker] = []

    public init(source: ConfigSource, logger: Logger) {
        self.source = source
        self.logger = logger
    }

    /// Loads the configuration and every zone, or returns all the problems: those of the config
    /// file and those of the zone files it names, in one list.
    public static func prepare(_ source: ConfigSource) -> Result<Snapshot, ConfigErrors> {
        let (config, configErrors) = source.read()
        switch SnapshotBuilder.build(config) {
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
        switch Daemon.prepare(source) {
        case .success(let s): snapshot = s
        case .failure(let errors):
            for error in errors.errors { logger.error("\(error.description)") }
            logger.error("not starting: \(errors.errors.count) problem(s) in the configuration")
            return 1
        }
        let config = snapshot.config
        let workerCount = config.workers > 0 ? config.workers : max(1, ProcessInfo.processInfo.activeProcessorCount)
        let sockets: [(udp: [Socket], tcp: [Socket])]
        do {
            sockets = try bindListeners(config.listen, workers: workerCount)
        } catch {
            logger.error("cannot listen: \(error)")
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
        let ready = DispatchSemaphore(value: 0)
        let failure = StartupFailure()
        workers = (0..<workerCount).map { i in
            Worker(index: i, udpSockets: sockets.map { $0.udp[i] }, tcpSockets: sockets.map { $0.tcp[i] }, store: store,
                cache: cache, logger: logger)
        }
        for worker in workers { worker.start(ready: ready, failure: failure) }
        for _ in workers { ready.wait() }
        if let message = failure.message.withLock({ $0 }) {
            logger.error("cannot start: \(message)")
            stopWorkers()
            return 1
        }
        for pair in sockets {
            logger.info("listening", metadata: ["udp": "\(pair.udp[0].localAddress)", "tcp": "\(pair.tcp[0].localAddress)"])
        }
        logger.info("ready: \(snapshot.summary), \(workerCount) workers")
        do {
            try runMainLoop()
        } catch {
            logger.error("main loop failed: \(error)")
            stopWorkers()
            return 1
        }
        stopWorkers()
        logger.info("stopped")
        return 0
    }

    /// One UDP and one TCP socket per worker and address, all with SO_REUSEPORT. Port 0 is resolved
    /// by the first socket so every worker shares the port the kernel chose.
    private func bindListeners(_ addresses: [SocketAddress], workers: Int) throws -> [(udp: [Socket], tcp: [Socket])] {
        var result: [(udp: [Socket], tcp: [Socket])] = []
        for requested in addresses {
            var address = requested
            var udp: [Socket] = []
            var tcp: [Socket] = []
            for _ in 0..<workers {
                let socket = try Socket(binding: address, datagram: true, reusePort: true)
                address = socket.localAddress
                udp.append(socket)
                tcp.append(try Socket(binding: address, datagram: false, reusePort: true))
            }
            result.append((udp, tcp))
        }
        return result
    }

    private func runMainLoop() throws {
        let loop = try EventLoop()
        let stop = { [logger] (name: String) in
            logger.info("\(name): stopping")
            loop.stop()
        }
        let term = try SignalWatcher(SIGTERM, on: loop) { stop("SIGTERM") }
        let int = try SignalWatcher(SIGINT, on: loop) { stop("SIGINT") }
        let hup = try SignalWatcher(SIGHUP, on: loop) { [unowned self] in self.reload() }
        try loop.run()
        withExtendedLifetime((term, int, hup)) {}
    }

    /// Re-reads the config and every zone; publishes the new snapshot only when all of it is good.
    func reload() {
        guard let store else { return }
        let started = Date()
        switch Daemon.prepare(source) {
        case .success(let snapshot):
            let previous = store.load()
            if snapshot.config.listen != previous.config.listen {
                logger.warning("reload: listen addresses changed; that takes a restart")
            }
            store.publish(snapshot)
            // Cached forwarded answers stay, except under names now private or routed differently.
            for domain in Daemon.changedDomains(from: previous, to: snapshot) { cache?.purge(below: domain) }
            let ms = Int(Date().timeIntervalSince(started) * 1000)
            logger.info("reload ok: \(snapshot.summary) in \(ms) ms")
        case .failure(let errors):
            for error in errors.errors { logger.error("reload: \(error.description)") }
            logger.error("reload failed: \(errors.errors.count) problem(s); still serving the previous data")
        }
    }

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

    private func stopWorkers() {
        for worker in workers { worker.stop() }
        for worker in workers { worker.join() }
        workers = []
    }
}
