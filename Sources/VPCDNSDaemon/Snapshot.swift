// SPDX-License-Identifier: Apache-2.0
import DNSCore
import DNSEngine
import DNSForwarder
import DNSZone
import EventIO

/// Everything the workers read, built whole and swapped whole: a reload never mixes old and new.
public final class Snapshot: Sendable {
    public let config: Config
    public let engine: QueryEngine
    /// For the start-up and reload summaries.
    public let zoneCount: Int
    public let recordCount: Int
    public let forwarderSettings: ForwarderSettings
    /// Origins of the zones synthesised from endpoints (for `resolved_by`).
    public let endpointOrigins: Set<DNSName>
    /// The zones synthesised from `config.endpoints`, reused by the next build if those are unchanged.
    let endpointZones: [EndpointRecords.EndpointZone]
    /// Zone files not re-read because they had not changed since the last load.
    public let unchangedZoneFiles: Int
    /// The engine (and its fast path's tables) is the previous snapshot's: nothing it is built
    /// from changed.
    public let reusedEngine: Bool
    /// What the build left out on purpose, for the log (an endpoint import's skipped endpoints).
    public let notices: [String]

    init(
        config: Config, engine: QueryEngine, zoneCount: Int, recordCount: Int, endpointOrigins: Set<DNSName> = [],
        endpointZones: [EndpointRecords.EndpointZone] = [], unchangedZoneFiles: Int = 0, reusedEngine: Bool = false,
        notices: [String] = []
    ) {
        self.notices = notices
        self.config = config
        self.endpointZones = endpointZones
        self.reusedEngine = reusedEngine
        self.unchangedZoneFiles = unchangedZoneFiles
        self.endpointOrigins = endpointOrigins
        self.engine = engine
        self.zoneCount = zoneCount
        self.recordCount = recordCount
        forwarderSettings = ForwarderSettings(
            timeout: config.forwarding.timeout, deadline: config.forwarding.deadline,
            maxInFlight: config.forwarding.maxInFlight)
    }

    /// Every upstream the snapshot may send to.
    public var upstreams: Set<Upstream> {
        var all = Set(engine.forwarding.defaultGroup?.upstreams ?? [])
        for case .forward(let group) in engine.forwarding.rules.values { all.formUnion(group.upstreams) }
        return all
    }

    /// systemd's STATUS=: what is served, and how the last AWS sync went (`sync`, when on).
    func status(sync: String?) -> String { "serving: \(summary)" + (sync.map { "; \($0)" } ?? "") }

    public var summary: String {
        let upstreams = engine.forwarding.defaultGroup?.upstreams.map(\.description).joined(separator: " ") ?? "none"
        return "\(zoneCount) zones, \(recordCount) records, \(config.endpoints.count) endpoints, "
            + "\(engine.forwarding.rules.count) rules, upstreams: \(upstreams)"
    }
}
