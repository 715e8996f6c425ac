// SPDX-License-Identifier: Apache-2.0
import DNSCore
import DNSEngine
import DNSZone
import EventIO
import Route53

/// Where a value came from, for messages about it.
public struct SourceLocation: Sendable, Equatable {
    public var file: String
    public var line: Int
    public init(file: String, line: Int) {
        self.file = file
        self.line = line
    }
}

/// The daemon's configuration, checked and typed. Immutable; a reload reads a new one.
public struct Config: Sendable {
    /// A zone file to serve.
    public struct ZoneFile: Sendable {
        /// How the file is written.
        public enum Format: String, Sendable, CaseIterable {
            /// An RFC 1035 master file.
            case zone
            /// The JSON of `aws route53 list-resource-record-sets`.
            case route53
        }
        /// The zone file; for `records`, the configuration file they are written in.
        public var path: String
        public var format: Format = .zone
        /// Record sets written in the configuration (`records:`), read as Route 53's.
        public var records: [RecordSetSource]?
        /// nil: the file's `$ORIGIN`, else its name minus `.zone`.
        public var origin: DNSName?
        /// What views name it by; nil: its origin (`internal.corp`).
        public var name: String?
        /// The view that declared it inline; such a zone is in no other view.
        public var ownerView: String?
        public var options: ZoneOptions
        public var location: SourceLocation

        public init(path: String, format: Format = .zone, origin: DNSName?, options: ZoneOptions, location: SourceLocation) {
            self.path = path
            self.format = format
            self.origin = origin
            self.options = options
            self.location = location
        }
    }

    /// A health check routed record sets name by `HealthCheckId`, probed from the daemon (Route 53's
    /// checkers cannot reach private addresses).
    public struct HealthCheck: Sendable, Equatable {
        public enum Kind: String, Sendable, CaseIterable {
            /// A TCP connection opens.
            case tcp
            /// An HTTP GET answers 2xx or 3xx.
            case http
            /// The same over TLS, the certificate unchecked (as Route 53's checkers do).
            case https
        }
        public var id: String
        public var kind: Kind
        /// `ADDRESS:PORT` for tcp; for http(s), the address, port and path of the URL.
        public var address: SocketAddress
        public var hostHeader: String = ""
        public var path: String = "/"
        /// Seconds between probes.
        public var interval: Double = 30
        /// Probes in a row that must fail (or pass) to change the state.
        public var failureThreshold: Int = 3
        /// Healthy when the probe fails.
        public var invert: Bool = false
        public var location: SourceLocation
    }

    /// A forwarding rule (Route 53 Resolver semantics).
    public struct ForwardRule: Sendable {
        public enum Action: String, Sendable, CaseIterable {
            /// Send the domain to `upstreams`.
            case forward
            /// Cancel a broader `forward` rule: resolve as if no rule matched.
            case system
        }
        public var domain: DNSName
        public var action: Action
        public var upstreams: [Upstream]
        public var location: SourceLocation
    }

    public struct Forwarding: Sendable {
        public enum Policy: String, Sendable, CaseIterable {
            case ordered, random
        }
        /// Default upstreams; nil means the `nameserver` lines of /etc/resolv.conf.
        public var upstreams: [Upstream]?
        public var policy: Policy = .ordered
        /// Seconds to wait for one upstream before trying the next.
        public var timeout: Double = 1.0
        /// Seconds after which a client gets SERVFAIL when no upstream answered.
        public var deadline: Double = 3.0
        public var maxInFlight: Int = 10_000
        /// Upstream queries sent from one UDP socket (random port) before it is retired, within a
        /// second; 1 gives each query a socket of its own (see `UDPSocketPool`).
        public var queriesPerSocket: Int = 32
        public var rules: [ForwardRule] = []
        /// Where default upstreams come from when `upstreams` is not given.
        public var resolvConf: String = "/etc/resolv.conf"
        public var location: SourceLocation?
    }

    public struct Cache: Sendable {
        public var maxEntries: Int = 100_000
        public var maxBytes: Int = 64 * 1024 * 1024
        public var minTTL: UInt32 = 0
        public var maxTTL: UInt32 = 86_400
        public var maxNegativeTTL: UInt32 = 3_600
        public var serveStale: Bool = false
    }

