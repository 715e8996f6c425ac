// SPDX-License-Identifier: Apache-2.0
import DNSEngine
import EventIO

/// Every key of the configuration, in the order the reference lists them: what users set first,
/// the tuning keys last. The loader takes its allowed keys and ranges from here, a reload its
/// warnings, and `vpcdnsd generate-docs` the reference and the man page.
public enum ConfigTable {
    // MARK: Where and for whom

    static let listen = ConfigKey(
        "listen", .listeners, reload: .restart, example: "[127.0.0.1:53, \"[::1]:53\"]",
        "Addresses to answer on: ADDRESS[:PORT] over UDP and TCP; tls://ADDRESS[:PORT] for DNS over TLS (RFC 7858); https://ADDRESS[:PORT]/PATH for DNS over HTTPS (RFC 8484: HTTP/2 or HTTP/1.1, GET and POST), both with tls's certificate. Ports below 1024 need root or CAP_NET_BIND_SERVICE.",
        value: { list($0.listen.map(\.description) + $0.listenTLS.map { "tls://\($0)" } + $0.listenHTTPS.map { "https://\($0.address)\($0.path)" }) })
    static let allowQuery = ConfigKey(
        "allow_query", .prefixes, default: "loopback, RFC 1918, RFC 6598, ULA and link-local",
        example: "[10.0.0.0/8, \"fd00::/8\"]",
        "Clients that may query; everyone else gets REFUSED. The default is never an open resolver.",
        value: { list($0.allowQuery.allowed.map(\.description)) })

    // MARK: Private zones

    static let zones = ConfigKey(
        "zones", .list, example: "[{file: zones/corp.zone, origin: corp.internal}]",
        "Private hosted zones: answered authoritatively and never forwarded. An item may be just the file's path.")
    static let zoneFile = ConfigKey(
        "zones[].file", .path, example: "zones/corp.zone", "The zone file: RFC 1035, or Route 53's JSON with format: route53.")
    static let zoneFormat = ConfigKey(
        "zones[].format", .choice(Config.ZoneFile.Format.allCases.map(\.rawValue)), default: "zone", example: "route53",
        "zone: an RFC 1035 master file; route53: the output of aws route53 list-resource-record-sets (merged or raw pages).")
    static let zoneOrigin = ConfigKey(
        "zones[].origin", .domain, default: "the file's $ORIGIN, else its name without .zone", example: "corp.internal",
        "The zone's apex; for route53 the default is the name of its SOA record set.")
    static let zoneName = ConfigKey(
        "zones[].name", .string, default: "its origin", example: "prod-internal",
        "What views name the zone by: two zones of one origin (staging's and production's) need names of their own.")
    static let zoneFallthrough = ConfigKey(
        "zones[].fallthrough", .bool, default: "false", example: "true",
        "Forward names missing from the zone upstream instead of answering NXDOMAIN.")
    static let zoneStrictNXDomain = ConfigKey(
        "zones[].aws_strict_nxdomain", .bool, default: "false", example: "true",
        "Answer NXDOMAIN where RFC 2308 says NODATA (the name exists without the type), as Route 53's documentation describes.")

