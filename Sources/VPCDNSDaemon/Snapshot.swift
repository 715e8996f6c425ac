// SPDX-License-Identifier: Apache-2.0
import DNSCore
import DNSEngine
import DNSForwarder
import DNSZone
import EventIO

/// One view's engine and what it was built from.
public struct ServedView: Sendable {
    public let name: String
    public let engine: QueryEngine
    /// The endpoints the view serves, and the zones synthesised from them (reused by the next
    /// build when the endpoints are unchanged).
    let endpoints: [InterfaceEndpoint]
    let endpointZones: [EndpointRecords.EndpointZone]
    /// The endpoint zones choose their ENIs per query (probes or AZ affinity).
    let routedEndpoints: Bool
    /// The engine is the previous snapshot's view's: nothing it is built from changed.
    let reusedEngine: Bool

    /// An ENI address that `endpoint_health` probes, for its metric.
    public struct ENI: Sendable, Equatable {
        public var endpoint: String
        public var availabilityZone: String
        public var address: String
    }
}

/// Everything the workers read, built whole and swapped whole: a reload never mixes old and new.
public final class Snapshot: Sendable {
    public let config: Config
    /// One engine per view; without `views:`, one for every client.
    public let views: [ServedView]
    public let selector: ViewSelector
    /// Health of the checks routed record sets name: one table, read by every view's engine.
    public let health: HealthStatus
    /// What is probed: the configured health checks, and the ENI probes of `endpoint_health`.
    public let probes: [String: Config.HealthCheck]
    /// The ENI probes' ids, and which ENI address each is.
    public let eniChecks: [String: ServedView.ENI]
    /// For the start-up and reload summaries: zone files and synced zones.
    public let zoneCount: Int
    public let recordCount: Int
    public let forwarderSettings: ForwarderSettings
    /// Zone files not re-read because they had not changed since the last load.
    public let unchangedZoneFiles: Int
    /// Every view's engine (and its fast path's tables) is the previous snapshot's: nothing they
    /// are built from changed.
    public let reusedEngine: Bool
    /// What the build left out on purpose, for the log (an endpoint import's skipped endpoints).
    public let notices: [String]

    init(
        config: Config, views: [ServedView], selector: ViewSelector = .single, health: HealthStatus,
        probes: [String: Config.HealthCheck] = [:], eniChecks: [String: ServedView.ENI] = [:], zoneCount: Int,
        recordCount: Int, unchangedZoneFiles: Int = 0, reusedEngine: Bool = false, notices: [String] = []
    ) {
        self.notices = notices
        self.config = config
        self.views = views
        self.selector = selector
        self.health = health
        self.probes = probes
        self.eniChecks = eniChecks
        self.reusedEngine = reusedEngine
        self.unchangedZoneFiles = unchangedZoneFiles
        // Endpoint zones count too, once each however many views serve them.
        var seen: Set<ObjectIdentifier> = []
        var zones = zoneCount
        var records = recordCount
        for view in views {
            for made in view.endpointZones where seen.insert(ObjectIdentifier(made.zone)).inserted {
                zones += 1
                records += made.zone.recordCount
            }
        }
        self.zoneCount = zones
        self.recordCount = records
        forwarderSettings = ForwarderSettings(
            timeout: config.forwarding.timeout, deadline: config.forwarding.deadline,
            maxInFlight: config.forwarding.maxInFlight)
    }

    /// The first view's engine: the only one without `views:`.
    public var engine: QueryEngine { views[0].engine }

    /// Every upstream the snapshot may send to.
    public var upstreams: Set<Upstream> {
        var all: Set<Upstream> = []
        for view in views {
            all.formUnion(view.engine.forwarding.defaultGroup?.upstreams ?? [])
            for case .forward(let group) in view.engine.forwarding.rules.values { all.formUnion(group.upstreams) }
        }
        return all
    }

    /// systemd's STATUS=: what is served, and how the last AWS sync went (`sync`, when on).
    func status(sync: String?) -> String { "serving: \(summary)" + (sync.map { "; \($0)" } ?? "") }

    public var summary: String {
        let upstreams = engine.forwarding.defaultGroup?.upstreams.map(\.description).joined(separator: " ") ?? "none"
        return "\(zoneCount) zones, \(recordCount) records, \(config.endpoints.count) endpoints, "
            + "\(engine.forwarding.rules.count) rules, upstreams: \(upstreams)"
            + (config.views.isEmpty ? "" : ", \(views.count) views")
    }
}
