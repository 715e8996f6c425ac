// SPDX-License-Identifier: Apache-2.0
import DNSCore
import DNSEngine
import Foundation
import Testing

@testable import VPCDNSDaemon

@Suite struct ConfigLoaderTests {
    func errors(_ yaml: String) -> [String] {
        ConfigLoader.read(yaml, file: "t.yaml").1.map(\.description)
    }

    @Test func emptyFileMeansDefaults() throws {
        let config = try ConfigLoader.parse("", file: "t.yaml").get()
        #expect(config.listen.map(\.description) == ["127.0.0.1:5353"])
        #expect(config.allowQuery.allows([10, 0, 0, 1]))
        #expect(!config.allowQuery.allows([8, 8, 8, 8]))
        #expect(config.forwarding.policy == .ordered)
        #expect(config.forwarding.upstreams == nil)
    }

    @Test func everySectionParses() throws {
        let yaml = """
            listen: ["127.0.0.1:53", "[::1]:5353", "10.0.0.2"]
            allow_query: [10.0.0.0/8, "fd00::/8"]
            workers: 3
            udp_steering: hash
            udp_send: sendmmsg
            udp_yield: never
            zones:
              - zones/a.zone
              - file: /abs/b.zone
                origin: b.example
                fallthrough: yes
                aws_strict_nxdomain: true
            forward:
              upstreams: [127.0.0.53, "[::1]:5300"]
              policy: random
              timeout: 500ms
              deadline: 2s
              queries_per_socket: 1
              rules:
                - domain: corp.example.com
                  upstreams: [10.1.0.2:53]
                - domain: public.corp.example.com
                  action: system
            cache: {max_entries: 1000, min_ttl: 5, max_ttl: 1h, max_negative_ttl: 10m, serve_stale: true}
            tcp: {max_connections: 10, idle_timeout: 3s, max_buffered_bytes: 65536}
            """
        let config = try ConfigLoader.parse(yaml, file: "/etc/vpcdnsd/vpcdnsd.yaml").get()
        #expect(config.listen.map(\.description) == ["127.0.0.1:53", "[::1]:5353", "10.0.0.2:53"])
        #expect(config.workers == 3)
        #expect(config.udpSteering == .hash && Config().udpSteering == .auto)
        #expect(config.udpSend == .sendmmsg && Config().udpSend == .auto)
        #expect(config.udpYield == .never && Config().udpYield == .auto)
        #expect(config.zones.map(\.path) == ["/etc/vpcdnsd/zones/a.zone", "/abs/b.zone"])
        #expect(config.zones[1].origin?.text == "b.example.")
        #expect(config.zones[1].options == ZoneOptions(fallThrough: true, awsStrictNXDomain: true))
        #expect(config.zones[1].location.line == 9)
        #expect(config.forwarding.upstreams?.map(\.description) == ["127.0.0.53:53", "[::1]:5300"])
        #expect(config.forwarding.policy == .random)
        #expect(config.forwarding.timeout == 0.5)
        #expect(config.forwarding.queriesPerSocket == 1)
        #expect(config.warnings.isEmpty)
        #expect(Config().forwarding.queriesPerSocket == 32)
        #expect(config.forwarding.rules.map(\.action) == [.forward, .system])
        #expect(config.forwarding.rules[0].domain.text == "corp.example.com.")
        #expect(config.cache.maxTTL == 3600 && config.cache.maxNegativeTTL == 600 && config.cache.serveStale)
        #expect(config.tcp.maxConnections == 10 && config.tcp.idleTimeout == 3)
    }