    public var file: String?
    public var listen: [SocketAddress] = [SocketAddress(ip: [127, 0, 0, 1], port: 5353)]
    /// DNS over TLS listeners (`listen: [tls://…]`), served with `tls`'s certificate.
    public var listenTLS: [SocketAddress] = []
    /// DNS over HTTPS listeners (`listen: [https://…/dns-query]`): address and path.
    public var listenHTTPS: [(address: SocketAddress, path: String)] = []
    /// The certificate of the encrypted listeners and their limits.
    public struct TLSListener: Sendable {
        public var certificateFile: String?
        public var keyFile: String?
        /// The pair, read when the configuration was loaded: for DoT, and with ALPN for DoH.
        public var context: TLSServerContext?
        public var httpsContext: TLSServerContext?
        public var limits = TCPLimits()
        /// Where the pair is named, for its errors.
        var line = 1
    }
    public var tls = TLSListener()
    /// The trust of the DoT upstreams, one per CA file ("" for the system store), read when the
    /// configuration was loaded.
    public var tlsClients: [String: TLSClientContext] = [:]
    public var allowQuery: AccessControlList = .privateNetworks
    /// Worker threads; 0 means one per core.
    public var workers: Int = 0
    /// How the kernel spreads one address's datagrams over the workers' sockets.
    public var udpSteering: UDPSteering = .auto
    /// How workers send UDP replies: io_uring or sendmmsg.
    public var udpSend: UDPSend = .auto
    /// When a worker gives up the CPU after answering a lone datagram.
    public var udpYield: UDPYield = .auto
    public var zones: [ZoneFile] = []
    /// By `HealthCheckId`.
    public var healthChecks: [String: HealthCheck] = [:]
    /// The AWS Region queries come from, for latency, geolocation and geoproximity record sets.
    public var region: String?
    public var endpoints: [InterfaceEndpoint] = []
    public var endpointLocations: [SourceLocation] = []
    /// Endpoints imported from EC2's JSON (`endpoints_from`), beside those declared.
    public struct EndpointsFrom: Sendable, Equatable {
        public var vpcEndpoints: String
        public var networkInterfaces: String
        public var location: SourceLocation
    }
    public var endpointsFrom: EndpointsFrom?
    /// Live sync of one VPC's endpoints and private hosted zones from the AWS APIs (`aws:`).
    public struct AWSSync: Sendable, Equatable {
        /// nil: AWS_REGION, AWS_DEFAULT_REGION, the profile's region, or the instance's.
        public var region: String?
        public var vpcID: String = ""
        /// Seconds between syncs.
        public var interval: Double = 60
        /// Base URLs that replace the public endpoints, by service (`ec2`, `route53`, `sts`);
        /// `*` for every service.
        public var endpointURLs: [String: String] = [:]
        /// A profile of the shared files; nil: the SDKs' chain.
        public var profile: String?
        public var location: SourceLocation

        /// The settings in one line, for the reload warning (a change takes a restart).
        var summary: String {
            let urls = endpointURLs.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            return "{vpc_id: \(vpcID), region: \(region ?? "default"), interval: \(ConfigKey.seconds(interval))"
                + (urls.isEmpty ? "" : ", endpoint_url: \(urls)") + (profile.map { ", profile: \($0)" } ?? "") + "}"
        }
    }
    public var aws: AWSSync?

    /// A view: the private zones, endpoints and rules one set of clients sees, as a VPC sees the
    /// zones associated with it (`route53-semantics.md` §4).
    public struct View: Sendable {
        public var name: String
        /// Clients whose address is in one of these (longest prefix over all views wins).
        public var clients: [CIDR] = []
        /// Listeners that answer as this view whoever the client is.
        public var listen: [SocketAddress] = []
        /// Zones by name; nil: every zone not declared inside a view.
        public var zones: [String]?
        /// Endpoint ids; nil: every endpoint (declared, imported and synced).
        public var endpoints: [String]?
        /// Rules over (and beside) the global ones; a domain in both takes this view's.
        public var rules: [ForwardRule] = []
        /// nil: the global default upstreams.
        public var upstreams: [Upstream]?
        /// nil: the global `region`.
        public var region: String?
        /// Subnet → Availability Zone, for `az_affinity`; with AWS sync, DescribeSubnets' unless given.
        public var subnets: [(cidr: CIDR, availabilityZone: String)] = []
        public var azAffinity: AZAffinity = .off
        public var location: SourceLocation
    }
    public var views: [View] = []

    /// Probes of every endpoint ENI's address (`endpoint_health`): a dead ENI is left out of the
    /// regional and private names' answers.
    public struct EndpointHealth: Sendable, Equatable {
        public var port: UInt16 = 443
        public var interval: Double = 5
        public var failureThreshold: Int = 2
    }
    public var endpointHealth: EndpointHealth?
    /// Where the last good AWS sync is kept; nil: systemd's STATE_DIRECTORY, else /var/lib/vpcdnsd.
    public var stateDirectory: String?
    public var forwarding = Forwarding()
    public var cache = Cache()
    public var tcp = TCPLimits()
    /// UDP response-rate limiting (on by default; loopback exempt).
    public var rateLimit = ResponseRateLimiter.Settings()
    /// Drop to this user after binding, when started as root.
    public var user: String?
    /// Query log destination: a file path or `stdout`; nil: off.
    public var queryLog: String?
    /// Address of the HTTP listener for /metrics, /health and /ready; nil: off.
    public var metrics: SocketAddress?
    /// Problems that did not stop the file from loading (a removed key), logged at start and reload.
    public var warnings: [ConfigError] = []

    public init() {}
}
