// SPDX-License-Identifier: Apache-2.0

/// How AWS names the private DNS of one service. A service AWS names differently is a one-line
/// change here, not new code.
public struct EndpointServiceRule: Sendable {
    /// One private hosted zone the endpoint's private DNS creates: `<labels>.<region>.amazonaws.com`.
    public struct PrivateName: Sendable {
        /// The zone's labels before `<region>.amazonaws.com`, e.g. `execute-api`.
        public var labels: String
        /// The zone apex itself answers with the endpoint's addresses.
        public var apex: Bool
        /// `*.<zone>` answers too (API ids, bucket names, registry account ids).
        public var wildcard: Bool
    }

    /// The service's labels as they appear in DNS names (`ecr.dkr` → `dkr.ecr`).
    public var dnsLabels: String
    public var privateNames: [PrivateName]
    /// `*.` below the regional and zonal vpce names answers too: S3's `DnsEntries` are
    /// `*.vpce-…s3…` (a bucket's name goes in front).
    public var vpceWildcard = false
}

/// The per-service rules, keyed by the part of the service name after the region.
public enum EndpointServiceTable {
    private static func names(_ list: [(String, Bool, Bool)]) -> [EndpointServiceRule.PrivateName] {
        list.map { EndpointServiceRule.PrivateName(labels: $0.0, apex: $0.1, wildcard: $0.2) }
    }

    /// Services whose private DNS is more than `<service>.<region>.amazonaws.com`.
    public static let special: [String: EndpointServiceRule] = [
        "execute-api": EndpointServiceRule(
            dnsLabels: "execute-api", privateNames: names([("execute-api", true, true)])),
        "s3": EndpointServiceRule(
            dnsLabels: "s3",
            privateNames: names([
                ("s3", true, true),
                ("s3-control", true, true),
                ("s3-accesspoint", true, true),
            ]), vpceWildcard: true),
        "ecr.dkr": EndpointServiceRule(
            dnsLabels: "dkr.ecr", privateNames: names([("dkr.ecr", true, true)])),
        "ecr.api": EndpointServiceRule(
            dnsLabels: "api.ecr", privateNames: names([("api.ecr", true, false)])),
    ]

    /// The rule for `service`: the table's entry, or the default — labels reversed
    /// (`a.b` → `b.a`) and one private name `<labels>.<region>.amazonaws.com`.
    public static func rule(for service: String) -> EndpointServiceRule {
        if let rule = special[service] { return rule }
        let labels = service.split(separator: ".").reversed().joined(separator: ".")
        return EndpointServiceRule(
            dnsLabels: labels, privateNames: names([("\(labels)", true, false)]))
    }
}
