// SPDX-License-Identifier: Apache-2.0
import DNSCore
import DNSEngine
import DNSForwarder
import DNSZone
import AWS
import EventIO
import Route53

/// Builds a `Snapshot` from a config: reads every zone file, synthesises endpoint zones, checks
/// that no two claim the same origin.
public enum SnapshotBuilder {
    /// Reads the configuration and builds the snapshot, or returns all the problems: those of the
    /// config file and those of the zone files it names, in one list. Start-up, `vpcdnsd check`
    /// and every reload go through here.
    /// - Parameter inventory: what the AWS sync read (`aws:`), served beside the configuration's own.
    public static func prepare(
        _ source: ConfigSource, zoneFiles: ZoneFileCache? = nil, previous: Snapshot? = nil, inventory: VPCInventory? = nil
    ) -> Result<Snapshot, ConfigErrors> {
        let (config, configErrors) = source.read()
        switch build(config, zoneFiles: zoneFiles, previous: previous, inventory: inventory) {
        case .success(let snapshot):
            return configErrors.isEmpty ? .success(snapshot) : .failure(ConfigErrors(configErrors))
        case .failure(let more):
            return .failure(ConfigErrors(configErrors + more.errors))
        }
    }

    /// - Parameter zoneFiles: zones from earlier loads, reused where their files are unchanged
    ///   (a reload's); without it every file is read.
    ///   - previous: the snapshot in force (a reload's). Its endpoint zones are reused when the
    ///     endpoints are unchanged, and its whole engine when the zones (the same objects), their
    ///     options, `allow_query` and the forwarding rules are all unchanged: a reload that changed
    ///     nothing then rebuilds no table.
    public static func build(
        _ config: Config, zoneFiles: ZoneFileCache? = nil, previous: Snapshot? = nil, inventory: VPCInventory? = nil
    ) -> Result<Snapshot, ConfigErrors> {
        var config = config
        var errors: [ConfigError] = []
        var notices: [String] = []
        /// Endpoints from EC2's JSON, a file's or the sync's: served beside the declared ones.
        func addEndpoints(_ imported: Result<EndpointInventory.Joined, ConfigError>, from source: SourceLocation, _ label: String) {
            switch imported {
            case .success(let joined):
                config.endpoints += joined.endpoints
                config.endpointLocations += Array(repeating: source, count: joined.endpoints.count)
                notices += joined.skipped.map { "\(label): skipped \($0)" }
            case .failure(let error):
                errors.append(error)
            }
        }
        if let from = config.endpointsFrom { addEndpoints(importEndpoints(from), from: from.location, "endpoints_from") }
        if let inventory {
            let source = SourceLocation(file: "aws sync of \(inventory.vpcID)", line: 0)
            addEndpoints(
                inventory.endpoints().mapError { ConfigError(file: source.file, line: 0, message: $0.message) }, from: source, "aws sync")
        }
        /// A zone of Route 53 record sets; what did not stop the load is kept as warnings.
        func keepingWarnings(_ loaded: Result<Route53ZoneFile.Loaded, ZoneFileErrors>) -> Result<Zone, ZoneFileErrors> {
            loaded.map { loaded in
                config.warnings += loaded.warnings.map(ConfigError.init)
                return loaded.zone
            }
        }
        var unchanged = 0
        var loaded: [(path: String, origin: DNSName)] = []
        defer { zoneFiles?.keep(only: loaded) }
        // Every zone, by the name views know it by (its origin unless it has a `name`).
        var named: [NamedZone] = []
        var byName: [String: Int] = [:]
        func add(_ zone: NamedZone) {
            if let first = byName[zone.name] {
                let other = named[first].location
                errors.append(
                    ConfigError(
                        file: zone.location.file, line: zone.location.line,
                        message: named[first].zone.origin == zone.zone.origin
                            ? "zone \"\(zone.zone.origin.text)\" is already served (see \(other.file):\(other.line)); give one of them a name of its own to serve both in different views"
                            : "a second zone named \"\(zone.name)\" (see \(other.file):\(other.line))"))
                return
            }
            byName[zone.name] = named.count
            named.append(zone)
        }
        for zoneFile in config.zones {
            let origin: DNSName
            switch resolveOrigin(zoneFile) {
            case .success(let o): origin = o
            case .failure(let error):
                errors.append(error)
                continue
            }
            if zoneFile.records == nil { loaded.append((zoneFile.path, origin)) }
            let result: Result<Zone, ZoneFileErrors>
            if let records = zoneFile.records {
                result = keepingWarnings(
                    Route53ZoneFile.load(
                        recordSets: records, file: zoneFile.path, origin: origin, valueOrigin: origin,
                        healthChecks: Set(config.healthChecks.keys)))
            } else if zoneFile.format == .route53 {
                // Route 53's JSON is read whole each time: such zones are small, and what they name
                // (health checks) is checked anew.
                result = keepingWarnings(
                    Route53ZoneFile.load(file: zoneFile.path, origin: origin, healthChecks: Set(config.healthChecks.keys)))
            } else if let zoneFiles {
                let load = zoneFiles.load(file: zoneFile.path, origin: origin)
                result = load.result
                if load.reused { unchanged += 1 }
            } else {
                result = ZoneBuilder.load(file: zoneFile.path, origin: origin)
            }
            switch result {
            case .success(let zone):
                add(NamedZone(name: zoneFile.name ?? NamedZone.name(of: origin), zone: zone, options: zoneFile.options,
                    ownerView: zoneFile.ownerView, location: zoneFile.location))
            case .failure(let problems):
                errors += problems.errors.map { problem in
                    // A problem of the file as a whole (it cannot be read) is said where the config names it.
                    problem.line == 0 && problem.place == nil && problem.file == zoneFile.path
                        ? ConfigError(file: zoneFile.location.file, line: zoneFile.location.line, message: "\(problem.file): \(problem.message)")
                        : ConfigError(problem)
                }
            }
        }
        for hosted in inventory?.zones ?? [] {
            let file = "aws sync: hosted zone \(hosted.id) (\(hosted.name))"
            guard let origin = hosted.origin else {
                errors.append(ConfigError(file: file, line: 0, message: "the zone's name is not a domain name"))
                continue
            }
            let sources = hosted.recordSets.enumerated().map { RecordSetSource(value: $1, place: .recordSet($0 + 1)) }
            switch keepingWarnings(
                Route53ZoneFile.load(
                    recordSets: sources, file: file, origin: origin, valueOrigin: .root, healthChecks: Set(config.healthChecks.keys),
                    unknownHealthCheckIsError: false))
            {
            case .success(let zone):
                add(NamedZone(name: NamedZone.name(of: origin), zone: zone, options: ZoneOptions(), ownerView: nil,
                    location: SourceLocation(file: file, line: 0)))
            case .failure(let problems):
                errors += problems.errors.map(ConfigError.init)
            }
        }
        // What is probed: the configured checks, and with endpoint_health every ENI address. The
        // checks' state outlives a reload that keeps them; a reload that changes none keeps the very
        // object, so an engine built from the same parts is reused.
        let eniChecks = config.endpointHealth.map { endpointChecks(config.endpoints, $0) } ?? [:]
        let probes = config.healthChecks.merging(eniChecks.mapValues(\.check)) { configured, _ in configured }
        let health: HealthStatus
        if let previous, previous.probes == probes {
            health = previous.health
        } else {
            health = HealthStatus(ids: probes.keys, previous: previous?.health)
        }
        let syncedSubnets = (inventory?.subnetZones ?? []).compactMap { subnet in
            CIDR(parsing: subnet.cidr).map { (cidr: $0, availabilityZone: subnet.availabilityZone) }
        }
        var views: [ServedView] = []
        var reusedEngines = 0
        let specs = config.views.isEmpty ? [Config.View(name: "default", location: SourceLocation(file: config.file ?? "", line: 0))]
            : config.views
        for spec in specs {
            let built = buildView(
                spec, named: named, byName: byName, config: config, health: health, syncedSubnets: syncedSubnets, previous: previous)
            errors += built.errors
            notices += built.notices
            if let view = built.view {
                views.append(view)
                if view.reusedEngine { reusedEngines += 1 }
            }
        }
        if !errors.isEmpty { return .failure(ConfigErrors(errors)) }
        let selector = viewSelector(specs)
        return .success(
            Snapshot(
                config: config, views: views, selector: selector, health: health, probes: probes,
                eniChecks: eniChecks.mapValues(\.eni), zoneCount: named.count,
                recordCount: named.reduce(0) { $0 + $1.zone.recordCount }, unchangedZoneFiles: unchanged,
                reusedEngine: reusedEngines == views.count, notices: notices))
    }

