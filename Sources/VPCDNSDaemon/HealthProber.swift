// SPDX-License-Identifier: Apache-2.0
import DNSEngine
import EventIO
import Foundation
import Logging

/// Probes the configured health checks, each on a thread of its own (a probe blocks up to its
/// timeout; the workers never wait on one), and writes what it finds to the `HealthStatus` the
/// query engine reads. A state changes after `failure_threshold` probes in a row say so, as
/// Route 53's checkers do; each change is logged.
final class HealthProber: Sendable {
    let status: HealthStatus
    private let stop = Wakeup()

    private init(status: HealthStatus) { self.status = status }

    /// Starts one thread per check; the first probe runs at once.
    static func start(_ checks: [String: Config.HealthCheck], status: HealthStatus, logger: Logger) -> HealthProber {
        let prober = HealthProber(status: status)
        for (id, check) in checks.sorted(by: { $0.key < $1.key }) {
            guard let state = status.checks[id] else { continue }
            let stop = prober.stop
            startThread(named: "vpcdnsd-health") {
                HealthProber.run(check, state: state, stop: stop, logger: logger)
            }
        }
        return prober
    }

    /// Ends every probe thread (each at its next wait; a probe under way runs out first).
    func cancel() { stop.stop() }

    /// Seconds a probe may take: Route 53 gives a TCP connection 10 s and an HTTP answer 4 s + 2 s;
    /// a probe never outlasts its interval.
    static func timeout(_ check: Config.HealthCheck) -> Double {
        min(check.interval * 0.8, check.kind == .tcp ? 10 : 6)
    }

    private static func run(_ check: Config.HealthCheck, state: HealthStatus.Check, stop: Wakeup, logger: Logger) {
        var streak = 0
        repeat {
            let outcome: HealthProbe.Outcome
            switch check.kind {
            case .tcp: outcome = HealthProbe.tcp(check.address, timeout: timeout(check))
            case .http, .https:
                outcome = HealthProbe.http(
                    check.address, host: check.hostHeader, path: check.path, tls: check.kind == .https, timeout: timeout(check))
            }
            let passes = outcome.passed != check.invert
            if passes == state.isUp {
                streak = 0
                continue
            }
            streak += 1
            guard streak >= check.failureThreshold else { continue }
            streak = 0
            state.set(up: passes)
            if passes {
                logger.info("health check \(check.id) is healthy (\(check.failureThreshold) probes in a row passed)")
            } else {
                let why = check.invert ? "the probe passes and invert is set" : outcome.reason
                logger.warning("health check \(check.id) is unhealthy: \(why) (\(check.failureThreshold) probes in a row)")
            }
        } while stop.wait(seconds: check.interval) != .stop
    }
}

/// The prober that follows the snapshot in force: a snapshot with other checks gets a new one.
final class HealthProbes {
    private var current: HealthProber?
    private let logger: Logger

    init(logger: Logger) { self.logger = logger }

    func follow(_ snapshot: Snapshot) {
        let status = snapshot.health
        if current?.status === status { return }
        current?.cancel()
        current = status.checks.isEmpty ? nil : HealthProber.start(snapshot.probes, status: status, logger: logger)
    }

    func stop() {
        current?.cancel()
        current = nil
    }
}
