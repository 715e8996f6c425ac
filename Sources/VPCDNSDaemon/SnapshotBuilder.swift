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
        if let from = config.endpointsFrom {
            switch importEndpoints(from) {
            case .success(let joined):
                config.endpoints += joined.endpoints
                config.endpointLocations += Array(repeating: from.location, count: joined.endpoints.count)
                notices += joined.skipped.map { "endpoints_from: skipped \($0)" }
            case .failure(let error):
                errors.append(error)
            }
        }
        if let inventory {
            let source = SourceLocation(file: "aws sync of \(inventory.vpcID)", line: 0)
            switch inventory.endpoints() {
            case .success(let joined):
                config.endpoints += joined.endpoints
                config.endpointLocations += Array(repeating: source, count: joined.endpoints.count)
                notices += joined.skipped.map { "aws sync: skipped \($0)" }
            case .failure(let problem):
                errors.append(ConfigError(file: source.file, line: 0, message: problem.message))
            }
        }
        var unchanged = 0
        var loaded: [(path: String, origin: DNSName)] = []
        defer { zoneFiles?.keep(only: loaded) }
        var zones: [Zone] = []
        var options: [DNSName: ZoneOptions] = [:]
        var owners: [DNSName: SourceLocation] = [:]
        var endpointOrigins: Set<DNSName> = []
        func claim(_ origin: DNSName, _ location: SourceLocation) -> Bool {
            if let first = owners[origin] {
                errors.append(
                    ConfigError(
                        file: location.file, line: location.line,
                        message: "zone \"\(origin.text)\" is already served (see \(first.file):\(first.line))"))
                return false
            }
            owners[origin] = location
            return true
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
                result = Route53ZoneFile.load(
                    recordSets: records, file: zoneFile.path, origin: origin, valueOrigin: origin,
                    healthChecks: Set(config.healthChecks.keys)
                ).map { loaded in
                    config.warnings += loaded.warnings.map(ConfigError.init)
                    return loaded.zone
                }
            } else if zoneFile.format == .route53 {
                // Route 53's JSON is read whole each time: such zones are small, and what they name
                // (health checks) is checked anew.
                result = Route53ZoneFile.load(file: zoneFile.path, origin: origin, healthChecks: Set(config.healthChecks.keys))
                    .map { loaded in
                        config.warnings += loaded.warnings.map(ConfigError.init)
                        return loaded.zone
                    }
            } else if let zoneFiles {
                let load = zoneFiles.load(file: zoneFile.path, origin: origin)
                result = load.result
                if load.reused { unchanged += 1 }
            } else {
                result = ZoneBuilder.load(file: zoneFile.path, origin: origin)
            }
            switch result {
            case .success(let zone):
                if claim(origin, zoneFile.location) {
                    zones.append(zone)
                    options[origin] = zoneFile.options
                }
            case .failure(let problems):
                errors += problems.errors.map(ConfigError.init)
            }
        }
        for hosted in inventory?.zones ?? [] {
            let file = "aws sync: hosted zone \(hosted.id) (\(hosted.name))"
            guard let origin = hosted.origin else {
                errors.append(ConfigError(file: file, line: 0, message: "the zone's name is not a domain name"))
                continue
            }
            let sources = hosted.recordSets.enumerated().map { RecordSetSource(value: $1, place: .recordSet($0 + 1)) }
            switch Route53ZoneFile.load(
                recordSets: sources, file: file, origin: origin, valueOrigin: .root, healthChecks: Set(config.healthChecks.keys),
                unknownHealthCheckIsError: false)
            {
            case .success(let loaded):
                config.warnings += loaded.warnings.map(ConfigError.init)
                if claim(origin, SourceLocation(file: file, line: 0)) {
                    zones.append(loaded.zone)
                    options[origin] = ZoneOptions()
                }
            case .failure(let problems):
                errors += problems.errors.map(ConfigError.init)
            }
        }
        let synthesised: Result<[EndpointRecords.EndpointZone], EndpointRecords.Problems>
        if let previous, previous.config.endpoints == config.endpoints {
            synthesised = .success(previous.endpointZones)
        } else {
            synthesised = EndpointRecords.zones(for: config.endpoints)
        }
        var endpointZones: [EndpointRecords.EndpointZone] = []
        switch synthesised {
        case .success(let made):
            endpointZones = made
            for (index, zone) in made.map({ ($0.endpointIndex, $0.zone) }) {
                let location = config.endpointLocations.indices.contains(index)
                    ? config.endpointLocations[index] : SourceLocation(file: config.file ?? "<command line>", line: 1)
                if claim(zone.origin, location) {
                    zones.append(zone)
                    endpointOrigins.insert(zone.origin)
                }
            }
        case .failure(let problems):
            for problem in problems.problems {
                let location = config.endpointLocations.indices.contains(problem.endpointIndex)
                    ? config.endpointLocations[problem.endpointIndex]
                    : SourceLocation(file: config.file ?? "<config>", line: 1)
                errors.append(ConfigError(file: location.file, line: location.line, message: problem.message))
            }
        }
        let forwarding = forwardingRules(config, &errors)
        if !errors.isEmpty { return .failure(ConfigErrors(errors)) }
        // The checks' state outlives a reload that keeps them; a reload that changes none keeps the
        // very object, so an engine built from the same parts is reused.
        let health: HealthStatus
        if let previous, previous.config.healthChecks == config.healthChecks {
            health = previous.engine.health
        } else {
            health = HealthStatus(ids: config.healthChecks.keys, previous: previous?.engine.health)
        }
        let region = config.region.flatMap { AWSRegion.all[$0] }
        let engine: QueryEngine
        let reused: Bool
        if let previous,
            previous.engine.isBuilt(
                from: zones, zoneOptions: options, accessControl: config.allowQuery, forwarding: forwarding,
                endpointOrigins: endpointOrigins, health: health, region: region)
        {
            engine = previous.engine
            reused = true
        } else {
            engine = QueryEngine(
                zones: ZoneSet(zones), zoneOptions: options, accessControl: config.allowQuery, forwarding: forwarding,
                endpointOrigins: endpointOrigins, health: health, region: region)
            reused = false
        }
        return .success(
            Snapshot(
                config: config, engine: engine, zoneCount: zones.count, recordCount: zones.reduce(0) { $0 + $1.recordCount },
                endpointOrigins: endpointOrigins, endpointZones: endpointZones, unchangedZoneFiles: unchanged,
                reusedEngine: reused, notices: notices))
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
        func group(_ addresses: [SocketAddress]) -> UpstreamGroup {
            UpstreamGroup(addresses.map { Upstream(ip: $0.ip, port: $0.port) }, policy: policy)
        }
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
        var defaults: [SocketAddress]
        if let explicit = config.forwarding.upstreams {
            defaults = explicit
        } else {
            let path = config.forwarding.resolvConf
            let text = (try? readWholeFile(path)).map { String(decoding: $0, as: UTF8.self) } ?? ""
            let listed = ResolvConf.nameservers(in: text)
            defaults = ResolvConf.usable(listed, listen: config.listen)
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
        guard let bytes = try? readWholeFile(zoneFile.path) else {
            return .failure(ConfigError(file: zoneFile.path, line: 0, message: "cannot read the zone file"))
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
