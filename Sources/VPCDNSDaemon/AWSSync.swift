// SPDX-License-Identifier: Apache-2.0
import AWS
import DNSZone
import Foundation
import Logging

/// Keeps one VPC's inventory in step with AWS, on a thread of its own (a sync blocks on HTTP for
/// seconds; no worker ever waits on it). Every `interval` it reads the whole inventory
/// (`VPCInventoryFetcher`) and:
/// - when it differs from the last one handed over, hands it to the main loop (`deliver`), which
///   builds and publishes a snapshot exactly as a reload does, or logs why not and keeps the old;
/// - when it is the same, does nothing more: no rebuild;
/// - when a call fails, keeps the last good data; throttling and 5xx are retried after an
///   exponential back-off with jitter; a refused credential is logged at most once a minute.
/// The inventory a snapshot took is persisted (`accepted`), so a start with AWS unreachable
/// serves it.
final class AWSSync: @unchecked Sendable {
    let settings: Config.AWSSync
    let client: AWSClient
    /// The persisted inventory's file.
    let stateFile: String
    private let logger: Logger
    private let wakeup = Wakeup()
    /// Hands a changed inventory to the main loop; set before `start`.
    var deliver: @Sendable (VPCInventory) -> Void = { _ in }
    /// Tells the service manager how each sync went (STATUS=); set before `start`.
    var report: @Sendable (String) -> Void = { _ in }

    /// What /metrics and STATUS= show.
    struct Stats: Sendable {
        /// Syncs by result: changed, unchanged, and each failure class of `AWSError`.
        var results: [String: Int] = [:]
        var lastSuccess: Date?
        var lastResult = "none yet"
        var endpoints = 0
        var recordSets = 0
        var zones = 0
    }
    private let lock = NSLock()
    private var _stats = Stats()
    var stats: Stats { lock.withLock { _stats } }
    /// The last inventory handed over (accepted or not): what "changed" is measured against.
    private var lastDelivered: VPCInventory?
    private var lastAuthLog = Date.distantPast

    /// Settings to a client: the endpoint URLs, the credential chain and the Region, resolved as
    /// the SDKs resolve them.
    static func client(_ settings: Config.AWSSync, environment: [String: String] = ProcessInfo.processInfo.environment)
        -> Result<AWSClient, ConfigError>
    {
        let location = settings.location
        var urls: [String: URL] = [:]
        for service in ["ec2", "route53", "sts"] {
            if let text = settings.endpointURLs[service] ?? settings.endpointURLs["*"], let url = URL(string: text) {
                urls[service] = url
            }
        }
        let environment = environment.filter { !$0.value.isEmpty }
        let probe = CredentialChain(environment: environment, profile: settings.profile, region: "us-east-1", stsURL: urls["sts"])
        guard let region = settings.region ?? environment["AWS_REGION"] ?? environment["AWS_DEFAULT_REGION"]
            ?? probe.profileRegion() ?? probe.instanceRegion()
        else {
            return .failure(
                ConfigError(
                    file: location.file, line: location.line,
                    message: "aws: no Region: set aws.region (or AWS_REGION, or region in the profile)"))
        }
        let credentials = CredentialChain(environment: environment, profile: settings.profile, region: region, stsURL: urls["sts"])
        return .success(AWSClient(region: region, credentials: credentials, endpointURLs: urls))
    }

    /// `state_directory` as configured, else systemd's `STATE_DIRECTORY`, else /var/lib/vpcdnsd.
    static func stateFile(_ config: Config, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let directory = config.stateDirectory
            ?? environment["STATE_DIRECTORY"].flatMap { $0.split(separator: ":").first.map(String.init) } ?? "/var/lib/vpcdnsd"
        return directory + "/aws-inventory.json"
    }

    init(settings: Config.AWSSync, client: AWSClient, stateFile: String, logger: Logger) {
        self.settings = settings
        self.client = client
        self.stateFile = stateFile
        self.logger = logger
    }

    // MARK: Start-up

    /// The persisted inventory, with its age logged; nil when there is none (or it is unreadable).
    func persisted() -> VPCInventory? {
        guard let bytes = try? readWholeFile(stateFile) else { return nil }
        guard let (inventory, syncedAt) = VPCInventory.read(document: bytes), inventory.vpcID == settings.vpcID else {
            logger.warning("aws sync: \(stateFile) is not a sync of \(settings.vpcID); not used")
            return nil
        }
        logger.info(
            "aws sync: the last good sync of \(inventory.vpcID) is from \(ISO8601DateFormatter().string(from: syncedAt)), \(Int(Date().timeIntervalSince(syncedAt))) s old (\(stateFile))")
        return inventory
    }

    /// One sync, for start-up: the inventory, or nil with the failure logged and counted.
    func fetchNow() -> VPCInventory? {
        switch fetch() {
        case .success(let inventory):
            lastDelivered = inventory
            record("changed", success: true)
            return inventory
        case .failure(let error):
            fail(error)
            return nil
        }
    }

