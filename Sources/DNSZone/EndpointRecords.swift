// SPDX-License-Identifier: Apache-2.0
import DNSCore

/// Turns interface endpoints into the zones AWS would serve for them (TTL 60):
/// - the regional name `<id>-<suffix>.<service>.<region>.vpce.amazonaws.com`: every ENI address;
/// - one zonal name per AZ, `<id>-<suffix>-<az>.…`: that AZ's addresses;
/// - with private DNS, the service's private hosted zones (`EndpointServiceTable`), or for an
///   endpoint service of your own a CNAME from its private DNS name to the regional name.
/// The regional and zonal names are public names in AWS, so each is served as a zone of one name:
/// everything else under `vpce.amazonaws.com` still goes upstream.
public enum EndpointRecords {
    /// TTL of every synthesised record, as AWS serves them.
    public static let ttl: UInt32 = 60

    /// One problem with one endpoint (index into the list given).
    public struct Problem: Error, Sendable, Equatable {
        public var endpointIndex: Int
        public var message: String
    }

    /// A zone and the endpoint (index into the list given) it was made for.
    public struct EndpointZone: Sendable {
        public var endpointIndex: Int
        public var zone: Zone
    }

    /// Every problem of one load.
    public struct Problems: Error, Sendable {
        public var problems: [Problem]
    }

    /// The health check of one ENI address (`endpoint_health`): `vpce-…/us-east-1a/10.0.1.15`.
    public static func healthCheckID(endpoint: String, availabilityZone: String, address: String) -> String {
        "\(endpoint)/\(availabilityZone)/\(address)"
    }

    /// The zones for all endpoints, or every problem found (bad names, two endpoints claiming one
    /// private DNS name). With `routed`, the regional and private names' addresses are chosen per
    /// query, one routed set per ENI address with its health check (`healthCheckID`): for ENI
    /// probes and AZ affinity. Zonal names stay plain.
    public static func zones(for endpoints: [InterfaceEndpoint], routed: Bool = false) -> Result<[EndpointZone], Problems> {
        var zones: [EndpointZone] = []
        var problems: [Problem] = []
        var claimed: [DNSName: Int] = [:]
        for (index, endpoint) in endpoints.enumerated() {
            switch zonesOf(endpoint, routed: routed) {
            case .failure(let problem):
                problems.append(Problem(endpointIndex: index, message: problem.message))
            case .success(let built):
                for zone in built {
                    if let other = claimed[zone.origin] {
                        problems.append(
                            Problem(
                                endpointIndex: index,
                                message: "\"\(zone.origin.text)\" is already served for endpoint \(endpoints[other].id)"))
                        continue
                    }
                    claimed[zone.origin] = index
                    zones.append(EndpointZone(endpointIndex: index, zone: zone))
                }
            }
        }
        return problems.isEmpty ? .success(zones) : .failure(Problems(problems: problems))
    }

