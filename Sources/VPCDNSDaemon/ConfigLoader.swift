// SPDX-License-Identifier: Apache-2.0
import DNSCore
import DNSEngine
import DNSZone
import EventIO
import Foundation
import Yams

/// Reads the YAML configuration (DESIGN.md §5). Paths inside are relative to the config file;
/// unknown keys are errors; every problem is reported as `file:line: message`.
public enum ConfigLoader {
    /// Loads and checks the file at `path`.
    public static func load(file path: String) -> Result<Config, ConfigErrors> {
        let (config, errors) = read(file: path)
        return errors.isEmpty ? .success(config) : .failure(ConfigErrors(errors))
    }

    /// Loads the file at `path`: what could be read, and every problem. Entries with problems are
    /// left out, so the rest (zone files among them) can still be checked in the same run.
    public static func read(file path: String) -> (Config, [ConfigError]) {
        let bytes: [UInt8]
        do {
            bytes = try readWholeFile(path)
        } catch {
            return (Config(), [ConfigError(file: path, line: 0, message: "cannot read: \(error.reason)")])
        }
        return read(String(decoding: bytes, as: UTF8.self), file: path)
    }

    /// Parses YAML text; `file` names it in errors and anchors relative paths.
    public static func parse(_ text: String, file: String) -> Result<Config, ConfigErrors> {
        let (config, errors) = read(text, file: file)
        return errors.isEmpty ? .success(config) : .failure(ConfigErrors(errors))
    }