    @Test func mistakesAreReportedWithTheirLines() {
        let yaml = """
            listen: [127.0.0.1:99999]
            colour: blue
            workers: many
            udp_steering: rss
            udp_yield: sometimes
            udp_send: epoll
            forward:
              policy: fastest
              rules:
                - domain: a.example
                - domain: b.example
                  action: system
                  upstreams: [10.0.0.1]
            tcp: {idle_timeout: forever}
            """
        #expect(errors(yaml) == [
            "t.yaml:1: expected ADDRESS[:PORT] (e.g. 127.0.0.1:53 or [::1]:53) in listen, found \"127.0.0.1:99999\"",
            "t.yaml:2: unknown key \"colour\" in the configuration (expected one of: listen, allow_query, zones, region, health_checks, endpoints, endpoints_from, aws, state_directory, views, endpoint_health, forward, cache, rate_limit, tcp, tls, query_log, metrics, user, workers, udp_steering, udp_send, udp_yield)",
            "t.yaml:3: workers must be a whole number from 0 to 256, found \"many\"",
            "t.yaml:4: udp_steering must be auto, cpu or hash, found \"rss\"",
            "t.yaml:5: udp_yield must be auto, always or never, found \"sometimes\"",
            "t.yaml:6: udp_send must be auto, io_uring or sendmmsg, found \"epoll\"",
            "t.yaml:8: policy must be ordered or random, found \"fastest\"",
            "t.yaml:10: the forward rule for a.example. needs upstreams",
            "t.yaml:11: the system rule for b.example. takes no upstreams",
            "t.yaml:14: idle_timeout must be a duration from 0.1s to 3600.0s (e.g. 2s, 500ms), found \"forever\"",
        ])
    }

    @Test func anAddressAndPortServeOneListener() {
        let problems = errors(
            """
            listen:
              - 127.0.0.1:5300
              - tls://127.0.0.1:5300
              - 127.0.0.1:0
              - tls://127.0.0.1:0
              - 10.0.0.2
              - 10.0.0.2:53
              - https://10.0.0.2:853/dns-query
              - tls://10.0.0.2
            """
        ).filter { $0.contains("listen:") }
        // Port 0 is the kernel's choice: never the same port twice.
        let rule = "an address and port serve one protocol"
        #expect(
            problems == [
                "t.yaml:3: listen: 127.0.0.1:5300 is already listed on line 2: \(rule)",
                "t.yaml:7: listen: 10.0.0.2:53 is already listed on line 6: \(rule)",
                "t.yaml:9: listen: 10.0.0.2:853 is already listed on line 8: \(rule)",
            ])
        #expect(errors("listen: [127.0.0.1:5300, 127.0.0.1:5300]") == ["t.yaml:1: listen: 127.0.0.1:5300 is listed twice: \(rule)"])
        #expect(
            errors("listen: [127.0.0.1:5300]\nmetrics: 127.0.0.1:5300\n") == [
                "t.yaml:2: metrics: 127.0.0.1:5300 is a DNS listener too: \(rule)"
            ])
        #expect(errors("listen: [127.0.0.1:0]\nmetrics: 127.0.0.1:0\n").isEmpty)
    }

    @Test func viewsShareNoNameListenerOrClientPrefix() {
        #expect(
            errors(
                """
                views:
                  - {name: a, clients: [10.0.0.0/8], listen: [127.0.0.2:5300, 127.0.0.2:0]}
                  - {name: a, clients: [11.0.0.0/8]}
                  - {name: c, clients: [10.1.2.3/8, 10.1.0.0/16], listen: [127.0.0.2:5300, 127.0.0.2:0]}
                  - {name: d, clients: [10.1.0.0/24]}
                """) == [
                    "t.yaml:3: view a: the name is taken by the view on line 2",
                    "t.yaml:4: view c: listen 127.0.0.2:5300 is view a's (line 2) too: a listener answers as one view",
                    "t.yaml:4: view c: clients 10.0.0.0/8 is view a's (line 2) too: a client is in one view",
                ])
    }

    @Test func anUpstreamOnPortZeroIsAMistake() {
        #expect(
            errors("forward: {upstreams: [127.0.0.1:53, 127.0.0.1:0, \"tls://127.0.0.1:0#dns.test\"]}")
                == [
                    "t.yaml:1: upstreams: 127.0.0.1:0 asks port 0, which no server listens on",
                    "t.yaml:1: upstreams: tls://127.0.0.1:0#dns.test asks port 0, which no server listens on",
                ])
    }

    @Test func aRuleWithABadDomainIsReportedOnce() {
        #expect(
            errors("forward: {rules: [{domain: \"a..b\", upstreams: [127.0.0.1]}, {upstreams: [127.0.0.1]}]}") == [
                "t.yaml:1: domain \"a..b\" is not a valid domain name",
                "t.yaml:1: a forwarding rule needs a domain",
            ])
    }

    @Test func endpointMistakes() {
        let yaml = """
            endpoints:
              - id: vpce-123
                dns_suffix: abcd1234
                service: com.amazonaws.us-east-1.execute-api
                enis: [{az: us-east-1a, ipv4: 10.0.0.1}]
              - id: vpce-0123456789abcdef0
                dns_suffix: abcd1234
                service: com.example.api
                enis: [{az: us-east-1a, ipv4: 10.0.0.1}]
              - id: vpce-0123456789abcdef1
                dns_suffix: abcd1234
                service: com.amazonaws.us-east-1.ssm
                enis: [{az: us-east-1a}]
              - id: vpce-0123456789abcdef2
                service: com.amazonaws.us-east-1.ssm
                enis: [{az: us-east-1a, ipv6: "fd00::1"}]
            """
        #expect(errors(yaml) == [
            "t.yaml:2: id must be vpce- and 17 (or 8) hex digits, found \"vpce-123\"",
            "t.yaml:8: service must be com.amazonaws.<region>.<service> or com.amazonaws.vpce.<region>.vpce-svc-<id>, found \"com.example.api\"",
            "t.yaml:13: the ENI in us-east-1a needs an ipv4 or ipv6 address",
            "t.yaml:14: an endpoint needs a dns_suffix",
        ])
    }

    @Test func duplicateZonesAreRejected() {
        var config = Config()
        config.endpoints = [
            InterfaceEndpointFixture.seed, InterfaceEndpointFixture.seed,
        ]
        config.endpointLocations = [SourceLocation(file: "c.yaml", line: 3), SourceLocation(file: "c.yaml", line: 9)]
        guard case .failure(let errors) = SnapshotBuilder.build(config) else {
            Issue.record("two endpoints with the same names must not load")
            return
        }
        #expect(errors.errors.allSatisfy { $0.file == "c.yaml" && $0.line == 9 })
        #expect(errors.errors.first?.message.contains("already served for endpoint vpce-0123456789abcdef0") == true)
    }

    @Test func commandLineFlagsOverrideTheFile() throws {
        var source = ConfigSource()
        source.embeddedDefault = DefaultConfig.yaml
        let embedded = try source.load().get()
        #expect(embedded.endpoints.count == 1)
        source.listen = [try #require(EventIOAddress.parse("127.0.0.1:5300"))]
        source.upstreams = [try #require(EventIOAddress.parse("127.0.0.1:5301"))]
        let flags = try source.load().get()
        #expect(flags.endpoints.isEmpty)  // flags without a file: no embedded default
        #expect(flags.listen.map(\.description) == ["127.0.0.1:5300"])
        #expect(flags.forwarding.upstreams?.map(\.description) == ["127.0.0.1:5301"])
    }
}
