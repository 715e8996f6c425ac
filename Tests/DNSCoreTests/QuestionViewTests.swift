// SPDX-License-Identifier: Apache-2.0
import Testing

@testable import DNSCore

/// The question read once where a query enters: a table of shapes, and, for any packet, agreement
/// with the full parser on what both read.
@Suite struct QuestionViewTests {
    let scratch = QuestionScratch(slots: 1)

    func view(_ bytes: [UInt8]) -> QuestionView { bytes.withUnsafeBytes { QuestionView.parse($0, slot: 0, in: scratch) } }

    func query(_ text: String = "Www.Example.com.", type: RRType = .A, qclass: RRClass = .IN, edns: EDNS? = nil, flags: UInt16 = 0x0100)
        -> [UInt8]
    {
        Message(header: Header(id: 7, flags: flags), questions: [Question(name: name(text), type: type, qclass: qclass)], edns: edns)
            .encode()
    }

    @Test func aPlainQuery() {
        let bytes = query()
        let v = view(bytes)
        #expect(v.isPlain && !v.edns)
        #expect(v.nameEnd == 12 + name("www.example.com.").wire.count && v.questionEnd == v.nameEnd + 4)
        #expect(v.qtype == 1 && v.qclass == 1 && v.labelCount == 3)
        #expect((0...3).map(v.labelStart) == [12, 16, 24, 28])
        // Every suffix's hash, without case: the whole name's, the parent's, ..., the root's.
        for (i, suffix) in ["www.example.com.", "example.com.", "com.", "."].enumerated() {
            #expect(v.suffixHash(i) == name(suffix).wireHash, "\(suffix)")
        }
        #expect(v.nameHash == name("WWW.EXAMPLE.COM.").wireHash && v.parentHash == name("example.com.").wireHash)
        #expect(v.responseLimit(overTCP: false, ourPayload: 1232) == 512 && v.responseLimit(overTCP: true, ourPayload: 1232) == 65535)
    }

    @Test func edns() {
        let v = view(query(edns: EDNS(udpPayloadSize: 4096, dnssecOK: true)))
        #expect(v.isPlain && v.edns && v.dnssecOK && v.ednsPayload == 4096)
        #expect(v.responseLimit(overTCP: false, ourPayload: 1232) == 1232)
        #expect(view(query(edns: EDNS(udpPayloadSize: 100))).responseLimit(overTCP: false, ourPayload: 1232) == 512)
        let cookie = query(edns: EDNS(options: [EDNS.Option(code: 10, data: [UInt8](repeating: 1, count: 8))]))
        #expect(view(cookie).isPlain)
        var lying = cookie
        lying[lying.count - 9] = 60  // the option claims more than the RDATA holds
        #expect(!view(lying).isPlain && view(lying).nameEnd > 0)
    }

    /// What the general path answers instead: still read (for metrics and the route), never plain.
    @Test(arguments: [
        ("QR set", 0x8100 as UInt16, RRClass.IN, RRType.A, nil as EDNS?),
        ("opcode NOTIFY", 0x2100, .IN, .A, nil),
        ("class CH", 0x0100, .CH, .A, nil),
        ("type OPT", 0x0100, .IN, .OPT, nil),
        ("type ANY", 0x0100, .IN, .ANY, nil),
        ("EDNS version 1", 0x0100, .IN, .A, EDNS(version: 1)),
    ])
    func notPlain(_ what: String, _ flags: UInt16, _ qclass: RRClass, _ type: RRType, _ edns: EDNS?) {
        let v = view(query(type: type, qclass: qclass, edns: edns, flags: flags))
        #expect(!v.isPlain, "\(what)")
        #expect(v.nameEnd > 0 && v.qtype == type.rawValue && v.qclass == qclass.rawValue, "\(what)")
    }

    @Test func shapesWithoutAQuestion() {
        let good = query()
        #expect(view([]).nameEnd == 0 && !view([]).isPlain)
        var none = good
        none[5] = 0  // QDCOUNT 0
        #expect(view(none).nameEnd == 0)
        // A compression pointer where the name should start: no question is read.
        #expect(view(Array(good[0..<12]) + [0xC0, 12, 0, 1, 0, 1]).nameEnd == 0)
        #expect(!view(good + [0]).isPlain)  // a trailing octet
        var two = good
        two[11] = 2  // ARCOUNT 2
        #expect(!view(two).isPlain)
        // Every truncation: never a trap, and a question only when all of it is there.
        for length in 0..<good.count {
            let v = view(Array(good.prefix(length)))
            #expect(v.nameEnd == 0 || v.questionEnd <= length, "\(length)")
            #expect(!v.isPlain, "\(length)")
        }
    }

    /// For mutated packets: whenever the view reads a question, the full parser (when it reads the
    /// packet at all) has the same name, type and class; the hashes are the name's.
    @Test func agreesWithTheFullParser() {
        var rng = SeededGenerator(seed: 2026_12_02)
        let seeds = [query(), query(edns: EDNS(dnssecOK: true)), query("a.b.c.d.e.example.", type: .AAAA), query(".", type: .NS)]
        var compared = 0
        for i in 0..<20_000 {
            var bytes = seeds[i % seeds.count]
            for _ in 0..<Int.random(in: 0...3, using: &rng) {
                bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            let v = view(bytes)
            guard v.nameEnd > 0 else { continue }
            #expect(v.nameHash == bytes.withUnsafeBytes { WireNameHash.hash($0, 12, v.nameEnd) })
            guard let message = try? Message(wire: bytes), let question = message.questions.first else { continue }
            compared += 1
            #expect(question.name.wire == Array(bytes[12..<v.nameEnd]), "\(bytes)")
            #expect(question.type.rawValue == v.qtype && question.qclass.rawValue == v.qclass, "\(bytes)")
            if v.isPlain { #expect(message.edns?.dnssecOK ?? false == v.dnssecOK && (message.edns != nil) == v.edns, "\(bytes)") }
        }
        #expect(compared > 5_000)
    }
}
