// SPDX-License-Identifier: Apache-2.0
import Synchronization

/// Whether each configured health check passes, written by the prober and read by queries. A check
/// is a word read without a lock; a reload that keeps a check's ID keeps its state.
public final class HealthStatus: Sendable {
    /// One check's state.
    public final class Check: Sendable {
        private let state: Atomic<Bool>
        init(up: Bool) { state = Atomic(up) }

        public var isUp: Bool { state.load(ordering: .relaxed) }

        /// Sets the state; returns whether it changed.
        @discardableResult
        public func set(up: Bool) -> Bool { state.exchange(up, ordering: .relaxed) != up }
    }

    public let checks: [String: Check]

    /// The checks of `ids`, each up (Route 53: a new check with no history counts as healthy) unless
    /// `previous` held it, whose state it keeps.
    public init(ids: some Sequence<String> = [], previous: HealthStatus? = nil) {
        var checks: [String: Check] = [:]
        for id in ids { checks[id] = Check(up: previous?.checks[id]?.isUp ?? true) }
        self.checks = checks
    }

    /// A record set with this check (nil: none) counts as healthy: no check, or a check that passes.
    public func isHealthy(_ id: String?) -> Bool {
        guard let id else { return true }
        return checks[id]?.isUp ?? true
    }

    /// Whether the record set has a check at all (failover's secondary without one is always used).
    public func has(_ id: String?) -> Bool { id.map { checks[$0] != nil } ?? false }
}
