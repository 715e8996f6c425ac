// SPDX-License-Identifier: Apache-2.0
import DNSZone

/// Route 53's choice among the record sets of one name and type (`route53-semantics.md` §1.3 and §7
/// items 3–8). Health is given, never probed here; `region` is the Region queries come from (in a
/// private zone, the VPC's, never the client's address).
public enum RoutingChoice {
    /// Most sets a multivalue answer holds.
    public static let multivalueLimit = 8

    /// The sets to answer with: one, up to eight for multivalue, none for a geolocation group with
    /// no match and no default; for an endpoint's ENIs, every one up in the order to answer.
    /// `clientAZ`, `affinity` and `rotation` matter to endpoint ENIs only.
    public static func choose<R: RandomNumberGenerator>(
        _ members: [RoutedRecordSet], region: AWSRegion?, healthy: (RoutedRecordSet) -> Bool,
        hasCheck: (RoutedRecordSet) -> Bool, clientAZ: String? = nil, affinity: AZAffinity = .off, rotation: Int = 0,
        using random: inout R
    ) -> [RoutedRecordSet] {
        guard let first = members.first else { return [] }
        switch first.policy {
        case .simple:
            return [first]
        case .weighted:
            return weighted(members, healthy: healthy, using: &random).map { [$0] } ?? []
        case .failover:
            return failover(members, healthy: healthy, hasCheck: hasCheck).map { [$0] } ?? []
        case .multivalue:
            var pool = members.filter(healthy)
            // None healthy: up to eight of the unhealthy ones.
            if pool.isEmpty { pool = members }
            pool.shuffle(using: &random)
            return Array(pool.prefix(multivalueLimit))
        case .latency:
            return nearest(members, healthy: healthy) { member in
                guard case .latency(let name) = member.policy, let at = AWSRegion.all[name] else { return .infinity }
                if name == region?.name { return 0 }
                guard let region else { return .infinity }
                return at.distance(latitude: region.latitude, longitude: region.longitude)
            }.map { [$0] } ?? []
        case .geoproximity:
            return nearest(members, healthy: healthy) { member in
                guard case .geoproximity(let place) = member.policy, let region else { return .infinity }
                let at = place.region.flatMap { AWSRegion.all[$0] }
                guard let latitude = place.latitude ?? at?.latitude, let longitude = place.longitude ?? at?.longitude else {
                    return .infinity
                }
                // Route 53: biased distance = distance × (1 − bias/100).
                return region.distance(latitude: latitude, longitude: longitude) * (1 - Double(place.bias) / 100)
            }.map { [$0] } ?? []
        case .geolocation:
            return geolocation(members, region: region, healthy: healthy).map { [$0] } ?? []
        case .ipBased:
            // Not routed in a private zone: the default location answers.
            return members.first { if case .ipBased("*") = $0.policy { true } else { false } }.map { [$0] } ?? []
        case .endpointENI:
            return endpointENIs(members, healthy: healthy, clientAZ: clientAZ, affinity: affinity, rotation: rotation)
        }
    }

    /// Every ENI address that is up (all of them when none is: never an empty answer), rotated so
    /// clients spread over them; with affinity, the client's AZ's first (`prefer`) or alone (`only`,
    /// unless its AZ has none up).
    static func endpointENIs(
        _ members: [RoutedRecordSet], healthy: (RoutedRecordSet) -> Bool, clientAZ: String?, affinity: AZAffinity, rotation: Int
    ) -> [RoutedRecordSet] {
        func rotated(_ list: [RoutedRecordSet]) -> [RoutedRecordSet] {
            guard list.count > 1 else { return list }
            let shift = abs(rotation % list.count)
            return Array(list[shift...] + list[..<shift])
        }
        var pool = members.filter(healthy)
        if pool.isEmpty { pool = members }
        guard affinity != .off, let clientAZ else { return rotated(pool) }
        func inAZ(_ member: RoutedRecordSet) -> Bool {
            if case .endpointENI(let az) = member.policy { az.lowercased() == clientAZ.lowercased() } else { false }
        }
        let local = pool.filter(inAZ)
        if local.isEmpty { return rotated(pool) }
        return affinity == .only ? rotated(local) : rotated(local) + rotated(pool.filter { !inAZ($0) })
    }

    /// One set with probability w/Σw among the healthy nonzero ones; the zero-weight ones only when
    /// every nonzero one is unhealthy, an equal share each (also when every weight is 0). With none
    /// healthy, all count as healthy.
    static func weighted<R: RandomNumberGenerator>(
        _ members: [RoutedRecordSet], healthy: (RoutedRecordSet) -> Bool, using random: inout R
    ) -> RoutedRecordSet? {
        func weight(_ m: RoutedRecordSet) -> Int { if case .weighted(let w) = m.policy { Int(w) } else { 0 } }
        var pool = members.filter(healthy)
        if pool.isEmpty { pool = members }
        let nonzero = pool.filter { weight($0) > 0 }
        guard !nonzero.isEmpty else { return pool.randomElement(using: &random) }
        var pick = Int.random(in: 0..<nonzero.reduce(0) { $0 + weight($1) }, using: &random)
        for member in nonzero {
            pick -= weight(member)
            if pick < 0 { return member }
        }
        return nonzero.last
    }

    /// The primary while it is healthy; else the secondary, unless that too is unhealthy and has a
    /// check of its own, when the primary is answered (§1.3's table).
    static func failover(
        _ members: [RoutedRecordSet], healthy: (RoutedRecordSet) -> Bool, hasCheck: (RoutedRecordSet) -> Bool
    ) -> RoutedRecordSet? {
        let primary = members.first { $0.policy == .failover(primary: true) }
        let secondary = members.first { $0.policy == .failover(primary: false) }
        guard let primary else { return secondary }
        guard let secondary, !healthy(primary) else { return primary }
        if healthy(secondary) || !hasCheck(secondary) { return secondary }
        return primary
    }

    /// The healthy set at the least distance (all of them when none is healthy).
    static func nearest(
        _ members: [RoutedRecordSet], healthy: (RoutedRecordSet) -> Bool, distance: (RoutedRecordSet) -> Double
    ) -> RoutedRecordSet? {
        var pool = members.filter(healthy)
        if pool.isEmpty { pool = members }
        return pool.min { distance($0) < distance($1) }
    }

    /// The smallest area holding the Region: subdivision, country, continent, then the default `*`;
    /// an unhealthy match gives way to the next larger area. No match and no default: none (NODATA).
    static func geolocation(
        _ members: [RoutedRecordSet], region: AWSRegion?, healthy: (RoutedRecordSet) -> Bool
    ) -> RoutedRecordSet? {
        func location(_ m: RoutedRecordSet) -> GeoLocation? { if case .geolocation(let g) = m.policy { g } else { nil } }
        var matches: [RoutedRecordSet] = []
        if let region {
            if let subdivision = region.subdivision {
                matches += members.filter { location($0)?.country == region.country && location($0)?.subdivision == subdivision }
            }
            matches += members.filter { location($0)?.country == region.country && location($0)?.subdivision == nil }
            matches += members.filter { location($0)?.continent == region.continent }
        }
        matches += members.filter { location($0)?.isDefault == true }
        return matches.first(where: healthy) ?? matches.first
    }
}
