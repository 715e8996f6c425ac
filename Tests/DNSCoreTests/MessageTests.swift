// SPDX-License-Identifier: Apache-2.0
import Testing
@testable import DNSCore

/// One record of every supported type, plus unknown ones (RFC 3597).
let everyType: [ResourceRecord] = [
    ResourceRecord(name: name("a.example."), type: .A, ttl: 60, rdata: .a(IPv4Address(10, 0, 1, 15))),
    ResourceRecord(name: name("a.example."), type: .AAAA, ttl: 60, rdata: .aaaa(IPv6Address(text: "2001:db8::1")!)),
    ResourceRecord(name: name("example."), type: .NS, ttl: 172800, rdata: .ns(name("ns1.example."))),
    ResourceRecord(name: name("www.example."), type: .CNAME, ttl: 300, rdata: .cname(name("a.example."))),
    ResourceRecord(
        name: name("example."), type: .SOA, ttl: 900,
        rdata: .soa(SOAData(mname: name("ns1.example."), rname: name("hostmaster.example."), serial: 2026112601,
            refresh: 7200, retry: 900, expire: 1209600, minimum: 86400))),
    ResourceRecord(name: name("1.1.0.10.in-addr.arpa."), type: .PTR, ttl: 60, rdata: .ptr(name("a.example."))),
    ResourceRecord(name: name("example."), type: .MX, ttl: 60, rdata: .mx(preference: 10, exchange: name("mail.example."))),
    ResourceRecord(name: name("example."), type: .TXT, ttl: 60, rdata: .txt([Array("v=spf1 -all".utf8), [], [0, 34, 92, 255]])),
    ResourceRecord(
        name: name("_ldap._tcp.example."), type: .SRV, ttl: 60,
        rdata: .srv(priority: 0, weight: 5, port: 389, target: name("dc1.example."))),
    ResourceRecord(
        name: name("example."), type: .CAA, ttl: 60, rdata: .caa(flags: 0, tag: Array("issue".utf8), value: Array("amazon.com".utf8))),
    ResourceRecord(name: name("example."), type: RRType(65534), ttl: 60, rdata: .unknown([1, 2, 3, 0xFF])),
    ResourceRecord(name: name("example."), type: .DS, ttl: 60, rdata: .unknown([0x12, 0x34, 8, 2] + [UInt8](repeating: 0xAB, count: 32))),
    ResourceRecord(name: name("empty.example."), type: RRType(4321), ttl: 0, rdata: .unknown([])),
]

@Suite struct MessageTests {
    @Test func roundTripEveryType() throws {
        for record in everyType {
            let message = Message(
                header: Header(id: 9, flags: 0x8180), questions: [Question(name: record.name, type: record.type)],
                answers: [record], authority: [record], additional: [record])
            let decoded = try Message(wire: message.encode())
            #expect(decoded == message, "\(record)")
            let again = try Message(wire: decoded.encode())
            #expect(again == decoded)
        }
    }

    @Test func roundTripWithEDNS() throws {
        let edns = EDNS(
            udpPayloadSize: 4096, extendedRCode: 1, version: 0, dnssecOK: true, otherFlags: 0x0123,
            options: [EDNS.Option(code: 10, data: [1, 2, 3, 4, 5, 6, 7, 8]), EDNS.Option(code: 65001, data: [])])
        var message = Message(header: Header(id: 1), questions: [Question(name: name("x."), type: .A)], edns: edns)
        let decoded = try Message(wire: message.encode())
        #expect(decoded.edns == edns)
        #expect(decoded.rcode == .badVers)
        message.rcode = .noError
        #expect(message.rcode == .noError)
        #expect(message.edns?.extendedRCode == 0)
    }

    /// RFC 1035 §4.1.4: a repeated suffix is written once and pointed to after.
    @Test func writerCompressesRepeatedSuffixes() throws {
        let records = (0..<5).map {
            ResourceRecord(name: name("host\($0).internal.corp."), type: .A, ttl: 60, rdata: .a(IPv4Address(10, 0, 0, UInt8($0))))
        }
        let message = Message(questions: [Question(name: name("INTERNAL.corp."), type: .A)], answers: records)
        let wire = message.encode()
        // Header 12 + question 15+4; each answer: "hostN" label 6 + pointer 2 + 10 fixed + 4 RDATA.
        #expect(wire.count == 12 + 19 + 5 * 22)
        let decoded = try Message(wire: wire)
        #expect(decoded.answers == records)
        // A compressed suffix takes the case of the copy it points to (here the question's).
        #expect(decoded.answers[0].name.text == "host0.INTERNAL.corp.")
        var writer = WireWriter(compression: false)
        writer.writeName(name("a.b."))
        writer.writeName(name("a.b."))
        #expect(writer.bytes.count == 10)
    }

