// SPDX-License-Identifier: Apache-2.0
import DNSCore
import DNSZone
import Testing

@testable import DNSEngine

/// The fast path must give exactly the answers of the general path, whenever it answers at all.
@Suite struct FastPathTests {
    static let wild = zone(
        """
        $TTL 60
        *.api  A    10.0.1.15
        *.api  A    10.0.2.27
        *.api  AAAA fd00::15
        x.api  TXT  "exists"
        """, origin: "execute-api.example.")

    /// Like `corp` without the delegation (a zone with cuts always takes the general path).
    static let flat = zone(
        """
        $TTL 300
        @           SOA  ns1 hostmaster 1 7200 900 1209600 60
        @           NS   ns1
        ns1         A    10.0.0.53
        db          A    10.0.3.10
        db          A    10.0.3.11
        db          A    10.0.3.12
        db          AAAA fd00::10
        web         A    10.0.1.50
        www         CNAME web
        api.svc     A    10.0.4.1
        *.k8s       A    10.0.5.5
        """, origin: "flat.corp.")

    static let engines: [QueryEngine] = [
        QueryEngine(zones: ZoneSet([corp, other, wild, flat])),
        QueryEngine(zones: ZoneSet([flat, wild]), zoneOptions: [name("flat.corp."): ZoneOptions(awsStrictNXDomain: true)]),
        QueryEngine(
            zones: ZoneSet([corp, other, wild]),
            zoneOptions: [name("internal.corp."): ZoneOptions(awsStrictNXDomain: true)]),
        QueryEngine(
            zones: ZoneSet([corp, other, wild]),
            forwarding: ForwardingRules(
                rules: [name("other.corp."): .forward(UpstreamGroup([Upstream(ip: [127, 0, 0, 1], port: 53)])),
                        name("svc.internal.corp."): .system],
                defaultGroup: UpstreamGroup([Upstream(ip: [127, 0, 0, 2], port: 53)]))),
        QueryEngine(zones: ZoneSet([corp]), accessControl: AccessControlList([CIDR(parsing: "127.0.0.2/32")!])),
    ]

    static let names = [
        "web.internal.corp.", "WEB.Internal.Corp.", "db.internal.corp.", "nope.internal.corp.", "svc.internal.corp.",
        "api.svc.internal.corp.", "pod-1.k8s.internal.corp.", "a.b.k8s.internal.corp.", "k8s.internal.corp.",
        "www.internal.corp.", "internal.corp.", "host.sub.internal.corp.", "big.internal.corp.", "api.other.corp.",
        "zzz.other.corp.", "db.flat.corp.", "DB.FLAT.corp.", "web.flat.corp.", "www.flat.corp.", "nope.flat.corp.",
        "svc.flat.corp.", "api.svc.flat.corp.", "p.k8s.flat.corp.", "a.b.k8s.flat.corp.", "k8s.flat.corp.", "flat.corp.",
        "abc.api.execute-api.example.", "x.api.execute-api.example.", "api.execute-api.example.",
        "execute-api.example.", "q.r.s.api.execute-api.example.", "example.com.", "corp.",
    ]
    static let types: [RRType] = [.A, .AAAA, .TXT, .MX, .CNAME, .SOA, .NS, RRType(65000), .ANY]