    static let zoneRecords = ConfigKey(
        "zones[].records", .list, example: "[{name: api, type: A, ttl: 60, values: [10.0.1.10], set_identifier: blue, weight: 1}]",
        "Record sets written here instead of in a file (give origin): Route 53's record sets, routing policies and aliases included.")
    static let recordName = ConfigKey(
        "zones[].records[].name", .domain, example: "api", "The owner: @ for the apex, relative to the origin unless it ends with a dot.")
    static let recordType = ConfigKey("zones[].records[].type", .string, example: "A", "The record type.")
    static let recordTTL = ConfigKey(
        "zones[].records[].ttl", .duration(0...2_147_483_647), example: "60", "The TTL; none for an alias (it takes its target's).")
    static let recordValues = ConfigKey(
        "zones[].records[].values", .strings, example: "[10.0.1.10, 10.0.1.11]",
        "The records' data in zone-file form; names in them are relative to the origin unless they end with a dot.")
    static let recordAlias = ConfigKey(
        "zones[].records[].alias", .section, example: "{target: www, evaluate_target_health: true}",
        "An alias: the target's data under this name and type, with no CNAME. May be just the target's name.")
    static let recordAliasTarget = ConfigKey(
        "zones[].records[].alias.target", .domain, example: "www",
        "A record of the zone, an interface endpoint's vpce name, or any other name (resolved upstream).")
    static let recordAliasEvaluate = ConfigKey(
        "zones[].records[].alias.evaluate_target_health", .bool, default: "false", example: "true",
        "The alias is healthy only while its target in the zone has a healthy record set.")
    static let recordSetIdentifier = ConfigKey(
        "zones[].records[].set_identifier", .string, example: "blue", "Tells apart the record sets of one routing policy.")
    static let recordWeight = ConfigKey(
        "zones[].records[].weight", .int(0...255), example: "3", "Weighted: answered with probability weight/Σweight.")
    static let recordFailover = ConfigKey(
        "zones[].records[].failover", .choice(["primary", "secondary"]), example: "primary",
        "Failover: the primary while healthy, else the secondary.")
    static let recordMultivalue = ConfigKey(
        "zones[].records[].multivalue", .bool, default: "false", example: "true", "Multivalue answer: up to 8 healthy sets at random.")
    static let recordRegion = ConfigKey(
        "zones[].records[].region", .choice(AWSRegion.all.keys.sorted()), example: "us-east-1",
        "Latency: the set for this Region, chosen by the configured region.")
    static let recordGeolocation = ConfigKey(
        "zones[].records[].geolocation", .section, example: "{country: US, subdivision: VA}",
        "Geolocation: the smallest area holding the configured region wins; country * is the default.")
    static let recordGeoContinent = ConfigKey(
        "zones[].records[].geolocation.continent", .string, example: "EU", "A continent code (AF, AN, AS, EU, OC, NA, SA).")
    static let recordGeoCountry = ConfigKey(
        "zones[].records[].geolocation.country", .string, example: "US", "An ISO 3166 country code, or * for the default.")
    static let recordGeoSubdivision = ConfigKey(
        "zones[].records[].geolocation.subdivision", .string, example: "VA", "A US state.")
    static let recordHealthCheck = ConfigKey(
        "zones[].records[].health_check", .string, example: "db-primary", "The health_checks entry that decides whether the set is healthy.")

    static let region = ConfigKey(
        "region", .choice(AWSRegion.all.keys.sorted()), default: "none", example: "us-east-1",
        "The AWS Region queries come from (the VPC's): latency, geolocation and geoproximity record sets are chosen for it.",
        value: { $0.region ?? "none" })

    // MARK: Health checks

    static let healthChecks = ConfigKey(
        "health_checks", .keyed, example: "{db-primary: {type: tcp, target: 10.0.3.5:5432}}",
        "Health checks by the HealthCheckId record sets name, probed from vpcdnsd off the query path. A record set without one is healthy.")
    static let healthCheckType = ConfigKey(
        "health_checks.ID.type", .choice(Config.HealthCheck.Kind.allCases.map(\.rawValue)), example: "http",
        "tcp: a connection opens; http: a GET of the target URL answers 2xx or 3xx; https: the same over TLS, the certificate not checked (as Route 53's).")
    static let healthCheckTarget = ConfigKey(
        "health_checks.ID.target", .string, example: "http://10.0.3.5:8080/health",
        "ADDRESS:PORT for tcp; a URL http(s)://ADDRESS[:PORT]/PATH for http and https.")
    static let healthCheckInterval = ConfigKey(
        "health_checks.ID.interval", .duration(1...300), default: "30s", example: "10s",
        "Time between probes (Route 53 offers 10s and 30s).")
    static let healthCheckFailureThreshold = ConfigKey(
        "health_checks.ID.failure_threshold", .int(1...10), default: "3", example: "2",
        "Probes in a row that must fail to mark it unhealthy, or pass to mark it healthy again.")
    static let healthCheckInvert = ConfigKey(
        "health_checks.ID.invert", .bool, default: "false", example: "true", "Healthy while the probe fails.")

    // MARK: Interface endpoints