    /// The zones of one endpoint, or why it cannot have them.
    static func zonesOf(_ endpoint: InterfaceEndpoint, routed: Bool = false) -> Result<[Zone], Problem> {
        func failure(_ message: String) -> Result<[Zone], Problem> { .failure(Problem(endpointIndex: 0, message: message)) }
        guard let service = EndpointService(endpoint.serviceName) else {
            return failure(
                "service \"\(endpoint.serviceName)\" is neither com.amazonaws.<region>.<service> nor "
                    + "com.amazonaws.vpce.<region>.vpce-svc-<id>")
        }
        let vpceParent: String
        var vpceWildcard = false
        var privateZones: [(origin: String, apex: Bool, wildcard: Bool)] = []
        switch service {
        case .aws(let region, let name):
            let rule = EndpointServiceTable.rule(for: name)
            vpceParent = "\(rule.dnsLabels).\(region).vpce.amazonaws.com."
            vpceWildcard = rule.vpceWildcard
            privateZones = rule.privateNames.map { ("\($0.labels).\(region).amazonaws.com.", $0.apex, $0.wildcard) }
        case .custom(let region, let serviceID):
            vpceParent = "\(serviceID).\(region).vpce.amazonaws.com."
        }
        let base = "\(endpoint.id)-\(endpoint.dnsSuffix)"
        let allV4 = endpoint.enis.flatMap(\.ipv4)
        let allV6 = endpoint.enis.flatMap(\.ipv6)
        let (v4Public, v6Public, v4Private, v6Private) = families(endpoint.ipType)
        var zones: [Zone] = []
        /// Every ENI's addresses at `owners`: one RRset each, or one routed group each.
        func everyENI(_ origin: DNSName, _ owners: [DNSName], v4: Bool, v6: Bool, apexData: Bool) -> Zone {
            guard routed else {
                return ZoneBuilder.synthesized(
                    origin: origin, rrsets: owners.flatMap { addresses($0, v4: v4 ? allV4 : [], v6: v6 ? allV6 : []) },
                    apexData: apexData)
            }
            var groups: [(owner: DNSName, type: RRType, members: [RoutedRecordSet])] = []
            for owner in owners {
                for (type, wanted) in [(RRType.A, v4), (RRType.AAAA, v6)] where wanted {
                    var members: [RoutedRecordSet] = []
                    for eni in endpoint.enis {
                        let addresses: [(RData, String)] =
                            type == .A ? eni.ipv4.map { (.a($0), $0.description) } : eni.ipv6.map { (.aaaa($0), $0.description) }
                        for (rdata, text) in addresses {
                            members.append(
                                RoutedRecordSet(
                                    identifier: text, policy: .endpointENI(availabilityZone: eni.availabilityZone),
                                    healthCheck: healthCheckID(endpoint: endpoint.id, availabilityZone: eni.availabilityZone, address: text),
                                    content: .records(RRSet(name: owner, type: type, ttl: ttl, rdatas: [rdata]))))
                        }
                    }
                    if !members.isEmpty { groups.append((owner, type, members)) }
                }
            }
            return ZoneBuilder.synthesized(origin: origin, rrsets: [], routed: groups, apexData: apexData)
        }
        do {
            let regional = try DNSName(parsing: "\(base).\(vpceParent)")
            zones.append(
                everyENI(regional, [regional] + (vpceWildcard ? [regional.wildcard].compactMap { $0 } : []), v4: v4Public, v6: v6Public,
                    apexData: false))
            for eni in mergedByAZ(endpoint.enis) {
                let zonal = try DNSName(parsing: "\(base)-\(eni.availabilityZone).\(vpceParent)")
                zones.append(vpceName(zonal, v4: v4Public ? eni.ipv4 : [], v6: v6Public ? eni.ipv6 : [], wildcard: vpceWildcard))
            }
            guard endpoint.privateDNS else { return .success(zones) }
            if case .custom = service {
                guard let name = endpoint.privateDNSName else {
                    return failure("private_dns on an endpoint service of your own needs private_dns_name")
                }
                let cname = RRSet(name: name, type: .CNAME, ttl: ttl, rdatas: [.cname(regional)])
                zones.append(ZoneBuilder.synthesized(origin: name, rrsets: [cname], apexData: false))
                return .success(zones)
            }
            for privateName in privateZones {
                let origin = try DNSName(parsing: privateName.origin)
                var owners: [DNSName] = []
                if privateName.apex { owners.append(origin) }
                if privateName.wildcard, let wildcard = origin.wildcard { owners.append(wildcard) }
                zones.append(everyENI(origin, owners, v4: v4Private, v6: v6Private, apexData: true))
            }
        } catch {
            return failure("cannot form a DNS name from id \"\(endpoint.id)\" and suffix \"\(endpoint.dnsSuffix)\": \(describe(error))")
        }
        return .success(zones)
    }

    /// Which families answer on (vpce names v4, v6, private names v4, v6).
    private static func families(_ type: InterfaceEndpoint.IPType) -> (Bool, Bool, Bool, Bool) {
        switch type {
        case .ipv4: (true, false, true, false)
        case .ipv6: (false, true, false, true)
        case .dualstack: (true, true, true, true)
        case .serviceDefined: (true, true, true, false)
        }
    }

    /// ENIs grouped by AZ in first-seen order (two ENIs in one AZ share its zonal name).
    private static func mergedByAZ(_ enis: [InterfaceEndpoint.ENI]) -> [InterfaceEndpoint.ENI] {
        var order: [String] = []
        var byAZ: [String: InterfaceEndpoint.ENI] = [:]
        for eni in enis {
            let key = eni.availabilityZone.lowercased()
            if var existing = byAZ[key] {
                existing.ipv4 += eni.ipv4
                existing.ipv6 += eni.ipv6
                byAZ[key] = existing
            } else {
                order.append(key)
                byAZ[key] = eni
            }
        }
        return order.map { byAZ[$0]! }
    }

    private static func addresses(_ owner: DNSName, v4: [IPv4Address], v6: [IPv6Address]) -> [RRSet] {
        var sets: [RRSet] = []
        if !v4.isEmpty { sets.append(RRSet(name: owner, type: .A, ttl: ttl, rdatas: SmallArray(v4.map { .a($0) }))) }
        if !v6.isEmpty { sets.append(RRSet(name: owner, type: .AAAA, ttl: ttl, rdatas: SmallArray(v6.map { .aaaa($0) }))) }
        return sets
    }

    /// A regional or zonal vpce name as a zone of its own, with `*.` below it for S3.
    private static func vpceName(_ name: DNSName, v4: [IPv4Address], v6: [IPv6Address], wildcard: Bool) -> Zone {
        var rrsets = addresses(name, v4: v4, v6: v6)
        if wildcard, let below = name.wildcard { rrsets += addresses(below, v4: v4, v6: v6) }
        return ZoneBuilder.synthesized(origin: name, rrsets: rrsets, apexData: false)
    }
}
