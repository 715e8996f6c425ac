// SPDX-License-Identifier: Apache-2.0
import DNSCore
import DNSEngine
import EventIO
import Yams

/// The `views:` entries and `endpoint_health:` of the config.
enum ViewConfig {
    /// A view, and the zones it declares inline (which join `zones`, owned by the view).
    static func parse(_ node: Node, _ reader: inout YAMLReader, base: String) -> (Config.View, [Config.ZoneFile])? {
        var view = Config.View(name: "", location: SourceLocation(file: reader.file, line: reader.line(node)))
        var inline: [Config.ZoneFile] = []
        var named = false
        for (key, value, _) in reader.mapping(node, "a view", section: "views[]") {
            switch key {
            case "name":
                if let text = reader.string(value, "name") {
                    view.name = text
                    named = !text.isEmpty
                }
            case "clients":
                view.clients = ConfigLoader.prefixes(value, &reader, "clients")
            case "listen":
                view.listen = reader.list(value, "listen").compactMap { ConfigLoader.address($0, &reader, "listen", defaultPort: 53) }
            case "zones":
                var names: [String] = []
                for item in reader.list(value, "zones") {
                    if case .scalar = item {
                        if let name = reader.string(item, "a zone's name") { names.append(name) }
                    } else if var zone = ConfigLoader.zoneFile(item, &reader, base: base) {
                        zone.ownerView = ""  // the view's name, once read
                        inline.append(zone)
                    }
                }
                view.zones = names
            case "endpoints":
                view.endpoints = reader.list(value, "endpoints").compactMap { reader.string($0, "an endpoint id").map { $0.lowercased() } }
            case "forward":
                for (key, item, _) in reader.mapping(value, "a view's forward", section: "views[].forward") {
                    if key == "rules" {
                        view.rules = reader.list(item, "rules").compactMap {
                            ConfigLoader.rule($0, &reader, section: "views[].forward.rules[]")
                        }
                    } else {
                        view.upstreams = ConfigLoader.upstreams(item, &reader, "upstreams")
                    }
                }
            case "region": view.region = reader.choice(value, ConfigTable.viewRegion)
            case "subnets":
                guard case .mapping(let mapping) = value else {
                    reader.error(value, "subnets must be a mapping of prefixes to Availability Zones")
                    break
                }
                for (key, item) in mapping {
                    let text = key.scalar?.string ?? ""
                    guard let cidr = CIDR(parsing: text) else {
                        reader.error(item, "subnets: expected a prefix like 10.1.1.0/24, found \"\(text)\"")
                        continue
                    }
                    if let az = reader.string(item, "an Availability Zone") { view.subnets.append((cidr, az)) }
                }
            case "az_affinity": view.azAffinity = reader.choice(value, "az_affinity") ?? view.azAffinity
            default: break
            }
        }
        guard named else {
            reader.error(node, "a view needs a name")
            return nil
        }
        for i in inline.indices { inline[i].ownerView = view.name }
        // Inline zones are the view's by name; without a zones key the view has every shared zone.
        if !inline.isEmpty { view.zones = (view.zones ?? []) + inline.map { $0.name ?? $0.origin.map(NamedZone.name) ?? $0.path } }
        return (view, inline)
    }

    /// What two views cannot share: a name (the query log's srcids), a listener, a client prefix
    /// (which view answers would turn on the order they are written in). Reported at the later view.
    static func conflicts(_ views: [Config.View]) -> [ConfigError] {
        var errors: [ConfigError] = []
        var names: [String: Int] = [:]
        var listeners: [SocketAddress: Config.View] = [:]
        var prefixes: [CIDR: Config.View] = [:]
        for view in views {
            func problem(_ message: String) {
                errors.append(ConfigError(file: view.location.file, line: view.location.line, message: "view \(view.name): \(message)"))
            }
            if let line = names[view.name] {
                problem("the name is taken by the view on line \(line)")
            } else {
                names[view.name] = view.location.line
            }
            for address in view.listen where address.port != 0 {  // port 0: the kernel's choice, never shared
                if let other = listeners[address], other.location != view.location {
                    problem("listen \(address) is view \(other.name)'s (line \(other.location.line)) too: a listener answers as one view")
                }
                listeners[address] = listeners[address] ?? view
            }
            for prefix in view.clients {
                if let other = prefixes[prefix], other.location != view.location {
                    problem("clients \(prefix) is view \(other.name)'s (line \(other.location.line)) too: a client is in one view")
                }
                prefixes[prefix] = prefixes[prefix] ?? view
            }
        }
        return errors
    }

    static func endpointHealth(_ node: Node, _ reader: inout YAMLReader) -> Config.EndpointHealth {
        var health = Config.EndpointHealth()
        for (key, value, _) in reader.mapping(node, "endpoint_health", section: "endpoint_health") {
            switch key {
            case "probe":
                if reader.string(value, "probe") != "tcp" { reader.error(value, "endpoint_health.probe: only tcp is offered") }
            case "port": health.port = reader.int(value, ConfigTable.endpointHealthPort).map(UInt16.init) ?? health.port
            case "interval": health.interval = reader.duration(value, ConfigTable.endpointHealthInterval) ?? health.interval
            case "failure_threshold":
                health.failureThreshold = reader.int(value, ConfigTable.endpointHealthThreshold) ?? health.failureThreshold
            default: break
            }
        }
        return health
    }
}
