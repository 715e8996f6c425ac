// SPDX-License-Identifier: Apache-2.0
import DNSCore

/// A Route 53 record set that is chosen at query time, or that names another record: one of a
/// weighted, failover, multivalue, latency, geolocation, geoproximity or IP-based group, or an alias
/// (`route53-semantics.md` §1.2–1.4). Plain record sets stay `RRSet`s.
public struct RoutedRecordSet: Sendable, Hashable {
    /// How the set takes part in the choice among its group.
    public enum Policy: Sendable, Hashable {
        /// No choice: the only set of its name and type (an alias, or the simple form of a set).
        case simple
        /// Chosen with probability weight/Σweight.
        case weighted(UInt8)
        case failover(primary: Bool)
        /// One of up to eight answered together.
        case multivalue
        /// The set for an AWS Region, chosen by the region queries come from.
        case latency(region: String)
        case geolocation(GeoLocation)
        case geoproximity(GeoProximity)
        /// `CidrRoutingConfig`: loads, but private zones do not route on client addresses; the
        /// default location `*` answers.
        case ipBased(location: String)
        /// One address of an interface endpoint's ENI, in a regional or private name's answer when
        /// ENIs are probed or answers follow the client's AZ: every ENI that is up answers (all of
        /// them when none is), its AZ's first or alone by the view's `az_affinity`.
        case endpointENI(availabilityZone: String)

        /// The policy's name, as Route 53's console gives it (messages, the policy's group rules).
        public var name: String {
            switch self {
            case .simple: "simple"
            case .weighted: "weighted"
            case .failover: "failover"
            case .multivalue: "multivalue answer"
            case .latency: "latency"
            case .geolocation: "geolocation"
            case .geoproximity: "geoproximity"
            case .ipBased: "IP-based"
            case .endpointENI: "endpoint ENI"
            }
        }
    }

    /// The data a set answers with.
    public enum Content: Sendable, Hashable {
        case records(RRSet)
        /// Route 53's alias: the target's data under this set's name and type.
        case alias(AliasTarget)
    }

    /// `SetIdentifier`; nil for a simple set.
    public var identifier: String?
    public var policy: Policy
    /// `HealthCheckId`: nil is always healthy.
    public var healthCheck: String?
    public var content: Content

    public init(identifier: String?, policy: Policy, healthCheck: String?, content: Content) {
        self.identifier = identifier
        self.policy = policy
        self.healthCheck = healthCheck
        self.content = content
    }
}

/// Where an alias points: `AliasTarget.DNSName` and `EvaluateTargetHealth`.
public struct AliasTarget: Sendable, Hashable {
    public var name: DNSName
    public var evaluateTargetHealth: Bool

    public init(name: DNSName, evaluateTargetHealth: Bool) {
        self.name = name
        self.evaluateTargetHealth = evaluateTargetHealth
    }
}

/// `GeoLocation`: a continent, or a country (`*` the default location) and maybe a subdivision.
public struct GeoLocation: Sendable, Hashable {
    public var continent: String?
    public var country: String?
    public var subdivision: String?

    public init(continent: String?, country: String?, subdivision: String?) {
        self.continent = continent
        self.country = country
        self.subdivision = subdivision
    }

    /// The default location, `CountryCode: "*"`.
    public var isDefault: Bool { country == "*" }
}

/// `GeoProximityLocation`: a Region or coordinates, with a bias that grows (positive) or shrinks
/// (negative) the area the set answers for.
public struct GeoProximity: Sendable, Hashable {
    public var region: String?
    public var latitude: Double?
    public var longitude: Double?
    /// −99…99.
    public var bias: Int

    public init(region: String?, latitude: Double?, longitude: Double?, bias: Int) {
        self.region = region
        self.latitude = latitude
        self.longitude = longitude
        self.bias = bias
    }
}

/// The routed record sets of one (name, type): a choice the engine makes per query.
public struct RoutedGroup: Sendable, Hashable {
    public var type: RRType
    public var members: [RoutedRecordSet]

    public init(type: RRType, members: [RoutedRecordSet]) {
        self.type = type
        self.members = members
    }

    /// The same sets under another owner (a wildcard's, RFC 4592 §3.3.1).
    public func renamed(_ owner: DNSName) -> RoutedGroup {
        var copy = self
        for i in copy.members.indices {
            if case .records(let set) = copy.members[i].content { copy.members[i].content = .records(set.renamed(owner)) }
        }
        return copy
    }
}
