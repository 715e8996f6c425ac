// SPDX-License-Identifier: Apache-2.0
import DNSCore
import Testing

@testable import DNSZone

func name(_ text: String) -> DNSName { try! DNSName(parsing: text) }

/// Builds a zone from inline text, failing the test on any error.
func zone(_ text: String, origin: String) throws -> Zone {
    let parsed = ZoneFileParser(allowInclude: false).parse(text: Array(text.utf8), file: "inline.zone", origin: name(origin))
    #expect(parsed.errors.isEmpty, "\(parsed.errors)")
    return try ZoneBuilder.build(origin: name(origin), records: parsed.records).get()
}

let rfc4592Zone = """
    $TTL 3600
    @                 SOA  ns.example.com. ns.net. 1 2 3 4 5
                      NS   ns.example.com.
                      NS   ns.example.net.
    *                 TXT  "this is a wildcard"
    *                 MX   10 host1.example.
    sub.*             TXT  "this is not a wildcard"
    host1             A    192.0.2.1
    _ssh._tcp.host1   SRV  0 0 22 host1.example.
    _ssh._tcp.host2   SRV  0 0 22 host2.example.
    subdel            NS   ns.example.com.
    subdel            NS   ns.example.net.
    """

@Suite struct ZoneLookupTests {
    /// RFC 4592 §2.2.1: the queries whose answers are synthesised from a wildcard.
    @Test func rfc4592Section2_2_1Synthesised() throws {
        let z = try zone(rfc4592Zone, origin: "example.")
        guard case .answer(let mx, let wildcard) = z.lookup(name("host3.example."), type: .MX) else {
            Issue.record("host3 MX not synthesised")
            return
        }
        #expect(mx.name.text == "host3.example.")
        #expect(wildcard == name("*.example."))
        #expect(mx.rdatas == [.mx(preference: 10, exchange: name("host1.example."))])
        #expect(z.lookup(name("host3.example."), type: .A) == .noData(wildcard: name("*.example."), emptyNonTerminal: false))
        guard case .answer(let txt, _) = z.lookup(name("foo.bar.example."), type: .TXT) else {
            Issue.record("foo.bar TXT not synthesised")
            return
        }
        #expect(txt.name.text == "foo.bar.example.")
        #expect(txt.rdatas == [.txt([Array("this is a wildcard".utf8)])])
    }

    /// RFC 4592 §2.2.1: the queries that do not match the wildcard.
    @Test func rfc4592Section2_2_1NotSynthesised() throws {
        let z = try zone(rfc4592Zone, origin: "example.")
        #expect(z.lookup(name("host1.example."), type: .MX) == .noData(wildcard: nil, emptyNonTerminal: false))
        #expect(z.lookup(name("sub.*.example."), type: .MX) == .noData(wildcard: nil, emptyNonTerminal: false))
        #expect(z.lookup(name("_telnet._tcp.host1.example."), type: .SRV) == .nameError)
        guard case .delegation(let ns) = z.lookup(name("host.subdel.example."), type: .A) else {
            Issue.record("no referral for subdel")
            return
        }
        #expect(ns.name.text == "subdel.example.")
        #expect(z.lookup(name("ghost.*.example."), type: .MX) == .nameError)
    }

    /// An empty non-terminal exists (RFC 4592 §2.2.2) and blocks the wildcard.
    @Test func emptyNonTerminalBlocksWildcard() throws {
        let z = try zone(rfc4592Zone, origin: "example.")
        #expect(z.lookup(name("_tcp.host1.example."), type: .A) == .noData(wildcard: nil, emptyNonTerminal: true))
        #expect(z.lookup(name("host2.example."), type: .MX) == .noData(wildcard: nil, emptyNonTerminal: true))
    }

    @Test func apexIsNeverMatchedByItsOwnWildcard() throws {
        let z = try zone(rfc4592Zone, origin: "example.")
        #expect(z.lookup(name("example."), type: .TXT) == .noData(wildcard: nil, emptyNonTerminal: false))
        guard case .answer(let soa, nil) = z.lookup(name("EXAMPLE."), type: .SOA) else {
            Issue.record("apex SOA missing")
            return
        }
        #expect(soa.ttl == 3600)
        #expect(z.negativeTTL == 5)  // RFC 2308 §5: min(SOA TTL, MINIMUM)
    }

    @Test func caseInsensitiveLookupAndCNAME() throws {
        let z = try zone(
            """
            $TTL 60
            www   CNAME  web
            web   A      10.0.1.50
            *.k8s CNAME  web
            """, origin: "internal.corp.")
        #expect(z.lookup(name("WEB.Internal.CORP."), type: .A) == .answer(
            RRSet(name: name("web.internal.corp."), type: .A, ttl: 60, rdatas: [.a(IPv4Address(10, 0, 1, 50))]), wildcard: nil))
        guard case .cname(let set, nil) = z.lookup(name("www.internal.corp."), type: .A) else {
            Issue.record("www A should give the CNAME")
            return
        }
        #expect(set.rdatas == [.cname(name("web.internal.corp."))])
        guard case .answer(let direct, nil) = z.lookup(name("www.internal.corp."), type: .CNAME) else {
            Issue.record("www CNAME should answer directly")
            return
        }
        #expect(direct.type == .CNAME)
        guard case .cname(let wild, let source) = z.lookup(name("pod-1.k8s.internal.corp."), type: .AAAA) else {
            Issue.record("wildcard CNAME not found")
            return
        }
        #expect(wild.name.text == "pod-1.k8s.internal.corp.")
        #expect(source == name("*.k8s.internal.corp."))
        #expect(z.lookup(name("example.org."), type: .A) == .notInZone)
        #expect(z.lookup(name("nope.internal.corp."), type: .A) == .nameError)
    }

    @Test func duplicateRecordsMergeAndRRsetKeepsFirstTTL() throws {
        let z = try zone(
            """
            a 60 A 10.0.0.1
            a 60 A 10.0.0.1
            a 90 A 10.0.0.2
            """, origin: "corp.")
        #expect(z.lookup(name("a.corp."), type: .A) == .answer(
            RRSet(name: name("a.corp."), type: .A, ttl: 60, rdatas: [.a(IPv4Address(10, 0, 0, 1)), .a(IPv4Address(10, 0, 0, 2))]),
            wildcard: nil))
    }

    @Test func zoneSetPicksTheMostSpecificZone() throws {
        let corp = try zone("$TTL 60\nwww A 10.0.0.1", origin: "corp.")
        let internalZone = try zone("$TTL 60\nwww A 10.0.0.2", origin: "internal.corp.")
        let set = ZoneSet([corp, internalZone])
        #expect(set.zone(enclosing: name("www.internal.corp."))?.origin == name("internal.corp."))
        #expect(set.zone(enclosing: name("x.y.internal.CORP."))?.origin == name("internal.corp."))
        #expect(set.zone(enclosing: name("www.corp."))?.origin == name("corp."))
        #expect(set.zone(enclosing: name("corp.example."))?.origin == nil)
        #expect(set.zone(enclosing: name("com.")) == nil)
    }
}