    @Test func fastAnswersEqualTheGeneralPath() throws {
        var fastCount = 0
        var forwardCount = 0
        var total = 0
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 8)
        defer { buffer.deallocate() }
        for (e, engine) in FastPathTests.engines.enumerated() {
            for qname in FastPathTests.names {
                for type in FastPathTests.types {
                    for edns in [nil, EDNS(udpPayloadSize: 4096), EDNS(udpPayloadSize: 1232, dnssecOK: true), EDNS(udpPayloadSize: 600)] {
                        for rotation in [0, 1, 2] {
                            var header = Header(id: UInt16(total & 0xFFFF))
                            header.recursionDesired = rotation != 1
                            header.checkingDisabled = rotation == 2
                            let query = Message(header: header, questions: [Question(name: name(qname), type: type)], edns: edns).encode()
                            total += 1
                            let client = ClientAddress([127, 0, 0, 1])
                            let fast = query.withUnsafeBytes {
                                engine.fastPath.answer($0, client: client, tcp: false, rotation: rotation, into: buffer)
                            }
                            let slow = engine.respond(
                                to: query, context: QueryContext(transport: .udp, clientAddress: [127, 0, 0, 1], rotation: rotation))
                            if case .forwardable(let parts) = fast {
                                // What goes upstream, and how the answer is shaped, match the general path.
                                guard case .forward(let general) = slow,
                                    let quick = query.withUnsafeBytes({ engine.fastPath.forwardRequest($0, parts) })
                                else {
                                    Issue.record("engine \(e) \(qname) \(type): fast says forward, general path does not")
                                    continue
                                }
                                #expect(quick.question == general.question && quick.upstreams == general.upstreams)
                                #expect(quick.sizeLimit == general.sizeLimit && quick.dnssecOK == general.dnssecOK)
                                #expect(quick.query.header.id == general.query.header.id && quick.query.header.flags == general.query.header.flags)
                                #expect(quick.query.questions == general.query.questions)
                                #expect((quick.query.edns == nil) == (general.query.edns == nil) && general.prefix.isEmpty)
                                forwardCount += 1
                            }
                            guard case .written(let length, _) = fast else { continue }
                            fastCount += 1
                            guard case .reply(let expected) = slow else {
                                Issue.record("engine \(e) \(qname) \(type): fast answered, general path did not")
                                continue
                            }
                            let got = Array(UnsafeRawBufferPointer(rebasing: buffer[0..<length]))
                            #expect(try Message(wire: got) == Message(wire: expected), "engine \(e) \(qname) \(type) \(String(describing: edns))")
                        }
                    }
                }
            }
        }
        // The common cases do take the fast path.
        #expect(fastCount > total / 8, "fast \(fastCount) of \(total)")
        #expect(forwardCount > 100, "forwardable \(forwardCount)")
    }

    @Test func fastPathDeclinesWhatItDoesNotKnow() {
        let engine = FastPathTests.engines[0]
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 8)
        defer { buffer.deallocate() }
        func outcome(_ bytes: [UInt8]) -> FastOutcome {
            bytes.withUnsafeBytes { engine.fastPath.answer($0, client: ClientAddress([127, 0, 0, 1]), tcp: false, rotation: 0, into: buffer) }
        }
        let good = Message(header: Header(id: 1), questions: [Question(name: name("web.flat.corp."), type: .A)]).encode()
        guard case .written = outcome(good) else {
            Issue.record("a plain A query in a zone should be fast")
            return
        }
        #expect(outcome(Array(good.prefix(20))) == .slow)  // truncated
        #expect(outcome(good + [0]) == .slow)  // trailing octet
        var response = good
        response[2] |= 0x80
        #expect(outcome(response) == .slow)  // QR=1
        let v1 = Message(header: Header(id: 1), questions: [Question(name: name("web.flat.corp."), type: .A)], edns: EDNS(version: 1)).encode()
        #expect(outcome(v1) == .slow)  // BADVERS is the general path's
        // OPT options must fill the RDATA exactly; the general path answers FORMERR otherwise.
        let cookie = Message(
            header: Header(id: 1), questions: [Question(name: name("web.flat.corp."), type: .A)],
            edns: EDNS(options: [EDNS.Option(code: 10, data: [UInt8](repeating: 7, count: 8))])
        ).encode()
        guard case .written = outcome(cookie) else {
            Issue.record("a query with a cookie option should be fast")
            return
        }
        var overlong = cookie
        overlong[overlong.count - 9] = 60  // the option claims 60 octets; 8 follow
        #expect(outcome(overlong) == .slow)
        #expect(outcome(Array(cookie.dropLast(10)) + [0, 0]) == .slow)  // RDLENGTH no longer matches
        let refused = good.withUnsafeBytes {
            engine.fastPath.answer($0, client: ClientAddress([8, 8, 8, 8]), tcp: false, rotation: 0, into: buffer)
        }
        #expect(refused == .slow)
        let cname = Message(header: Header(id: 1), questions: [Question(name: name("www.flat.corp."), type: .A)]).encode()
        #expect(outcome(cname) == .slow)
    }

    /// The prefetch reads a query as `answer` does: the hashes of its name and the name's parent
    /// (any case), its type and DO bit; and it finds the record of a name the table holds, or of
    /// the name's parent. A query without a readable question gets the root's hashes and type 0.
    @Test func prefetchReadsTheQuestionAsTheLookupDoes() throws {
        func hash(_ text: String) -> UInt64 { name(text).wire.withUnsafeBytes { WireNameHash.hash($0, 0, $0.count) } }
        let fastPath = FastPathTests.engines[0].fastPath
        for (text, type, dnssecOK) in [
            ("DB.Flat.Corp.", RRType.A, false), ("p.k8s.flat.corp.", .AAAA, true), ("nope.example.", .MX, false), ("corp.", .A, true),
        ] {
            let query = Message(
                header: Header(id: 7), questions: [Question(name: name(text), type: type)],
                edns: dnssecOK ? EDNS(dnssecOK: true) : nil
            ).encode()
            let question = query.withUnsafeBytes { FastPath.QuestionHashes($0) }
            #expect(question.own == hash(text.lowercased()))
            #expect(question.parent == hash(name(text).parent!.text))
            #expect(question.qtype == type.rawValue)
            #expect(question.dnssecOK == dnssecOK)
            fastPath.prefetchSlots(question)
            let inTable = fastPath.table.find(name(text)) != nil || fastPath.table.find(name(text).parent!) != nil
            #expect(fastPath.prefetchRecords(question) == inTable, "\(text)")
        }
        let good = Message(header: Header(id: 7), questions: [Question(name: name("db.flat.corp."), type: .A)]).encode()
        for bad in [Array(good.prefix(16)), Array(good.prefix(20)), Array(good[0..<12]) + [0xC0, 12, 0, 1, 0, 1]] {
            let question = bad.withUnsafeBytes { FastPath.QuestionHashes($0) }
            #expect(question.own == WireNameHash.seed && question.qtype == 0)
        }
    }
}

@Suite struct LabelCountsTests {
    /// `largest(atMost:)` against a plain set, for every limit and a spread of members on both
    /// sides of the 64-bit boundary.
    @Test func largestAtMostMatchesASet() {
        for members in [[], [0], [2, 5], [1, 63, 64, 65], [127], [0, 64, 127], Array(stride(from: 3, to: 128, by: 9))] {
            var counts = LabelCounts()
            for m in members { counts.insert(m) }
            counts.insert(128)  // out of range: ignored
            for limit in -1...130 {
                #expect(counts.largest(atMost: limit) == members.filter { $0 <= limit }.max(), "\(members) \(limit)")
            }
        }
    }
}
