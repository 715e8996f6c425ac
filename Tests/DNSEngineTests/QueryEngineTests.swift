// SPDX-License-Identifier: Apache-2.0
import DNSCore
import Foundation
import DNSZone
import Testing

@testable import DNSEngine

let corp = zone(
    """
    $TTL 300
    @           SOA  ns1 hostmaster 1 7200 900 1209600 60
    @           NS   ns1
    ns1         A    10.0.0.53
    db          A    10.0.3.10
    db          A    10.0.3.11
    db          A    10.0.3.12
    web         A    10.0.1.50
    www         CNAME web
    app         CNAME www
    loop1       CNAME loop2
    loop2       CNAME loop1
    ext         CNAME api.other.corp.
    dangling    CNAME gone
    api.svc     A    10.0.4.1
    *.k8s       A    10.0.5.5
    big         TXT  "\(String(repeating: "x", count: 250))" "\(String(repeating: "y", count: 250))"
    big         TXT  "\(String(repeating: "z", count: 250))" "\(String(repeating: "w", count: 250))"
    big         TXT  "\(String(repeating: "v", count: 250))" "\(String(repeating: "u", count: 250))"
    sub         NS   ns.sub
    ns.sub      A    10.9.9.9
    """, origin: "internal.corp.")

let other = zone("$TTL 60\napi A 10.7.7.7\n", origin: "other.corp.")

let engine = QueryEngine(zones: ZoneSet([corp, other]))

@Suite struct QueryEngineTests {
    struct Case: Sendable, CustomStringConvertible {
        var qname: String
        var qtype: RRType
        var rcode: RCode
        var aa: Bool = true
        var answer: [String] = []
        var authority: [String] = []
        var additional: [String] = []
        var description: String { "\(qname) \(qtype)" }
    }

    static let soa = "internal.corp.\t60\tIN\tSOA\tns1.internal.corp. hostmaster.internal.corp. 1 7200 900 1209600 60"

    static let cases: [Case] = [
        Case(qname: "web.internal.corp.", qtype: .A, rcode: .noError, answer: ["web.internal.corp.\t300\tIN\tA\t10.0.1.50"]),
        Case(qname: "WEB.Internal.CORP.", qtype: .A, rcode: .noError, answer: ["WEB.Internal.CORP.\t300\tIN\tA\t10.0.1.50"]),
        Case(qname: "web.internal.corp.", qtype: .AAAA, rcode: .noError, authority: [soa]),
        Case(qname: "nope.internal.corp.", qtype: .A, rcode: .nxDomain, authority: [soa]),
        Case(qname: "svc.internal.corp.", qtype: .A, rcode: .noError, authority: [soa]),  // empty non-terminal
        Case(
            qname: "app.internal.corp.", qtype: .A, rcode: .noError,
            answer: [
                "app.internal.corp.\t300\tIN\tCNAME\twww.internal.corp.",
                "www.internal.corp.\t300\tIN\tCNAME\tweb.internal.corp.",
                "web.internal.corp.\t300\tIN\tA\t10.0.1.50",
            ]),
        Case(
            qname: "ext.internal.corp.", qtype: .A, rcode: .noError,
            answer: ["ext.internal.corp.\t300\tIN\tCNAME\tapi.other.corp.", "api.other.corp.\t60\tIN\tA\t10.7.7.7"]),
        Case(
            qname: "dangling.internal.corp.", qtype: .A, rcode: .nxDomain,
            answer: ["dangling.internal.corp.\t300\tIN\tCNAME\tgone.internal.corp."], authority: [soa]),
        Case(
            qname: "loop1.internal.corp.", qtype: .A, rcode: .noError,
            answer: ["loop1.internal.corp.\t300\tIN\tCNAME\tloop2.internal.corp.", "loop2.internal.corp.\t300\tIN\tCNAME\tloop1.internal.corp."]),
        Case(qname: "www.internal.corp.", qtype: .CNAME, rcode: .noError, answer: ["www.internal.corp.\t300\tIN\tCNAME\tweb.internal.corp."]),
        Case(qname: "pod-7.k8s.internal.corp.", qtype: .A, rcode: .noError, answer: ["pod-7.k8s.internal.corp.\t300\tIN\tA\t10.0.5.5"]),
        Case(qname: "a.b.k8s.internal.corp.", qtype: .A, rcode: .noError, answer: ["a.b.k8s.internal.corp.\t300\tIN\tA\t10.0.5.5"]),
        Case(qname: "k8s.internal.corp.", qtype: .A, rcode: .noError, authority: [soa]),
        Case(qname: "pod-7.k8s.internal.corp.", qtype: .TXT, rcode: .noError, authority: [soa]),
        Case(
            qname: "host.sub.internal.corp.", qtype: .A, rcode: .noError, aa: false,
            authority: ["sub.internal.corp.\t300\tIN\tNS\tns.sub.internal.corp."],
            additional: ["ns.sub.internal.corp.\t300\tIN\tA\t10.9.9.9"]),
        Case(qname: "web.internal.corp.", qtype: .ANY, rcode: .noError, answer: ["web.internal.corp.\t300\tIN\tA\t10.0.1.50"]),
        Case(qname: "example.com.", qtype: .A, rcode: .refused, aa: false),
        Case(qname: "internal.corp.", qtype: .SOA, rcode: .noError, answer: [soa.replacingOccurrences(of: "\t60\t", with: "\t300\t")]),
    ]

    @Test(arguments: cases)
    func answers(_ c: Case) throws {
        let reply = try #require(ask(engine, c.qname, c.qtype))
        #expect(reply.rcode == c.rcode)
        #expect(reply.header.authoritative == c.aa)
        #expect(reply.header.isResponse)
        #expect(reply.header.recursionAvailable)
        #expect(reply.header.recursionDesired)
        #expect(reply.header.id == 0xBEEF)
        #expect(reply.questions.map(\.name.text) == [c.qname])  // case echoed byte for byte
        #expect(lines(reply.answers) == c.answer)
        #expect(lines(reply.authority) == c.authority)
        #expect(lines(reply.additional) == c.additional)
    }

    @Test func rdIsCopiedNotForced() throws {
        let reply = try #require(ask(engine, "web.internal.corp.", .A, rd: false))
        #expect(!reply.header.recursionDesired)
        #expect(reply.header.recursionAvailable)
    }

    @Test func multipleAddressesRotate() throws {
        let first = try #require(ask(engine, "db.internal.corp.", .A, rotation: 0)).answers.map(\.rdata)
        let second = try #require(ask(engine, "db.internal.corp.", .A, rotation: 1)).answers.map(\.rdata)
        #expect(first.count == 3)
        #expect(Set(first) == Set(second))
        #expect(first != second)
        #expect(second == Array(first[1...] + first[..<1]))
    }

    @Test func strictNXDomainOption() throws {
        let strict = QueryEngine(
            zones: ZoneSet([corp]), zoneOptions: [name("internal.corp."): ZoneOptions(awsStrictNXDomain: true)])
        let reply = try #require(ask(strict, "web.internal.corp.", .AAAA))
        #expect(reply.rcode == .nxDomain)
        #expect(reply.authority.count == 1)
    }
}
