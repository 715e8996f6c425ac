// SPDX-License-Identifier: Apache-2.0
import DNSCore
import Synchronization

/// One upstream resolver: an IPv4 or IPv6 address and a port.
public struct Upstream: Hashable, Sendable, CustomStringConvertible {
    /// 4 or 16 octets.
    public let ip: [UInt8]
    public let port: UInt16

    public init(ip: [UInt8], port: UInt16) {
        precondition(ip.count == 4 || ip.count == 16, "an IP address has 4 or 16 octets")
        self.ip = ip
        self.port = port
    }

    public var description: String {
        ip.count == 4 ? "\(IPv4Address(bytes: ip)):\(port)" : "[\(IPv6Address(bytes: ip))]:\(port)"
    }
}

/// Upstreams used together, and how to choose among them.
public struct UpstreamGroup: Hashable, Sendable {
    public enum Policy: String, Sendable {
        /// The first healthy upstream; one that fails is marked down, probed, and used again once it
        /// answers (fail back).
        case ordered
        /// A healthy upstream at random for each query.
        case random
    }

    public let upstreams: [Upstream]
    public let policy: Policy
    /// What the cache files this group's answers under, beside the question: groups of the same
    /// upstreams share it, so a forwarded answer is shared only by views (and rules) that send the
    /// name to the same servers. Interned for the process: it outlives a reload.
    public let cacheScope: UInt32

    public init(_ upstreams: [Upstream], policy: Policy = .ordered) {
        self.upstreams = upstreams
        self.policy = policy
        cacheScope = CacheScopes.scope(of: upstreams)
    }
}

/// One number per distinct list of upstreams, for the life of the process.
enum CacheScopes {
    private static let table = Mutex<[Set<Upstream>: UInt32]>([:])

    static func scope(of upstreams: [Upstream]) -> UInt32 {
        table.withLock { table in
            let key = Set(upstreams)
            if let known = table[key] { return known }
            let next = UInt32(table.count + 1)
            table[key] = next
            return next
        }
    }
}

/// Per-domain forwarding rules with Route 53 Resolver semantics: the most specific domain wins;
/// `forward` sends the domain to its own upstreams; `system` cancels a broader `forward` rule.
public struct ForwardingRules: Sendable, Equatable {
    public enum Action: Sendable, Equatable {
        case forward(UpstreamGroup)
        case system
    }

    public let rules: [DNSName: Action]
    /// Where names matched by no rule and no private zone go; nil: nowhere (REFUSED).
    public let defaultGroup: UpstreamGroup?

    public init(rules: [DNSName: Action] = [:], defaultGroup: UpstreamGroup? = nil) {
        self.rules = rules
        self.defaultGroup = defaultGroup
    }

    /// The most specific rule whose domain equals or encloses `name`.
    public func match(_ name: DNSName) -> (domain: DNSName, action: Action)? {
        if rules.isEmpty { return nil }
        var current: DNSName? = name
        while let n = current {
            if let action = rules[n] { return (n, action) }
            current = n.parent
        }
        return nil
    }
}