    static let endpoints = ConfigKey(
        "endpoints", .list, example: "[{id: vpce-0123456789abcdef0, dns_suffix: abcd1234, service: com.amazonaws.us-east-1.s3}]",
        "Interface VPC endpoints: their vpce names, and with private DNS the service's own names, at TTL 60.")
    static let endpointsFrom = ConfigKey(
        "endpoints_from", .section, example: "{vpc_endpoints: aws/endpoints.json, network_interfaces: aws/enis.json}",
        "Endpoints imported from EC2's own JSON, beside those in endpoints: joined on the ENI id; the names come from vpcdnsd's service table.")
    static let endpointsFromVPCEndpoints = ConfigKey(
        "endpoints_from.vpc_endpoints", .path, example: "aws/endpoints.json", "The output of aws ec2 describe-vpc-endpoints.")
    static let endpointsFromInterfaces = ConfigKey(
        "endpoints_from.network_interfaces", .path, example: "aws/enis.json", "The output of aws ec2 describe-network-interfaces.")
    static let endpointID = ConfigKey(
        "endpoints[].id", .string, example: "vpce-0123456789abcdef0", "The endpoint's id: vpce- and 17 hex digits.")
    static let endpointSuffix = ConfigKey(
        "endpoints[].dns_suffix", .string, example: "abcd1234",
        "The 8 characters AWS puts after the id in the endpoint's DNS names.")
    static let endpointService = ConfigKey(
        "endpoints[].service", .string, example: "com.amazonaws.us-east-1.execute-api",
        "com.amazonaws.REGION.SERVICE, or com.amazonaws.vpce.REGION.vpce-svc-ID for an endpoint service.")
    static let endpointPrivateDNS = ConfigKey(
        "endpoints[].private_dns", .bool, default: "true", example: "false", "Serve the service's own names (its private DNS).")
    static let endpointPrivateName = ConfigKey(
        "endpoints[].private_dns_name", .domain, example: "api.partner.example",
        "An endpoint service's private DNS name, served as a CNAME to the regional name.")
    static let endpointIPType = ConfigKey(
        "endpoints[].ip_type", .choice(["ipv4", "ipv6", "dualstack", "service-defined"]), default: "ipv4",
        example: "dualstack", "Which address families the names answer with.")
    static let endpointENIs = ConfigKey(
        "endpoints[].enis", .list, example: "[{az: us-east-1a, ipv4: 10.0.1.15}]", "The endpoint's network interfaces.")
    static let eniAZ = ConfigKey("endpoints[].enis[].az", .string, example: "us-east-1a", "The ENI's Availability Zone.")
    static let eniIPv4 = ConfigKey(
        "endpoints[].enis[].ipv4", .string, example: "10.0.1.15", "The ENI's IPv4 address, or a list of them.")
    static let eniIPv6 = ConfigKey(
        "endpoints[].enis[].ipv6", .string, example: "\"fd00::15\"", "The ENI's IPv6 address, or a list of them.")

    // MARK: AWS as the source

    static let aws = ConfigKey(
        "aws", .section, reload: .restart, default: "off", example: "{vpc_id: vpc-0abc1234def567890, region: us-east-1}",
        "Mirror one VPC's private DNS from the AWS APIs: its interface endpoints (EC2) and the private hosted zones associated with it (Route 53), kept in sync.",
        value: { $0.aws?.summary ?? "off" })
    static let awsVPC = ConfigKey(
        "aws.vpc_id", .string, reload: .restart, example: "vpc-0abc1234def567890", "The VPC whose endpoints and zones are served.")
    static let awsRegion = ConfigKey(
        "aws.region", .string, reload: .restart, default: "AWS_REGION, AWS_DEFAULT_REGION, the profile's region, else the instance's",
        example: "us-east-1", "The VPC's Region: where EC2 is called, and the Region of ListHostedZonesByVPC.")
    static let awsInterval = ConfigKey(
        "aws.interval", .duration(1...86_400), reload: .restart, default: "60s", example: "5m",
        "Time between syncs. A sync that changes nothing rebuilds nothing; SIGHUP syncs at once.")
    static let awsEndpointURL = ConfigKey(
        "aws.endpoint_url", .string, reload: .restart, default: "the public endpoints", example: "https://vpce-0123.ec2.us-east-1.vpce.amazonaws.com",
        "A base URL for every AWS API (an interface endpoint of EC2, a test stand-in), or a mapping of service to URL (ec2, route53, sts).")
    static let awsEndpointURLEC2 = ConfigKey(
        "aws.endpoint_url.ec2", .string, reload: .restart, example: "https://ec2.us-east-1.amazonaws.com", "The EC2 API's base URL.")
    static let awsEndpointURLRoute53 = ConfigKey(
        "aws.endpoint_url.route53", .string, reload: .restart, example: "https://route53.amazonaws.com", "The Route 53 API's base URL.")
    static let awsEndpointURLSTS = ConfigKey(
        "aws.endpoint_url.sts", .string, reload: .restart, example: "https://sts.us-east-1.amazonaws.com",
        "STS's base URL, for web identity credentials.")
    static let awsProfile = ConfigKey(
        "aws.profile", .string, reload: .restart, default: "the SDKs' chain: environment, web identity, container, shared files, instance metadata",
        example: "dns-reader", "A profile of the shared credentials and config files; only those files are read for it.")
    static let stateDirectory = ConfigKey(
        "state_directory", .path, reload: .restart, default: "$STATE_DIRECTORY (systemd), else /var/lib/vpcdnsd",
        example: "/var/lib/vpcdnsd", "Where the last good AWS sync is kept, served at a start while AWS cannot be reached.",
        value: { $0.stateDirectory ?? "default" })

