// SPDX-License-Identifier: Apache-2.0
import DNSCore
import DNSEngine
import DNSZone
import EventIO

/// A loaded zone and the name views know it by.
struct NamedZone {
    var name: String
    var zone: Zone
    var options: ZoneOptions
    /// The view that declared it inline: in no other view.
    var ownerView: String?
    var location: SourceLocation

    /// A zone's default name: its origin, without the final dot.
    static func name(of origin: DNSName) -> String {
        let text = origin.text
        return text.count > 1 && text.hasSuffix(".") ? String(text.dropLast()) : text
    }
}

extension SnapshotBuilder {
    /// One view's engine: its zones, its endpoints' zones, its rules over the global ones, its
    /// Region; the previous snapshot's engine of the same name when nothing it is built from changed.
    static func buildView(
        _ spec: Config.View, named: [NamedZone], byName: [String: Int], config: Config, health: HealthStatus,
        syncedSubnets: [(cidr: CIDR, availabilityZone: String)], previous: Snapshot?
    ) -> (view: ServedView?, errors: [ConfigError], notices: [String]) {
        var errors: [ConfigError] = []
        var notices: [String] = []
        let implicit = config.views.isEmpty
        let here = spec.location
        func problem(_ message: String) { errors.append(ConfigError(file: here.file, line: here.line, message: "view \(spec.name): \(message)")) }

        // The zones, and no two of one origin (Route 53: ConflictingDomainExists).
        var members: [NamedZone] = []
        if let names = spec.zones {
            for name in names {
                guard let index = byName[name] else {
                    problem("no zone is named \"\(name)\" (zones are named by name:, else by their origin)")
                    continue
                }
                members.append(named[index])
            }
        } else {
            members = named.filter { $0.ownerView == nil }
        }
        var origins: [DNSName: SourceLocation] = [:]
        var zones: [Zone] = []
        var options: [DNSName: ZoneOptions] = [:]
        for member in members {
            if let first = origins[member.zone.origin] {
                problem("two zones of \(member.zone.origin.text) (\(member.location.file):\(member.location.line) and \(first.file):\(first.line)); a VPC cannot have two private zones of one name")
                continue
            }
            origins[member.zone.origin] = member.location
            zones.append(member.zone)
            options[member.zone.origin] = member.options
        }

        // The endpoints, and the zones synthesised from them.
        var endpoints: [InterfaceEndpoint] = []
        var locations: [SourceLocation] = []
        if let ids = spec.endpoints {
            for id in ids {
                guard let index = config.endpoints.firstIndex(where: { $0.id == id }) else {
                    // A synced endpoint may be gone: the view serves the rest.
                    notices.append("view \(spec.name): endpoint \(id) is not among the endpoints")
                    continue
                }
                endpoints.append(config.endpoints[index])
                locations.append(config.endpointLocations.indices.contains(index) ? config.endpointLocations[index] : here)
            }
        } else {
            endpoints = config.endpoints
            locations = config.endpointLocations
        }
        let old = previous?.views.first { $0.name == spec.name }
        // Probed ENIs or AZ affinity: the regional and private names are chosen per query.
        let routed = spec.azAffinity != .off || config.endpointHealth != nil
        let synthesised: Result<[EndpointRecords.EndpointZone], EndpointRecords.Problems>
        if let old, old.endpoints == endpoints, old.routedEndpoints == routed {
            synthesised = .success(old.endpointZones)
        } else {
            synthesised = EndpointRecords.zones(for: endpoints, routed: routed)
        }
        var endpointZones: [EndpointRecords.EndpointZone] = []
        var endpointOrigins: Set<DNSName> = []
        func location(_ index: Int) -> SourceLocation {
            locations.indices.contains(index) ? locations[index] : SourceLocation(file: config.file ?? "<command line>", line: 1)
        }
        switch synthesised {
        case .success(let made):
            endpointZones = made
            for made in made {
                let at = location(made.endpointIndex)
                if let first = origins[made.zone.origin] {
                    let message = "zone \"\(made.zone.origin.text)\" is already served (see \(first.file):\(first.line))"
                    errors.append(ConfigError(file: at.file, line: at.line, message: implicit ? message : "view \(spec.name): \(message)"))
                    continue
                }
                origins[made.zone.origin] = at
                zones.append(made.zone)
                endpointOrigins.insert(made.zone.origin)
            }
        case .failure(let problems):
            for p in problems.problems {
                let at = location(p.endpointIndex)
                errors.append(ConfigError(file: at.file, line: at.line, message: p.message))
            }
        }

        // Rules: the global ones, a domain the view rules too taking the view's; its upstreams.
        var forwardingConfig = config
        if !spec.rules.isEmpty {
            let ruled = Set(spec.rules.map(\.domain))
            forwardingConfig.forwarding.rules = config.forwarding.rules.filter { !ruled.contains($0.domain) } + spec.rules
        }
        if let upstreams = spec.upstreams { forwardingConfig.forwarding.upstreams = upstreams }
        let forwarding = forwardingRules(forwardingConfig, &errors)
        let region = (spec.region ?? config.region).flatMap { AWSRegion.all[$0] }
        let affinity = EndpointAffinity(mode: spec.azAffinity, subnets: spec.subnets.isEmpty ? syncedSubnets : spec.subnets)
        guard errors.isEmpty else { return (nil, errors, notices) }

        let engine: QueryEngine
        let reused: Bool
        if let old,
            old.engine.isBuilt(
                from: zones, zoneOptions: options, accessControl: config.allowQuery, forwarding: forwarding,
                endpointOrigins: endpointOrigins, health: health, region: region, affinity: affinity)
        {
            engine = old.engine
            reused = true
        } else {
            engine = QueryEngine(
                zones: ZoneSet(zones), zoneOptions: options, accessControl: config.allowQuery, forwarding: forwarding,
                endpointOrigins: endpointOrigins, health: health, region: region, affinity: affinity)
            reused = false
        }
        let view = ServedView(
            name: spec.name, engine: engine, endpoints: endpoints, endpointZones: endpointZones, routedEndpoints: routed,
            reusedEngine: reused)
        return (view, errors, notices)
    }

