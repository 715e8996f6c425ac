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

/// The reload's control, on the main loop: a SIGHUP builds a new snapshot on a background thread
/// (`SnapshotBuilder.prepare`), and its result comes back here to be published whole, or logged
/// while the old data keeps serving. A SIGHUP during a build starts one more build when it ends.
/// Replaced snapshots are freed a second later on another background thread, so no worker stalls
/// freeing a zone set; while any such thread runs, a timer checks it is not starved.
final class Reloader {
    private let source: ConfigSource
    private let store: SnapshotStore
    private let cache: ResponseCache
    private let workers: [Worker]
    /// The configuration the daemon started with: what restart-only keys are running as.
    private let running: Config
    private let notifier: SystemdNotifier
    private let logger: Logger
    private unowned let loop: EventLoop
    /// Zones from the last load, for a reload to reuse where their files have not changed.
    private let zoneFiles: ZoneFileCache
    /// The health-check prober, restarted when a snapshot brings other checks.
    private let probes: HealthProbes
    /// Wakes the main loop when a build ends; the build leaves its result in `result`.
    private var done: Waker?
    private let result = BuildResult()

    /// The AWS sync, when `aws:` is configured: its inventory is one more source of every build.
    var sync: AWSSync?
    /// The synced inventory the snapshot in force was built with.
    private(set) var inventory: VPCInventory?
    /// A newer inventory offered by the sync thread, and the wake-up that brings it here.
    private let offered = Mutex<VPCInventory?>(nil)
    private var offerWaker: Waker?
    /// The candidate of the build under way (nil: the build reuses `inventory`), and one waiting.
    private var building: VPCInventory?
    private var waiting: VPCInventory?

    private(set) var isReloading = false
    private var pending = false
    private var startedAt = 0.0
    /// Reloads that published / failed, and when the last one ended (for metrics).
    private(set) var succeeded = 0
    private(set) var failed = 0
    private(set) var lastEnded = Date()

    private var retired: [Snapshot] = []
    private var retireTimer: EventIO.Timer?
    /// Reload and freeing threads still running, and the timer that checks they are not starved.
    private var background: [BackgroundThread] = []
    private var backgroundWatch: EventIO.Timer?

    init(
        source: ConfigSource, store: SnapshotStore, cache: ResponseCache, workers: [Worker], running: Config,
        zoneFiles: ZoneFileCache, probes: HealthProbes, notifier: SystemdNotifier, logger: Logger, loop: EventLoop
    ) throws(EventIOError) {
        self.probes = probes
        self.source = source
        self.store = store
        self.cache = cache
        self.workers = workers
        self.running = running
        self.zoneFiles = zoneFiles
        self.notifier = notifier
        self.logger = logger
        self.loop = loop
        done = try Waker(on: loop) { [unowned self] in self.finish() }
        offerWaker = try Waker(on: loop) { [unowned self] in
            if let candidate = self.offered.withLock({ value in defer { value = nil }; return value }) {
                self.request(candidate: candidate)
            }
        }
    }

    /// The inventory the first snapshot was built with (start-up's).
    func started(with inventory: VPCInventory?) { self.inventory = inventory }

    /// From the sync thread: a changed inventory, to build a snapshot with.
    func offer(_ inventory: VPCInventory) {
        offered.withLock { $0 = inventory }
        offerWaker?.wake()
    }

    /// SIGHUP (or a sync with a changed `candidate`): starts a build, or, while one runs, asks for
    /// one more after it.
    func request(candidate: VPCInventory? = nil) {
        if isReloading {
            pending = true
            if let candidate { waiting = candidate }
            return
        }
        isReloading = true
        building = candidate
        startedAt = monotonicSeconds()
        notifier.reloading()
        logger.info(candidate == nil ? "SIGHUP: reloading" : "aws sync: the inventory changed; rebuilding")
        let (source, zoneFiles, previous, result, done) = (self.source, self.zoneFiles, store.load(), self.result, self.done)
        let inventory = candidate ?? self.inventory
        startBackground(named: "vpcdnsd-reload") {
            // Building the snapshot must not take CPU from the workers: the thread yields to them.
            let built = SnapshotBuilder.prepare(source, zoneFiles: zoneFiles, previous: previous, inventory: inventory)
            result.value.withLock { $0 = built }
            done?.wake()
        }
    }