    // MARK: Views

    static let views = ConfigKey(
        "views", .list, example: "[{name: prod, clients: [10.1.0.0/16], zones: [prod-internal]}]",
        "What each set of clients sees, as a VPC sees the zones associated with it. A client no view holds is refused, unless a view is named default.")
    static let viewName = ConfigKey(
        "views[].name", .string, example: "prod", "The view's name, in the query log's srcids; default takes the clients no other view holds.")
    static let viewClients = ConfigKey(
        "views[].clients", .prefixes, example: "[10.1.0.0/16]", "The view's clients: the longest prefix over all views wins.")
    static let viewListen = ConfigKey(
        "views[].listen", .addresses(defaultPort: 53), reload: .restart, example: "[10.1.0.2:53]",
        "Listeners bound to the view (an inbound endpoint): they answer as this view whoever asks. An address that is a tls:// or https:// entry of listen binds that DoT or DoH listener; any other gets a UDP and TCP listener of its own.",
        value: { $0.views.map { "\($0.name): \($0.listen.map(\.description))" }.joined(separator: "; ") })
    static let viewZones = ConfigKey(
        "views[].zones", .strings, default: "every zone not declared in a view", example: "[prod-internal, svc.prod]",
        "The private zones associated with the view, by name; an item may also declare a zone as under zones.")
    static let viewEndpoints = ConfigKey(
        "views[].endpoints", .strings, default: "every endpoint", example: "[vpce-0123456789abcdef0]",
        "The interface endpoints whose names the view serves, by id.")
    static let viewForward = ConfigKey(
        "views[].forward", .section, example: "{rules: [{domain: corp.example, upstreams: [10.1.0.2]}]}",
        "The view's resolver rules and upstreams, over the global ones.")
    static let viewRules = ConfigKey(
        "views[].forward.rules", .list, example: "[{domain: corp.example, upstreams: [10.1.0.2]}]",
        "Rules as forward.rules; a domain ruled both here and globally takes this view's rule.")
    static let viewRuleDomain = ConfigKey(
        "views[].forward.rules[].domain", .domain, example: "corp.example", "As forward.rules[].domain.")
    static let viewRuleAction = ConfigKey(
        "views[].forward.rules[].action", .choice(Config.ForwardRule.Action.allCases.map(\.rawValue)), default: "forward",
        example: "system", "As forward.rules[].action.")
    static let viewRuleUpstreams = ConfigKey(
        "views[].forward.rules[].upstreams", .upstreams, example: "[10.1.0.2]", "As forward.rules[].upstreams.")
    static let viewUpstreams = ConfigKey(
        "views[].forward.upstreams", .upstreams, default: "forward.upstreams", example: "[10.1.0.2]",
        "The view's default upstreams.")
    static let viewRegion = ConfigKey(
        "views[].region", .choice(AWSRegion.all.keys.sorted()), default: "region", example: "eu-west-1",
        "The view's Region, for latency and geo record sets.")
    static let viewSubnets = ConfigKey(
        "views[].subnets", .pairs, default: "with aws:, the VPC's subnets", example: "{10.1.1.0/24: us-east-1a}",
        "Subnet → Availability Zone: which AZ a client is in, for az_affinity.")
    static let viewAZAffinity = ConfigKey(
        "views[].az_affinity", .choice(AZAffinity.allCases.map(\.rawValue)), default: "off", example: "prefer",
        "An endpoint's regional and private names answer a client in AZ x with x's ENIs first (prefer) or alone (only); zonal names are unchanged.")
    static let endpointHealth = ConfigKey(
        "endpoint_health", .section, default: "off", example: "{probe: tcp, port: 443, interval: 5s, failure_threshold: 2}",
        "Probe every endpoint ENI's address off the query path; a dead ENI is left out of regional and private answers (never all of them).")
    static let endpointHealthProbe = ConfigKey(
        "endpoint_health.probe", .choice(["tcp"]), default: "tcp", example: "tcp", "A TCP connection to the port opens.")
    static let endpointHealthPort = ConfigKey(
        "endpoint_health.port", .int(1...65535), default: "443", example: "8443", "The port probed.")
    static let endpointHealthInterval = ConfigKey(
        "endpoint_health.interval", .duration(1...300), default: "5s", example: "10s", "Time between probes.")
    static let endpointHealthThreshold = ConfigKey(
        "endpoint_health.failure_threshold", .int(1...10), default: "2", example: "3",
        "Probes in a row that must fail to leave an ENI out, or pass to take it back.")