    /// One TCP probe per ENI address of every endpoint (`endpoint_health`), by the health check id
    /// its routed set names.
    static func endpointChecks(
        _ endpoints: [InterfaceEndpoint], _ settings: Config.EndpointHealth
    ) -> [String: (check: Config.HealthCheck, eni: ServedView.ENI)] {
        var checks: [String: (check: Config.HealthCheck, eni: ServedView.ENI)] = [:]
        for endpoint in endpoints {
            for eni in endpoint.enis {
                let addresses = eni.ipv4.map { ($0.description, $0.array) } + eni.ipv6.map { ($0.description, $0.array) }
                for (text, bytes) in addresses {
                    let id = EndpointRecords.healthCheckID(endpoint: endpoint.id, availabilityZone: eni.availabilityZone, address: text)
                    let check = Config.HealthCheck(
                        id: id, kind: .tcp, address: SocketAddress(ip: bytes, port: settings.port), interval: settings.interval,
                        failureThreshold: settings.failureThreshold, location: SourceLocation(file: "endpoint_health", line: 0))
                    checks[id] = (check, ServedView.ENI(endpoint: endpoint.id, availabilityZone: eni.availabilityZone, address: text))
                }
            }
        }
        return checks
    }

    /// Listeners, client prefixes and the `default` view, over the views in `specs`' order.
    static func viewSelector(_ specs: [Config.View]) -> ViewSelector {
        guard specs.count > 1 || !specs[0].clients.isEmpty || !specs[0].listen.isEmpty || specs[0].name != "default" else {
            return .single
        }
        var listeners: [ViewSelector.Listener] = []
        var prefixes: [(CIDR, Int32)] = []
        for (i, spec) in specs.enumerated() {
            listeners += spec.listen.map {
                ViewSelector.Listener(address: ClientAddress(high: $0.high, low: $0.low, isIPv6: $0.isIPv6), port: $0.port, view: Int32(i))
            }
            prefixes += spec.clients.map { ($0, Int32(i)) }
        }
        let fallback = specs.firstIndex { $0.name == "default" }.map(Int32.init)
        return ViewSelector(listeners: listeners, clients: PrefixTable(prefixes), fallback: fallback)
    }
}
