// SPDX-License-Identifier: Apache-2.0
import DNSCore
import Synchronization

/// One upstream resolver: an IPv4 or IPv6 address, a port, and how to talk to it.
public struct Upstream: Hashable, Sendable, CustomStringConvertible {
    /// How queries reach the upstream.
    public enum Transport: Hashable, Sendable {
        /// Do53: UDP, and TCP for a truncated answer.
        case plain
        /// DNS over TLS (RFC 7858), strictly: the server authenticated, never a plain fallback.
        case tls(TLSPeer)
        /// DNS over HTTPS (RFC 8484) over HTTP/2, as strict.
        case https(HTTPSPeer)
    }

    /// A DoH upstream's URL and who must answer it.
    public struct HTTPSPeer: Hashable, Sendable {
        /// `server_name` is the URL's host unless given.
        public var tls: TLSPeer
        /// `HOST[:PORT]` as the URL writes it (HTTP/2's `:authority`).
        public var authority: String
        public var path: String

        public init(tls: TLSPeer, authority: String, path: String) {
            self.tls = tls
            self.authority = authority
            self.path = path
        }
    }

    /// Who a DoT upstream must prove to be (RFC 8310 §8).
    public struct TLSPeer: Hashable, Sendable {
        /// Checked against the certificate, and sent as SNI when a host name; nil: pins alone.
        public var serverName: String?
        /// A CA file instead of the system store.
        public var caFile: String?
        /// SHA-256 digests of acceptable SubjectPublicKeyInfos (RFC 7858 §4.2).
        public var spkiPins: [[UInt8]]

        public init(serverName: String?, caFile: String? = nil, spkiPins: [[UInt8]] = []) {
            self.serverName = serverName
            self.caFile = caFile
            self.spkiPins = spkiPins
        }
    }

    /// 4 or 16 octets.
    public let ip: [UInt8]
    public let port: UInt16
    public let transport: Transport

    public init(ip: [UInt8], port: UInt16, transport: Transport = .plain) {
        precondition(ip.count == 4 || ip.count == 16, "an IP address has 4 or 16 octets")
        self.ip = ip
        self.port = port
        self.transport = transport
    }

    /// The transport of a query sent to it (`overTCP`: a plain upstream's retry over TCP).
    public func queryTransport(overTCP: Bool) -> QueryContext.Transport {
        switch transport {
        case .plain: overTCP ? .tcp : .udp
        case .tls: .tls
        case .https: .https
        }
    }

    /// Who a DoT or DoH upstream must prove to be; nil for a plain one.
    public var tlsPeer: TLSPeer? {
        switch transport {
        case .plain: nil
        case .tls(let peer): peer
        case .https(let peer): peer.tls
        }
    }

    /// `ADDRESS:PORT` for a plain upstream, `tls://ADDRESS:PORT#NAME` for DoT,
    /// `https://AUTHORITY/PATH#ADDRESS:PORT` for DoH.
    public var address: String {
        ip.count == 4 ? "\(IPv4Address(bytes: ip)):\(port)" : "[\(IPv6Address(bytes: ip))]:\(port)"
    }

    public var description: String {
        switch transport {
        case .plain: address
        case .tls(let peer): "tls://\(address)" + (peer.serverName.map { "#\($0)" } ?? "")
        case .https(let peer): "https://\(peer.authority)\(peer.path)#\(address)"
        }
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