    // MARK: Forwarding

    static let forward = ConfigKey(
        "forward", .section, example: "{upstreams: [10.0.0.2]}", "Where names outside the private zones go.")
    static let forwardUpstreams = ConfigKey(
        "forward.upstreams", .upstreams, default: "the nameserver lines of resolv_conf",
        example: "[10.0.0.2, \"tls://10.0.0.3#dns.corp.example\"]",
        "The default upstreams; [] turns forwarding off (such names get REFUSED). tls://ADDRESS[:PORT]#NAME is DNS over TLS (port 853), the certificate checked against NAME; https://HOST[:PORT]/PATH[#ADDRESS] is DNS over HTTPS (HTTP/2), checked against HOST, at ADDRESS (else HOST looked up at start and reload). Never a plain fallback.",
        value: { $0.forwarding.upstreams.map { list($0.map(\.description)) } ?? "resolv.conf" })
    static let upstreamAddress = ConfigKey(
        "forward.upstreams[].address", .address(defaultPort: 853), example: "10.0.0.3:853",
        "An upstream written as a mapping (in any upstreams list): its address; port 853 with tls, 53 without, the URL's with url.")
    static let upstreamURL = ConfigKey(
        "forward.upstreams[].url", .string, example: "https://dns.corp.example/dns-query",
        "DNS over HTTPS to this URL (RFC 8484, POST over HTTP/2), at address when given.")
    static let upstreamTLS = ConfigKey(
        "forward.upstreams[].tls", .section, example: "{server_name: dns.corp.example, ca_file: corp-ca.pem}",
        "DNS over TLS to it (RFC 7858), strictly: a handshake that fails authentication is a failed try, never plain DNS.")
    static let upstreamTLSServerName = ConfigKey(
        "forward.upstreams[].tls.server_name", .string, default: "none", example: "dns.corp.example",
        "The name (or IP address) its certificate must hold; a host name is also sent as SNI. For DoH, the URL's host by default.")
    static let upstreamTLSCAFile = ConfigKey(
        "forward.upstreams[].tls.ca_file", .path, default: "the system CA store", example: "corp-ca.pem",
        "PEM CA certificates its certificate must chain to, read at start and at each reload.")
    static let upstreamTLSPins = ConfigKey(
        "forward.upstreams[].tls.spki_pins", .strings, example: "[\"sha256/YLh1dUR9y6Kja30RrAn7JKnbQG/uEtLMkBgFF2Fuihg=\"]",
        "Base64 SHA-256 digests of accepted public keys (RFC 7858 §4.2); its key must match one. Alone (no server_name) the pin is the whole check.")
    static let forwardResolvConf = ConfigKey(
        "forward.resolv_conf", .path, example: "/run/systemd/resolve/resolv.conf",
        "Where the default upstreams come from when upstreams is not set (vpcdnsd's own addresses are left out).",
        value: { $0.forwarding.resolvConf })
    static let forwardPolicy = ConfigKey(
        "forward.policy", .choice(Config.Forwarding.Policy.allCases.map(\.rawValue)), example: "random",
        "ordered: the first healthy upstream, failing back when it recovers; random: a healthy one at random.",
        value: { $0.forwarding.policy.rawValue })
    static let forwardTimeout = ConfigKey(
        "forward.timeout", .duration(0.05...30), example: "500ms", "How long one upstream try waits before the next.",
        value: { ConfigKey.seconds($0.forwarding.timeout) })
    static let forwardDeadline = ConfigKey(
        "forward.deadline", .duration(0.1...60), example: "5s", "When a client gets SERVFAIL if no upstream answered.",
        value: { ConfigKey.seconds($0.forwarding.deadline) })
    static let forwardMaxInFlight = ConfigKey(
        "forward.max_in_flight", .int(1...1_000_000), example: "20000",
        "Upstream questions in flight per worker; past it, SERVFAIL at once.",
        value: { "\($0.forwarding.maxInFlight)" })
    static let forwardQueriesPerSocket = ConfigKey(
        "forward.queries_per_socket", .int(1...1024), example: "1",
        "Upstream queries sent from one random-port socket (within a second) before it is retired; 1 gives each query its own.",
        value: { "\($0.forwarding.queriesPerSocket)" })
    static let forwardRules = ConfigKey(
        "forward.rules", .list, example: "[{domain: corp.example, upstreams: [10.1.0.2]}]",
        "Route 53 Resolver rules: the most specific of rules and zones wins, and a forward rule wins a tie with a zone.")
    static let ruleDomain = ConfigKey(
        "forward.rules[].domain", .domain, example: "corp.example", "The rule's domain and everything below it.")
    static let ruleAction = ConfigKey(
        "forward.rules[].action", .choice(Config.ForwardRule.Action.allCases.map(\.rawValue)), default: "forward",
        example: "system", "forward: to the rule's upstreams; system: cancel a broader forward rule.")
    static let ruleUpstreams = ConfigKey(
        "forward.rules[].upstreams", .upstreams, example: "[10.1.0.2]",
        "The rule's upstreams (forward rules only), written as forward.upstreams.")