    /// Parses YAML text into what could be read and every problem.
    public static func read(_ text: String, file: String) -> (Config, [ConfigError]) {
        var config = Config()
        config.file = file
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            return (config, [yamlError(error, file: file)])
        } catch {
            return (config, [ConfigError(file: file, line: 1, message: "\(error)")])
        }
        guard let root else { return (config, []) }  // an empty file: all defaults
        var reader = YAMLReader(file: file)
        let base = directoryOf(file)
        var metricsLine: Int?
        for (key, value, line) in reader.mapping(root, "the configuration", section: "") {
            switch key {
            case "listen":
                listeners(value, &reader, into: &config)
            case "tls":
                config.tls = tlsListener(value, &reader)
            case "allow_query":
                config.allowQuery = AccessControlList(prefixes(value, &reader, "allow_query"))
            case "workers":
                config.workers = reader.int(value, ConfigTable.workers) ?? 0
            case "udp_steering":
                config.udpSteering = reader.choice(value, "udp_steering") ?? config.udpSteering
            case "udp_send":
                config.udpSend = reader.choice(value, "udp_send") ?? config.udpSend
            case "udp_yield":
                config.udpYield = reader.choice(value, "udp_yield") ?? config.udpYield
            case "user":
                config.user = reader.string(value, "user")
            case "query_log":
                config.queryLog = reader.string(value, "query_log").map { $0 == "stdout" ? $0 : resolvePath($0, against: base) }
            case "metrics":
                config.metrics = address(value, &reader, "metrics", defaultPort: 9153)
                if let metrics = config.metrics, metrics.port != 0 { metricsLine = reader.line(value) }
            case "rate_limit":
                config.rateLimit = rateLimit(value, &reader)
            case "zones":
                config.zones = reader.list(value, "zones").compactMap { zoneFile($0, &reader, base: base) }
            case "region":
                config.region = reader.choice(value, ConfigTable.region)
            case "health_checks":
                config.healthChecks = HealthCheckConfig.parse(value, &reader)
            case "endpoints":
                for node in reader.list(value, "endpoints") {
                    if let endpoint = EndpointConfig.parse(node, &reader) {
                        config.endpoints.append(endpoint)
                        config.endpointLocations.append(SourceLocation(file: file, line: reader.line(node)))
                    }
                }
            case "endpoints_from":
                var vpcEndpoints: String?
                var interfaces: String?
                for (key, item, _) in reader.mapping(value, "endpoints_from", section: "endpoints_from") {
                    let path = reader.string(item, key).map { resolvePath($0, against: base) }
                    if key == "vpc_endpoints" { vpcEndpoints = path } else { interfaces = path }
                }
                if let vpcEndpoints, let interfaces {
                    config.endpointsFrom = Config.EndpointsFrom(
                        vpcEndpoints: vpcEndpoints, networkInterfaces: interfaces, location: SourceLocation(file: file, line: line))
                } else {
                    reader.error(value, "endpoints_from needs vpc_endpoints and network_interfaces")
                }
            case "aws":
                config.aws = awsSync(value, &reader, line: line)
            case "views":
                for node in reader.list(value, "views") {
                    if let (view, inline) = ViewConfig.parse(node, &reader, base: base) {
                        config.views.append(view)
                        config.zones += inline
                    }
                }
            case "endpoint_health":
                config.endpointHealth = ViewConfig.endpointHealth(value, &reader)
            case "state_directory":
                config.stateDirectory = reader.string(value, "state_directory").map { resolvePath($0, against: base) }
            case "forward":
                config.forwarding = forwarding(value, &reader)
                config.forwarding.location = SourceLocation(file: file, line: line)
            case "cache":
                config.cache = cache(value, &reader)
            case "tcp":
                config.tcp = tcp(value, &reader)
            default:
                break
            }
        }
        if let line = metricsLine, let metrics = config.metrics,
            (config.listen + config.listenTLS + config.listenHTTPS.map(\.address) + config.views.flatMap(\.listen)).contains(metrics)
        {
            reader.errors.append(
                ConfigError(file: file, line: line, message: "metrics: \(metrics) is a DNS listener too: an address and port serve one protocol"))
        }
        reader.errors += ViewConfig.conflicts(config.views)
        loadCertificate(&config, &reader)
        config.tlsClients = reader.tlsClients
        config.warnings = inFileOrder(reader.warnings)
        return (config, inFileOrder(reader.errors))
    }

    /// As a compiler reports: by line, stable for problems on one line.
    static func inFileOrder(_ problems: [ConfigError]) -> [ConfigError] {
        problems.enumerated().sorted { ($0.element.line, $0.offset) < ($1.element.line, $1.offset) }.map(\.element)
    }

    static func yamlError(_ error: YamlError, file: String) -> ConfigError {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
            .composer(_, let problem, let mark, _):
            return ConfigError(file: file, line: mark.line, column: mark.column, message: "YAML: \(problem)")
        default:
            return ConfigError(file: file, line: 1, message: "YAML: \(error)")
        }
    }

    static func address(_ node: Node, _ reader: inout YAMLReader, _ what: String, defaultPort: UInt16) -> SocketAddress? {
        guard let text = reader.string(node, what) else { return nil }
        guard let address = SocketAddress(parsing: text, defaultPort: defaultPort) else {
            reader.error(node, "expected ADDRESS[:PORT] (e.g. 127.0.0.1:53 or [::1]:53) in \(what), found \"\(text)\"")
            return nil
        }
        return address
    }

    /// A list of addresses and prefixes (`allow_query`, `rate_limit.exempt`, a view's `clients`).
    static func prefixes(_ node: Node, _ reader: inout YAMLReader, _ what: String) -> [CIDR] {
        reader.list(node, what).compactMap { item in
            guard let text = reader.string(item, "an entry of \(what)") else { return nil }
            guard let cidr = CIDR(parsing: text) else {
                reader.error(item, "expected an address or prefix like 10.0.0.0/8, found \"\(text)\"")
                return nil
            }
            return cidr
        }
    }

    static func domain(_ node: Node, _ reader: inout YAMLReader, _ what: String) -> DNSName? {
        guard let text = reader.string(node, what) else { return nil }
        guard let name = try? DNSName(parsing: text.hasSuffix(".") ? text : text + "."), !text.isEmpty else {
            reader.error(node, "\(what) \"\(text)\" is not a valid domain name")
            return nil
        }
        return name
    }

    static func zoneFile(_ node: Node, _ reader: inout YAMLReader, base: String) -> Config.ZoneFile? {
        let location = SourceLocation(file: reader.file, line: reader.line(node))
        if case .scalar = node, let path = reader.string(node, "a zone") {
            return Config.ZoneFile(path: resolvePath(path, against: base), origin: nil, options: ZoneOptions(), location: location)
        }
        var path: String?
        var origin: DNSName?
        var format = Config.ZoneFile.Format.zone
        var options = ZoneOptions()
        var recordsNode: Node?
        var name: String?
        for (key, value, _) in reader.mapping(node, "a zone", section: "zones[]") {
            switch key {
            case "name": name = reader.string(value, "name")
            case "file": path = reader.string(value, "file").map { resolvePath($0, against: base) }
            case "records": recordsNode = value
            case "format": format = reader.choice(value, "format") ?? format
            case "origin": origin = domain(value, &reader, "origin")
            case "fallthrough": options.fallThrough = reader.bool(value, "fallthrough") ?? false
            case "aws_strict_nxdomain": options.awsStrictNXDomain = reader.bool(value, "aws_strict_nxdomain") ?? false
            default: break
            }
        }
        if let recordsNode {
            guard path == nil else {
                reader.error(recordsNode, "a zone has a file or records, not both")
                return nil
            }
            guard let origin else {
                reader.error(node, "a zone with records needs an origin")
                return nil
            }
            var zone = Config.ZoneFile(path: reader.file, origin: origin, options: options, location: location)
            zone.records = ZoneRecordsConfig.parse(recordsNode, &reader, origin: origin)
            zone.name = name
            return zone
        }
        guard let path else {
            reader.error(node, "a zone needs a file (or records)")
            return nil
        }
        var zone = Config.ZoneFile(path: path, format: format, origin: origin, options: options, location: location)
        zone.name = name
        return zone
    }

    static func forwarding(_ node: Node, _ reader: inout YAMLReader) -> Config.Forwarding {
        var forwarding = Config.Forwarding()
        for (key, value, _) in reader.mapping(node, "forward", section: "forward") {
            switch key {
            case "upstreams":
                forwarding.upstreams = upstreams(value, &reader, "upstreams")
            case "policy":
                forwarding.policy = reader.choice(value, "policy") ?? forwarding.policy
            case "timeout": forwarding.timeout = reader.duration(value, ConfigTable.forwardTimeout) ?? forwarding.timeout
            case "deadline": forwarding.deadline = reader.duration(value, ConfigTable.forwardDeadline) ?? forwarding.deadline
            case "max_in_flight":
                forwarding.maxInFlight = reader.int(value, ConfigTable.forwardMaxInFlight) ?? forwarding.maxInFlight
            case "queries_per_socket":
                forwarding.queriesPerSocket = reader.int(value, ConfigTable.forwardQueriesPerSocket) ?? forwarding.queriesPerSocket
            case "rules":
                forwarding.rules = reader.list(value, "rules").compactMap { rule($0, &reader) }
            case "resolv_conf":
                if let path = reader.string(value, "resolv_conf") { forwarding.resolvConf = resolvePath(path, against: directoryOf(reader.file)) }
            default: break
            }
        }
        return forwarding
    }

    static func rule(_ node: Node, _ reader: inout YAMLReader, section: String = "forward.rules[]") -> Config.ForwardRule? {
        var domain: DNSName?
        var domainGiven = false
        var action: Config.ForwardRule.Action = .forward
        var upstreams: [Upstream] = []
        for (key, value, _) in reader.mapping(node, "a forwarding rule", section: section) {
            switch key {
            case "domain":
                domainGiven = true
                domain = ConfigLoader.domain(value, &reader, "domain")
            case "action":
                action = reader.choice(value, "action") ?? action
            case "upstreams":
                upstreams = ConfigLoader.upstreams(value, &reader, "upstreams")
            default: break
            }
        }
        guard let domain else {
            if !domainGiven { reader.error(node, "a forwarding rule needs a domain") }  // else its error is said
            return nil
        }
        if action == .forward && upstreams.isEmpty {
            reader.error(node, "the forward rule for \(domain.text) needs upstreams")
            return nil
        }
        if action == .system && !upstreams.isEmpty {
            reader.error(node, "the system rule for \(domain.text) takes no upstreams")
        }
        return Config.ForwardRule(
            domain: domain, action: action, upstreams: upstreams, location: SourceLocation(file: reader.file, line: reader.line(node)))
    }

    static func awsSync(_ node: Node, _ reader: inout YAMLReader, line: Int) -> Config.AWSSync? {
        var sync = Config.AWSSync(location: SourceLocation(file: reader.file, line: line))
        var vpc: String?
        for (key, value, _) in reader.mapping(node, "aws", section: "aws") {
            switch key {
            case "vpc_id": vpc = reader.string(value, "vpc_id")
            case "region": sync.region = reader.string(value, "region")
            case "interval": sync.interval = reader.duration(value, ConfigTable.awsInterval) ?? sync.interval
            case "profile": sync.profile = reader.string(value, "profile")
            case "endpoint_url":
                if case .mapping = value {
                    for (service, url, _) in reader.mapping(value, "endpoint_url", section: "aws.endpoint_url") {
                        if let text = endpointURL(url, &reader, service) { sync.endpointURLs[service] = text }
                    }
                } else if let text = endpointURL(value, &reader, "endpoint_url") {
                    sync.endpointURLs["*"] = text
                }
            default: break
            }
        }
        guard let vpc else {
            reader.error(node, "aws needs vpc_id: the VPC whose endpoints and private hosted zones are served")
            return nil
        }
        guard vpc.hasPrefix("vpc-"), vpc.count > 4 else {
            reader.error(node, "aws.vpc_id: expected a VPC id like vpc-0abc1234def567890, found \"\(vpc)\"")
            return nil
        }
        sync.vpcID = vpc
        return sync
    }

    /// An http(s) URL with a host.
    static func endpointURL(_ node: Node, _ reader: inout YAMLReader, _ what: String) -> String? {
        guard let text = reader.string(node, what) else { return nil }
        guard let url = URL(string: text), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
            reader.error(node, "\(what): expected an http:// or https:// URL, found \"\(text)\"")
            return nil
        }
        return text
    }

    static func cache(_ node: Node, _ reader: inout YAMLReader) -> Config.Cache {
        var cache = Config.Cache()
        for (key, value, _) in reader.mapping(node, "cache", section: "cache") {
            switch key {
            case "max_entries": cache.maxEntries = reader.int(value, ConfigTable.cacheMaxEntries) ?? cache.maxEntries
            case "max_bytes": cache.maxBytes = reader.int(value, ConfigTable.cacheMaxBytes) ?? cache.maxBytes
            case "min_ttl": cache.minTTL = reader.duration(value, ConfigTable.cacheMinTTL).map { UInt32($0) } ?? cache.minTTL
            case "max_ttl": cache.maxTTL = reader.duration(value, ConfigTable.cacheMaxTTL).map { UInt32($0) } ?? cache.maxTTL
            case "max_negative_ttl":
                cache.maxNegativeTTL = reader.duration(value, ConfigTable.cacheMaxNegativeTTL).map { UInt32($0) } ?? cache.maxNegativeTTL
            case "serve_stale": cache.serveStale = reader.bool(value, "serve_stale") ?? cache.serveStale
            default: break
            }
        }
        return cache
    }

    static func rateLimit(_ node: Node, _ reader: inout YAMLReader) -> ResponseRateLimiter.Settings {
        var settings = ResponseRateLimiter.Settings()
        for (key, value, _) in reader.mapping(node, "rate_limit", section: "rate_limit") {
            switch key {
            case "responses_per_second": settings.rate = Double(reader.int(value, ConfigTable.rateLimitRate) ?? Int(settings.rate))
            case "burst": settings.burst = Double(reader.int(value, ConfigTable.rateLimitBurst) ?? Int(settings.burst))
            case "slip": settings.slip = reader.int(value, ConfigTable.rateLimitSlip) ?? settings.slip
            case "exempt":
                settings.exempt = AccessControlList(prefixes(value, &reader, "exempt"))
            default: break
            }
        }
        return settings
    }

    static func tcp(_ node: Node, _ reader: inout YAMLReader) -> TCPLimits {
        var limits = TCPLimits()
        for (key, value, _) in reader.mapping(node, "tcp", section: "tcp") {
            switch key {
            case "max_connections": limits.maxConnections = reader.int(value, ConfigTable.tcpMaxConnections) ?? limits.maxConnections
            case "idle_timeout": limits.idleTimeout = reader.duration(value, ConfigTable.tcpIdleTimeout) ?? limits.idleTimeout
            case "max_buffered_bytes":
                limits.maxBufferedBytes = reader.int(value, ConfigTable.tcpMaxBufferedBytes) ?? limits.maxBufferedBytes
            default: break
            }
        }
        return limits
    }
}
