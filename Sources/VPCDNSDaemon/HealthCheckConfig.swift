// SPDX-License-Identifier: Apache-2.0
import EventIO
import Yams

/// Reads `health_checks:`, a mapping from `HealthCheckId` to its probe.
enum HealthCheckConfig {
    static func parse(_ node: Node, _ reader: inout YAMLReader) -> [String: Config.HealthCheck] {
        guard case .mapping(let mapping) = node else {
            reader.error(node, "health_checks must be a mapping from HealthCheckId to a check")
            return [:]
        }
        var checks: [String: Config.HealthCheck] = [:]
        for (keyNode, value) in mapping {
            guard let id = keyNode.scalar?.string, !id.isEmpty else {
                reader.error(keyNode, "a health check's key must be its HealthCheckId")
                continue
            }
            if checks[id] != nil {
                reader.error(keyNode, "health check \"\(id)\" appears twice")
                continue
            }
            if let check = parseCheck(id, value, &reader) { checks[id] = check }
        }
        return checks
    }

    private static func parseCheck(_ id: String, _ node: Node, _ reader: inout YAMLReader) -> Config.HealthCheck? {
        let what = "health check \"\(id)\""
        var kind: Config.HealthCheck.Kind?
        var target: (text: String, node: Node)?
        var interval = 30.0
        var threshold = 3
        var invert = false
        for (key, value, _) in reader.mapping(node, what, section: "health_checks.ID") {
            switch key {
            case "type": kind = reader.choice(value, "type")
            case "target": target = reader.string(value, "target").map { ($0, value) }
            case "interval": interval = reader.duration(value, ConfigTable.healthCheckInterval) ?? interval
            case "failure_threshold": threshold = reader.int(value, ConfigTable.healthCheckFailureThreshold) ?? threshold
            case "invert": invert = reader.bool(value, "invert") ?? invert
            default: break
            }
        }
        let location = SourceLocation(file: reader.file, line: reader.line(node))
        guard let kind else {
            reader.error(node, "\(what) needs a type (tcp, http or https)")
            return nil
        }
        guard let target else {
            reader.error(node, "\(what) needs a target")
            return nil
        }
        var check = Config.HealthCheck(
            id: id, kind: kind, address: SocketAddress(ip: [0, 0, 0, 0], port: 0), interval: interval,
            failureThreshold: threshold, invert: invert, location: location)
        switch kind {
        case .tcp:
            guard let address = SocketAddress(parsing: target.text, defaultPort: 0), address.port != 0 else {
                reader.error(target.node, "a tcp check's target is ADDRESS:PORT (e.g. 10.0.3.5:5432), found \"\(target.text)\"")
                return nil
            }
            check.address = address
        case .http, .https:
            let scheme = kind.rawValue
            guard let url = HTTPTarget(parsing: target.text, scheme: scheme) else {
                reader.error(
                    target.node,
                    "an \(scheme) check's target is a URL \(scheme)://ADDRESS[:PORT]/PATH (e.g. \(scheme)://10.0.3.5:8443/health), found \"\(target.text)\"")
                return nil
            }
            check.address = url.address
            check.hostHeader = url.host
            check.path = url.path
        }
        return check
    }
}

/// `http://ADDRESS[:PORT][/PATH]` (or https), with ADDRESS an IP literal: a private address, no
/// name to resolve.
struct HTTPTarget {
    var address: SocketAddress
    var host: String
    var path: String

    init?(parsing text: String, scheme: String) {
        let prefix = scheme + "://"
        guard text.hasPrefix(prefix) else { return nil }
        let rest = text.dropFirst(prefix.count)
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = String(rest[..<slash])
        guard !authority.isEmpty,
            let address = SocketAddress(parsing: authority, defaultPort: scheme == "https" ? 443 : 80)
        else { return nil }
        self.address = address
        host = authority
        path = slash == rest.endIndex ? "/" : String(rest[slash...])
    }
}