    // MARK: Cache

    static let cache = ConfigKey(
        "cache", .section, example: "{max_ttl: 1h}", "The cache of forwarded answers, shared by all workers.")
    static let cacheMaxEntries = ConfigKey(
        "cache.max_entries", .int(0...100_000_000), reload: .restart, example: "1000000",
        "Answers kept at most (least recently used first out).", value: { "\($0.cache.maxEntries)" })
    static let cacheMaxBytes = ConfigKey(
        "cache.max_bytes", .int(0...(1 << 40)), reload: .restart, example: "268435456", "Bytes of answers kept at most.",
        value: { "\($0.cache.maxBytes)" })
    static let cacheMinTTL = ConfigKey(
        "cache.min_ttl", .duration(0...86400), reload: .restart, example: "30s", "TTLs below this are raised to it.",
        value: { ConfigKey.seconds(Double($0.cache.minTTL)) })
    static let cacheMaxTTL = ConfigKey(
        "cache.max_ttl", .duration(0...604_800), reload: .restart, example: "1h", "TTLs above this are lowered to it.",
        value: { ConfigKey.seconds(Double($0.cache.maxTTL)) })
    static let cacheMaxNegativeTTL = ConfigKey(
        "cache.max_negative_ttl", .duration(0...86400), reload: .restart, example: "5m",
        "The most an NXDOMAIN or NODATA answer is kept (RFC 2308).",
        value: { ConfigKey.seconds(Double($0.cache.maxNegativeTTL)) })
    static let cacheServeStale = ConfigKey(
        "cache.serve_stale", .bool, reload: .restart, example: "true",
        "Answer with expired data (TTL 30) when every upstream fails (RFC 8767).", value: { "\($0.cache.serveStale)" })

    // MARK: Limits

    static let rateLimit = ConfigKey(
        "rate_limit", .section, example: "{responses_per_second: 0}",
        "UDP response-rate limiting per client /32 (IPv6 /56), so the resolver cannot be used to amplify.")
    static let rateLimitRate = ConfigKey(
        "rate_limit.responses_per_second", .int(0...10_000_000), example: "0", "Responses a second per client; 0 turns it off.",
        value: { "\(Int($0.rateLimit.rate))" })
    static let rateLimitBurst = ConfigKey(
        "rate_limit.burst", .int(1...10_000_000), example: "500", "Responses a client may have in hand.",
        value: { "\(Int($0.rateLimit.burst))" })
    static let rateLimitSlip = ConfigKey(
        "rate_limit.slip", .int(0...100), example: "0",
        "Past the limit every slip-th response is an empty TC=1 (the client retries over TCP); 0: drop them all.",
        value: { "\($0.rateLimit.slip)" })
    static let rateLimitExempt = ConfigKey(
        "rate_limit.exempt", .prefixes, example: "[10.0.0.0/8]", "Clients never limited.",
        value: { list($0.rateLimit.exempt.allowed.map(\.description)) })
    static let tcp = ConfigKey("tcp", .section, example: "{max_connections: 100}", "Limits of the TCP service (RFC 7766).")
    static let tcpMaxConnections = ConfigKey(
        "tcp.max_connections", .int(1...1_000_000), example: "100",
        "Connections per worker; more are accepted and closed at once. A reload applies it to new connections.",
        value: { "\($0.tcp.maxConnections)" })
    static let tcpIdleTimeout = ConfigKey(
        "tcp.idle_timeout", .duration(0.1...3600), example: "30s",
        "A connection idle this long, or this slow to send one whole message, is closed. New connections take a reload's value.",
        value: { ConfigKey.seconds($0.tcp.idleTimeout) })
    static let tcpMaxBufferedBytes = ConfigKey(
        "tcp.max_buffered_bytes", .int(4096...(64 << 20)), example: "65536",
        "Reply bytes queued on one connection before it stops being read (RFC 7766 §6.2.3). New connections take a reload's value.",
        value: { "\($0.tcp.maxBufferedBytes)" })