    /// On the main loop, when a build ended: publish the new snapshot, or keep the old one and say why.
    private func finish() {
        guard let outcome = result.value.withLock({ value -> Result<Snapshot, ConfigErrors>? in
            defer { value = nil }
            return value
        }) else { return }
        let ms = Int((monotonicSeconds() - startedAt) * 1000)
        switch outcome {
        case .success(let snapshot):
            let previous = store.load()
            for warning in snapshot.config.warnings { logger.warning("reload: \(warning.description)") }
            for notice in snapshot.notices where !previous.notices.contains(notice) { logger.info("reload: \(notice)") }
            for change in ConfigTable.restartChanges(running: running, new: snapshot.config) {
                logger.warning(
                    "reload: \(change.key.path) is \(change.new) in the configuration, \(change.running) is running; that takes a restart")
            }
            store.publish(snapshot)
            for worker in workers { worker.takeUpSnapshot() }
            probes.follow(snapshot)
            retire(previous)
            // Cached forwarded answers stay, except under names now private or routed differently.
            for domain in Reloader.changedDomains(from: previous, to: snapshot) { cache.purge(below: domain) }
            succeeded += 1
            lastEnded = Date()
            let unchanged = snapshot.unchangedZoneFiles
            var note = unchanged == 0 ? "" : "; \(unchanged) unchanged zone file\(unchanged == 1 ? "" : "s") not re-read"
            if snapshot.reusedEngine { note += "; nothing to rebuild" }
            logger.info("reload ok: \(snapshot.summary) in \(ms) ms\(note)")
            if let building {
                inventory = building
                sync?.accepted(building)
            }
            notifier.ready(status: statusLine(snapshot))
        case .failure(let errors):
            failed += 1
            lastEnded = Date()
            for error in errors.errors { logger.error("reload: \(error.description)") }
            logger.error("reload failed after \(ms) ms: \(errors.errors.count) problem(s); still serving the previous data")
            if building != nil { sync?.rejected() }
            notifier.notify(
                "READY=1", "STATUS=reload failed (\(errors.errors.first?.description ?? "error")); serving the previous data")
        }
        isReloading = false
        building = nil
        if pending {
            pending = false
            let candidate = waiting
            waiting = nil
            request(candidate: candidate)
        }
    }

    /// STATUS=: what is served, and how the last AWS sync went.
    func statusLine(_ snapshot: Snapshot) -> String { snapshot.status(sync: sync?.statusLine) }

    /// Zone origins that appeared, and rule domains that appeared, vanished or changed, in any
    /// view (a view that is new counts as changing everything it has).
    static func changedDomains(from old: Snapshot, to new: Snapshot) -> [DNSName] {
        var changed: Set<DNSName> = []
        for view in new.views {
            let before = old.views.first { $0.name == view.name }?.engine
            let oldZones = Set(before?.zones.all.map(\.origin) ?? [])
            changed.formUnion(view.engine.zones.all.map(\.origin).filter { !oldZones.contains($0) })
            let oldRules = before?.forwarding.rules ?? [:]
            let newRules = view.engine.forwarding.rules
            for domain in Set(oldRules.keys).union(newRules.keys) where oldRules[domain] != newRules[domain] {
                changed.insert(domain)
            }
            if before?.forwarding.defaultGroup != view.engine.forwarding.defaultGroup { changed.insert(.root) }
        }
        return changed.sorted { $0.text < $1.text }
    }

    /// Keeps `snapshot` until the workers have surely taken up its successor (they do within one
    /// loop turn of `takeUpSnapshot`), then frees it and returns the memory to the system on a
    /// thread that yields to the workers (freeing 100,000 records takes a while).
    private func retire(_ snapshot: Snapshot) {
        retired.append(snapshot)
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
        guard !watching else { return }
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
}

/// What a build thread hands back to the main loop.
private final class BuildResult: Sendable {
    let value = Mutex<Result<Snapshot, ConfigErrors>?>(nil)
}

/// Retired snapshots on their way to a background thread, which drops the last references.
private final class Garbage: @unchecked Sendable {
    private var snapshots: [Snapshot]
    init(_ snapshots: [Snapshot]) { self.snapshots = snapshots }
    /// Called once, on the freeing thread.
    func drop() { snapshots.removeAll() }
}