    /// The endpoints of EC2's two JSON files, joined; a file that cannot be read is `file:line: message`.
    static func importEndpoints(_ from: Config.EndpointsFrom) -> Result<EndpointInventory.Joined, ConfigError> {
        func read<T>(_ path: String, _ parse: ([UInt8]) -> Result<T, InventoryJSON.Problem>) -> Result<T, ConfigError> {
            let bytes: [UInt8]
            do {
                bytes = try readWholeFile(path)
            } catch {
                return .failure(ConfigError(file: path, line: 0, message: error.description))
            }
            return parse(bytes).mapError { ConfigError(file: path, line: $0.line, message: $0.message) }
        }
        return read(from.vpcEndpoints, InventoryJSON.vpcEndpoints).flatMap { endpoints in
            read(from.networkInterfaces, InventoryJSON.networkInterfaces).map { EndpointInventory.join(endpoints, $0) }
        }
    }

    /// Rules and default upstreams. Without `forward.upstreams` the defaults are resolv.conf's
    /// nameservers minus our own addresses; none left is an error (forwarding to ourselves would
    /// loop). An explicit empty list turns forwarding off: names outside the zones get REFUSED.
    static func forwardingRules(_ config: Config, _ errors: inout [ConfigError]) -> ForwardingRules {
        let policy = UpstreamGroup.Policy(rawValue: config.forwarding.policy.rawValue) ?? .ordered
        func group(_ upstreams: [Upstream]) -> UpstreamGroup { UpstreamGroup(upstreams, policy: policy) }
        var rules: [DNSName: ForwardingRules.Action] = [:]
        for rule in config.forwarding.rules {
            if rules[rule.domain] != nil {
                errors.append(
                    ConfigError(file: rule.location.file, line: rule.location.line,
                        message: "a second rule for \(rule.domain.text)"))
                continue
            }
            rules[rule.domain] = rule.action == .system ? .system : .forward(group(rule.upstreams))
        }
        var defaults: [Upstream]
        if let explicit = config.forwarding.upstreams {
            defaults = explicit
        } else {
            let path = config.forwarding.resolvConf
            let text = (try? readWholeFile(path)).map { String(decoding: $0, as: UTF8.self) } ?? ""
            let listed = ResolvConf.nameservers(in: text)
            defaults = ResolvConf.usable(listed, listen: config.listen).map { Upstream(ip: $0.ip, port: $0.port) }
            if defaults.isEmpty {
                let location = config.forwarding.location ?? SourceLocation(file: config.file ?? "<command line>", line: 1)
                let why = listed.isEmpty ? "\(path) lists no nameserver" : "every nameserver in \(path) is vpcdnsd itself"
                errors.append(
                    ConfigError(file: location.file, line: location.line,
                        message: "no usable upstream: \(why); set forward.upstreams (an empty list turns forwarding off)"))
            }
        }
        return ForwardingRules(rules: rules, defaultGroup: defaults.isEmpty ? nil : group(defaults))
    }