    static let tls = ConfigKey(
        "tls", .section, example: "{cert_file: /etc/vpcdnsd/tls.crt, key_file: /etc/vpcdnsd/tls.key}",
        "The certificate and limits of the DNS over TLS and HTTPS listeners (listen: tls://…, https://…). A reload reads the pair again when either file changed; one that does not load keeps the old.")
    static let tlsCertFile = ConfigKey(
        "tls.cert_file", .path, default: "none", example: "/etc/vpcdnsd/tls.crt", "The PEM certificate chain, leaf first.")
    static let tlsKeyFile = ConfigKey(
        "tls.key_file", .path, default: "none", example: "/etc/vpcdnsd/tls.key", "Its PEM private key (never logged).")
    static let tlsHandshakeTimeout = ConfigKey(
        "tls.handshake_timeout", .duration(0.1...60), example: "2s",
        "A client that has not finished its TLS handshake by then is cut off, however slowly its bytes trickle in.",
        value: { ConfigKey.seconds($0.tls.limits.handshakeTimeout) })
    static let tlsMaxConnections = ConfigKey(
        "tls.max_connections", .int(1...1_000_000), example: "100",
        "TLS connections per worker (handshakes included); more are accepted and closed at once.",
        value: { "\($0.tls.limits.maxConnections)" })
    static let tlsMaxStreams = ConfigKey(
        "tls.max_streams", .int(1...10_000), example: "20",
        "DoH requests in flight per connection: HTTP/2 streams open at once (SETTINGS_MAX_CONCURRENT_STREAMS, more are refused), or HTTP/1.1 requests pipelined.",
        value: { "\($0.tls.limits.maxStreams)" })
    static let tlsIdleTimeout = ConfigKey(
        "tls.idle_timeout", .duration(0.1...3600), example: "30s",
        "A TLS connection idle this long, or this slow to send one whole message, is closed.",
        value: { ConfigKey.seconds($0.tls.limits.idleTimeout) })

    // MARK: Operations

    static let queryLog = ConfigKey(
        "query_log", .path, reload: .restart, default: "off", example: "/var/log/vpcdnsd/queries.log",
        "A file (or stdout) for one JSON line per query in Route 53 Resolver's query-log format. SIGUSR1 reopens it.",
        value: { $0.queryLog ?? "off" })
    static let metrics = ConfigKey(
        "metrics", .address(defaultPort: 9153), reload: .restart, default: "off", example: "127.0.0.1:9153",
        "An HTTP listener for /metrics (Prometheus), /health and /ready.", value: { $0.metrics?.description ?? "off" })
    static let user = ConfigKey(
        "user", .string, reload: .restart, default: "none", example: "vpcdnsd",
        "Started as root, bind the ports and then run as this user (systemd's DynamicUser does it for the unit).",
        value: { $0.user ?? "none" })

    // MARK: Tuning