    @Test func truncationStopsAtTheLimitAndSetsTC() throws {
        let txt = (0..<20).map {
            ResourceRecord(name: name("big.example."), type: .TXT, ttl: 60, rdata: .txt([[UInt8](repeating: UInt8(65 + $0), count: 150)]))
        }
        let message = Message(
            header: Header(id: 5, flags: 0x8400), questions: [Question(name: name("big.example."), type: .TXT)],
            answers: txt, edns: EDNS(udpPayloadSize: 1232))
        let small = message.encode(maxSize: 512)
        #expect(small.count <= 512)
        let decoded = try Message(wire: small)
        #expect(decoded.header.truncated)
        #expect(decoded.answers.isEmpty)  // no partial RRset (RFC 2181 §9)
        #expect(decoded.edns != nil)  // RFC 6891 §7: OPT survives truncation
        // A CNAME that fits is kept; the target's RRset that does not is taken back whole.
        let cname = ResourceRecord(name: name("alias.example."), type: .CNAME, ttl: 60, rdata: .cname(name("big.example.")))
        var chained = message
        chained.questions = [Question(name: name("alias.example."), type: .TXT)]
        chained.answers = [cname] + txt
        let cut = try Message(wire: chained.encode(maxSize: 512))
        #expect(cut.header.truncated && cut.answers == [cname])
        // Compression targets written by the taken-back records are forgotten: the OPT and header
        // counts agree with what is there, and the bytes decode.
        #expect(cut.edns?.udpPayloadSize == 1232)
        let whole = try Message(wire: message.encode())
        #expect(!whole.header.truncated)
        #expect(whole.answers.count == 20)
    }

    /// RFC 2181 §9: additional data that does not fit is dropped without TC.
    @Test func droppedAdditionalDoesNotSetTC() throws {
        let answer = ResourceRecord(name: name("mx.example."), type: .MX, ttl: 60, rdata: .mx(preference: 1, exchange: name("m.example.")))
        let glue = (0..<40).map {
            ResourceRecord(name: name("m.example."), type: .AAAA, ttl: 60, rdata: .aaaa(IPv6Address(text: "2001:db8::\($0 + 1)")!))
        }
        let message = Message(questions: [Question(name: name("mx.example."), type: .MX)], answers: [answer], additional: glue)
        let decoded = try Message(wire: message.encode(maxSize: 512))
        #expect(!decoded.header.truncated)
        #expect(decoded.answers.count == 1)
        #expect(decoded.additional.count < 40)
    }

    @Test func presentationAsDigPrintsIt() {
        let lines = everyType.map(\.description)
        #expect(lines == [
            "a.example.\t60\tIN\tA\t10.0.1.15",
            "a.example.\t60\tIN\tAAAA\t2001:db8::1",
            "example.\t172800\tIN\tNS\tns1.example.",
            "www.example.\t300\tIN\tCNAME\ta.example.",
            "example.\t900\tIN\tSOA\tns1.example. hostmaster.example. 2026112601 7200 900 1209600 86400",
            "1.1.0.10.in-addr.arpa.\t60\tIN\tPTR\ta.example.",
            "example.\t60\tIN\tMX\t10 mail.example.",
            "example.\t60\tIN\tTXT\t\"v=spf1 -all\" \"\" \"\\000\\\"\\\\\\255\"",
            "_ldap._tcp.example.\t60\tIN\tSRV\t0 5 389 dc1.example.",
            "example.\t60\tIN\tCAA\t0 issue \"amazon.com\"",
            "example.\t60\tIN\tTYPE65534\t\\# 4 010203FF",
            // A type kept as octets prints in its own form (RDataSchema), as dig prints it.
            "example.\t60\tIN\tDS\t4660 8 2 " + String(repeating: "AB", count: 32),
            "empty.example.\t0\tIN\tTYPE4321\t\\# 0",
        ])
    }

    @Test(arguments: [
        ("2001:db8::1", "2001:db8::1"), ("::", "::"), ("::1", "::1"), ("2001:DB8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
        ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"), ("::ffff:10.0.0.1", "::ffff:10.0.0.1"), ("fe80::", "fe80::"),
    ])
    func ipv6Text(input: String, printed: String) {
        #expect(IPv6Address(text: input)?.description == printed)
    }

    @Test(arguments: ["", "1::2::3", "12345::", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "g::", ":1:2:3:4:5:6:7"])
    func ipv6Rejects(input: String) {
        #expect(IPv6Address(text: input) == nil)
    }

    @Test(arguments: ["10.0.1", "10.0.1.256", "1.2.3.4.5", "01234.1.1.1", "a.b.c.d", "1..2.3", ""])
    func ipv4Rejects(input: String) {
        #expect(IPv4Address(text: input) == nil)
    }

    @Test func typeAndClassMnemonics() {
        #expect(RRType(mnemonic: "aaaa") == .AAAA)
        #expect(RRType(mnemonic: "TYPE65534") == RRType(65534))
        #expect(RRType(65534).description == "TYPE65534")
        #expect(RRType(mnemonic: "NOPE") == nil)
        #expect(RRClass(mnemonic: "in") == .IN)
        #expect(RRClass(mnemonic: "CLASS7")?.description == "CLASS7")
        #expect(RCode.badVers.description == "BADVERS")
    }
}