    /// The origin of a zone file: as configured, else its `$ORIGIN`, else its file name minus `.zone`.
    static func resolveOrigin(_ zoneFile: Config.ZoneFile) -> Result<DNSName, ConfigError> {
        if let origin = zoneFile.origin { return .success(origin) }
        let location = zoneFile.location
        let bytes: [UInt8]
        do {
            bytes = try readWholeFile(zoneFile.path)
        } catch {
            return .failure(ConfigError(file: location.file, line: location.line, message: "\(zoneFile.path): cannot read: \(error.reason)"))
        }
        if zoneFile.format == .route53 {
            guard let apex = Route53ZoneFile.origin(ofJSON: bytes) else {
                return .failure(
                    ConfigError(
                        file: location.file, line: location.line,
                        message: "cannot tell the origin of \(zoneFile.path): give origin, or include its SOA record set"))
            }
            return .success(apex)
        }
        if let declared = ZoneFileParser.firstOrigin(in: bytes) { return .success(declared) }
        var base = String(zoneFile.path.split(separator: "/").last ?? "")
        if base.hasSuffix(".zone") { base.removeLast(5) }
        guard let name = try? DNSName(parsing: base + ".") else {
            return .failure(
                ConfigError(
                    file: location.file, line: location.line,
                    message: "cannot tell the origin of \(zoneFile.path): give origin, or a $ORIGIN line in the file"))
        }
        return .success(name)
    }
}