    static let workers = ConfigKey(
        "workers", .int(0...256), reload: .restart, example: "4", "Worker threads; 0 is one per CPU the process may use.",
        value: { "\($0.workers)" })
    static let udpSteering = ConfigKey(
        "udp_steering", .choice(UDPSteering.allCases.map(\.rawValue)), reload: .restart, example: "cpu",
        "Which worker takes a datagram: cpu (the receiving CPU's), hash (the kernel's), auto (cpu on loopback, else hash).",
        value: { $0.udpSteering.rawValue })
    static let udpSend = ConfigKey(
        "udp_send", .choice(UDPSend.allCases.map(\.rawValue)), reload: .restart, example: "sendmmsg",
        "How replies leave: io_uring, sendmmsg, or auto (io_uring where the kernel allows it).",
        value: { $0.udpSend.rawValue })
    static let udpYield = ConfigKey(
        "udp_yield", .choice(UDPYield.allCases.map(\.rawValue)), reload: .restart, example: "never",
        "After a lone reply, give up the CPU so a client on this host reads it at once: auto (loopback clients), always, never.",
        value: { $0.udpYield.rawValue })

    /// The table, in the reference's order.
    public static let all: [ConfigKey] = [
        listen, allowQuery,
        zones, zoneFile, zoneFormat, zoneOrigin, zoneName, zoneFallthrough, zoneStrictNXDomain,
        zoneRecords, recordName, recordType, recordTTL, recordValues, recordAlias, recordAliasTarget, recordAliasEvaluate,
        recordSetIdentifier, recordWeight, recordFailover, recordMultivalue, recordRegion, recordGeolocation, recordGeoContinent,
        recordGeoCountry, recordGeoSubdivision, recordHealthCheck, region,
        healthChecks, healthCheckType, healthCheckTarget, healthCheckInterval, healthCheckFailureThreshold, healthCheckInvert,
        endpoints, endpointsFrom, endpointsFromVPCEndpoints, endpointsFromInterfaces, endpointID, endpointSuffix, endpointService, endpointPrivateDNS, endpointPrivateName, endpointIPType,
        endpointENIs, eniAZ, eniIPv4, eniIPv6,
        aws, awsVPC, awsRegion, awsInterval, awsEndpointURL, awsEndpointURLEC2, awsEndpointURLRoute53, awsEndpointURLSTS, awsProfile,
        stateDirectory,
        views, viewName, viewClients, viewListen, viewZones, viewEndpoints, viewForward, viewRules, viewRuleDomain,
        viewRuleAction, viewRuleUpstreams, viewUpstreams, viewRegion,
        viewSubnets, viewAZAffinity, endpointHealth, endpointHealthProbe, endpointHealthPort, endpointHealthInterval,
        endpointHealthThreshold,
        forward, forwardUpstreams, upstreamAddress, upstreamURL, upstreamTLS, upstreamTLSServerName, upstreamTLSCAFile, upstreamTLSPins,
        forwardResolvConf, forwardPolicy, forwardTimeout, forwardDeadline, forwardMaxInFlight,
        forwardQueriesPerSocket, forwardRules, ruleDomain, ruleAction, ruleUpstreams,
        cache, cacheMaxEntries, cacheMaxBytes, cacheMinTTL, cacheMaxTTL, cacheMaxNegativeTTL, cacheServeStale,
        rateLimit, rateLimitRate, rateLimitBurst, rateLimitSlip, rateLimitExempt,
        tcp, tcpMaxConnections, tcpIdleTimeout, tcpMaxBufferedBytes,
        tls, tlsCertFile, tlsKeyFile, tlsHandshakeTimeout, tlsMaxConnections, tlsMaxStreams, tlsIdleTimeout,
        queryLog, metrics, user,
        workers, udpSteering, udpSend, udpYield,
    ]

    /// Keys that were removed: still accepted, with a warning saying why, so an old file still starts.
    static let removed: [String: String] = [
        "pin_workers": "pin_workers was removed in 0.3.0 and is ignored: its own measurements argued against it (docs/performance.md)"
    ]

    /// The names of the keys directly in `section` ("" for the top level, `zones[]` for a zone),
    /// in the table's order. Looked up for every mapping the loader reads, so worked out once.
    static func names(in section: String) -> [String] { children[section] ?? [] }

    private static let children: [String: [String]] = Dictionary(grouping: all, by: \.parent).mapValues { $0.map(\.name) }

    /// Restart-only keys whose value in `new` differs from the one running: (key, running, new).
    public static func restartChanges(running: Config, new: Config) -> [(key: ConfigKey, running: String, new: String)] {
        all.compactMap { key in
            guard key.reload == .restart, let value = key.value else { return nil }
            let (old, now) = (value(running), value(new))
            return old == now ? nil : (key, old, now)
        }
    }

    private static func list(_ items: [String]) -> String { "[" + items.joined(separator: ", ") + "]" }
}