    // MARK: The loop

    /// Starts the loop; its first sync comes after `firstDelay` seconds.
    func start(firstDelay: Double) {
        startThread(named: "vpcdnsd-aws") { [self] in
            var delay = firstDelay
            var failures = 0
            while wakeup.wait(seconds: delay) != .stop {
                switch fetch() {
                case .success(let inventory):
                    failures = 0
                    delay = settings.interval
                    if inventory == lastDelivered {
                        record("unchanged", success: true)
                    } else {
                        lastDelivered = inventory
                        record("changed", success: true)
                        deliver(inventory)
                    }
                case .failure(let error):
                    fail(error)
                    if error.backsOff {
                        failures += 1
                        delay = AWSSync.backOff(failures: failures, interval: settings.interval)
                        logger.warning("aws sync: retrying in \(String(format: "%.1f", delay)) s")
                    } else {
                        failures = 0
                        delay = settings.interval
                    }
                }
                report(statusLine)
            }
        }
    }

    /// A sync at once (SIGHUP).
    func syncNow() { wakeup.kick() }

    func stop() { wakeup.stop() }

    /// 1 s doubled for each failure in a row, at most the interval, times a random 0.5–1
    /// ("equal jitter"): many daemons throttled together do not come back together.
    static func backOff(failures: Int, interval: Double, random: Double = Double.random(in: 0.5...1)) -> Double {
        min(interval, pow(2, Double(min(failures, 20) - 1))) * random
    }

    private func fetch() -> Result<VPCInventory, AWSError> {
        do {
            return .success(try VPCInventoryFetcher.fetch(client, vpcID: settings.vpcID))
        } catch {
            return .failure(error)
        }
    }

    private func fail(_ error: AWSError) {
        let result: String
        switch error {
        case .network: result = "network_error"
        case .throttled: result = "throttled"
        case .server: result = "server_error"
        case .auth: result = "auth_error"
        case .client: result = "client_error"
        case .malformed: result = "malformed"
        }
        record(result, success: false)
        if case .auth = error {
            // A refused credential does not mend itself: one line a minute, not one a sync.
            let now = Date()
            guard now.timeIntervalSince(lastAuthLog) >= 60 else { return }
            lastAuthLog = now
        }
        logger.error("aws sync failed: \(error); still serving the last good data")
    }

    private func record(_ result: String, success: Bool) {
        lock.withLock {
            _stats.results[result, default: 0] += 1
            _stats.lastResult = "\(result) at \(ISO8601DateFormatter().string(from: Date()))"
            if success { _stats.lastSuccess = Date() }
        }
    }

    // MARK: What the main loop reports back

    /// A snapshot took `inventory`: counted, logged and persisted.
    func accepted(_ inventory: VPCInventory) {
        let endpoints = (try? inventory.endpoints().get().endpoints.count) ?? 0
        lock.withLock {
            _stats.endpoints = endpoints
            _stats.recordSets = inventory.recordSetCount
            _stats.zones = inventory.zones.count
        }
        logger.info(
            "aws sync: serving \(endpoints) endpoints and \(inventory.zones.count) private hosted zones (\(inventory.recordSetCount) record sets) of \(inventory.vpcID)")
        persist(inventory)
    }

    /// A snapshot could not be built from `inventory` (the reload logged why).
    func rejected() { record("rejected", success: false) }

    /// Writes the inventory beside the old one and renames it over: a crash leaves one or the other.
    private func persist(_ inventory: VPCInventory) {
        let directory = (stateFile as NSString).deletingLastPathComponent
        let temporary = stateFile + ".new"
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try Data(inventory.document(syncedAt: Date()).json.utf8).write(to: URL(fileURLWithPath: temporary))
            guard rename(temporary, stateFile) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        } catch {
            logger.warning("aws sync: cannot keep the synced data in \(stateFile): \(error)")
        }
    }

    /// For STATUS=: `aws sync: unchanged at 2026-12-07T01:20:00Z`.
    var statusLine: String { "aws sync: \(stats.lastResult)" }
}

/// A wait that a stop ends for good and a kick ends once.
final class Wakeup: @unchecked Sendable {
    enum Outcome { case timeout, kicked, stop }
    private let condition = NSCondition()
    private var stopped = false
    private var kicked = false

    func stop() {
        condition.withLock {
            stopped = true
            condition.broadcast()
        }
    }

    func kick() {
        condition.withLock {
            kicked = true
            condition.broadcast()
        }
    }

    func wait(seconds: Double) -> Outcome {
        let until = Date(timeIntervalSinceNow: seconds)
        condition.lock()
        defer { condition.unlock() }
        while !stopped && !kicked && condition.wait(until: until) {}
        if stopped { return .stop }
        if kicked {
            kicked = false
            return .kicked
        }
        return .timeout
    }
}
