// SPDX-License-Identifier: Apache-2.0
import DNSEngine
import Foundation
import Testing

@testable import VPCDNSDaemon

@Suite struct UpstreamConfigTests {
    func errors(_ yaml: String) -> [String] {
        ConfigLoader.read(yaml, file: "t.yaml").1.map(\.description)
    }

    @Test func plainTLSAndMappingForms() throws {
        let config = try ConfigLoader.parse(
            """
            forward:
              upstreams:
                - 10.0.0.2
                - "tls://10.0.0.3#dns.corp.example"
                - "tls://[fd00::53]:8853#dns6.corp.example"
                - {address: 10.0.0.4, tls: {server_name: 10.0.0.4, spki_pins: ["sha256/YLh1dUR9y6Kja30RrAn7JKnbQG/uEtLMkBgFF2Fuihg="]}}
                - {address: 10.0.0.5, tls: {spki_pins: ["YLh1dUR9y6Kja30RrAn7JKnbQG/uEtLMkBgFF2Fuihg="]}}
                - {address: "10.0.0.6:5353"}
                - {address: 10.0.0.7}
                - "https://dns.corp.example/dns-query#10.0.0.8"
                - "https://[fd00::9]:8443/q"
                - {url: "https://dns.corp.example/dns-query", address: 10.0.0.10, tls: {ca_file: /etc/ssl/certs/ca-certificates.crt}}
            """, file: "t.yaml"
        ).get()
        let upstreams = try #require(config.forwarding.upstreams)
        #expect(upstreams.map(\.description) == [
            "10.0.0.2:53", "tls://10.0.0.3:853#dns.corp.example", "tls://[fd00::53]:8853#dns6.corp.example",
            "tls://10.0.0.4:853#10.0.0.4", "tls://10.0.0.5:853", "10.0.0.6:5353", "10.0.0.7:53",
            "https://dns.corp.example/dns-query#10.0.0.8:443", "https://[fd00::9]:8443/q#[fd00::9]:8443",
            "https://dns.corp.example/dns-query#10.0.0.10:443",
        ])
        guard case .https(let doh) = upstreams[8].transport else { throw Failure("not DoH") }
        #expect(doh.tls.serverName == "fd00::9" && doh.authority == "[fd00::9]:8443" && doh.path == "/q")
        guard case .tls(let pinned) = upstreams[4].transport else { throw Failure("not DoT") }
        #expect(pinned.serverName == nil && pinned.spkiPins.count == 1 && pinned.spkiPins[0].count == 32)
        #expect(config.tlsClients.keys.sorted() == ["", "/etc/ssl/certs/ca-certificates.crt"])  // each read once
    }

    @Test func rulesAndViewsTakeTheSameForms() throws {
        let config = try ConfigLoader.parse(
            """
            forward:
              upstreams: []
              rules: [{domain: corp.example, upstreams: ["tls://10.1.0.2#dns.corp.example"]}]
            views:
              - {name: a, clients: [10.0.0.0/8], forward: {upstreams: ["tls://10.2.0.2#dns.a.example"]}}
            """, file: "t.yaml"
        ).get()
        #expect(config.forwarding.rules[0].upstreams.map(\.description) == ["tls://10.1.0.2:853#dns.corp.example"])
        #expect(config.views[0].upstreams?.map(\.description) == ["tls://10.2.0.2:853#dns.a.example"])
    }

    @Test func mistakesNameTheirLine() throws {
        let garbage = FileManager.default.temporaryDirectory.appendingPathComponent("vpcdns-not-a-ca-\(getpid()).pem").path
        try Data("not a certificate".utf8).write(to: URL(fileURLWithPath: garbage))
        defer { try? FileManager.default.removeItem(atPath: garbage) }
        let found = errors(
            """
            forward:
              upstreams:
                - "tls://10.0.0.3"
                - "https://dns.example/dns-query#dns.example"
                - {address: 10.0.0.4, tls: {spki_pins: [tooshort]}}
                - {address: 10.0.0.5, tls: {}}
                - {address: 10.0.0.6, tls: {server_name: x.example, ca_file: \(garbage)}}
                - {tls: {server_name: x.example}}
            listen: ["tls://127.0.0.1:853"]
            """)
        #expect(found.count == 7, "\(found)")
        #expect(found[0].hasPrefix("t.yaml:1: listen has tls:// or https:// addresses: set tls.cert_file and tls.key_file"))
        #expect(found[1].hasPrefix("t.yaml:3: tls://10.0.0.3: name the server"))
        #expect(found[2].hasPrefix("t.yaml:4: https://dns.example/dns-query#dns.example: expected an address after #"))
        #expect(found[3].hasPrefix("t.yaml:5: spki_pins: expected the base64 of a SHA-256 digest"))
        #expect(found[4].hasPrefix("t.yaml:6: tls needs server_name"))
        #expect(found[5].hasPrefix("t.yaml:7: \(garbage): cannot read the CA certificates"))
        #expect(found[6].hasPrefix("t.yaml:8: an upstream needs an address"))
    }

    @Test func aListenerNeedsACertificateThatLoads() {
        let found = errors(
            """
            listen: ["tls://127.0.0.1:8853", 127.0.0.1:5353]
            tls: {cert_file: /nonexistent/tls.crt, key_file: /nonexistent/tls.key}
            """)
        #expect(found.count == 1 && found[0].hasPrefix("t.yaml:2: /nonexistent/tls.crt: cannot use the certificate"), "\(found)")
        #expect(errors("tls: {cert_file: /nonexistent/tls.crt}") == ["t.yaml:1: tls needs both cert_file and key_file"])
    }
}

struct Failure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
