// SPDX-License-Identifier: Apache-2.0
import DNSCore
import DNSZone
import Testing

@testable import DNSEngine

/// What the pipeline's stages do with a query before the general engine: the question parsed once,
/// the ACL, the route, then the zone's tables.
enum FastOutcome: Equatable {
    case written(Int, FastSource)
    /// Routed upstream: the request the pipeline hands the forwarder on a cache miss.
    case forward(ForwardRequest?)
    /// The general engine's, with the route decided (nil: not plain, or not allowed).
    case general(Route?)
}

extension QueryEngine {
    func fastOutcome(
        _ query: [UInt8], client: ClientAddress = ClientAddress([127, 0, 0, 1]), tcp: Bool = false, rotation: Int = 0,
        into out: UnsafeMutableRawBufferPointer
    ) -> FastOutcome {
        let scratch = QuestionScratch(slots: 1)
        return query.withUnsafeBytes { bytes in
            let view = QuestionView.parse(bytes, slot: 0, in: scratch)
            guard view.isPlain, accessControl.allows(client) else { return .general(nil) }
            let route = fastPath.route(view, in: bytes)
            let limit = view.responseLimit(overTCP: tcp, ourPayload: udpPayloadSize)
            switch route {
            case .zone(let zone):
                if let written = fastPath.writeZoneAnswer(view, bytes, in: zone, limit: limit, rotation: rotation, into: out) {
                    return .written(written.length, written.source)
                }
            case .forward(let group):
                return .forward(fastPath.forwardRequest(bytes, view, group: group, limit: limit))
            case .refuse:
                break
            }
            return .general(route)
        }
    }
}

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
                            let fast = engine.fastOutcome(query, client: client, rotation: rotation, into: buffer)
                            let slow = engine.respond(
                                to: query, context: QueryContext(transport: .udp, clientAddress: [127, 0, 0, 1], rotation: rotation))
                            // Given the route the pipeline decided, the general engine answers as it does alone.
                            if case .general(let route?) = fast {
                                let routed = engine.respond(
                                    to: query, context: QueryContext(transport: .udp, clientAddress: [127, 0, 0, 1], rotation: rotation),
                                    route: route)
                                #expect(routed == slow, "engine \(e) \(qname) \(type): the decided route changes the answer")
                            }
                            if case .forward(let quick) = fast {
                                // What goes upstream, and how the answer is shaped, match the general path.
                                guard case .forward(let general) = slow, let quick else {
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
        func outcome(_ bytes: [UInt8]) -> FastOutcome { engine.fastOutcome(bytes, into: buffer) }
        func declined(_ bytes: [UInt8]) -> Bool {
            if case .general = outcome(bytes) { return true }
            return false
        }
        let good = Message(header: Header(id: 1), questions: [Question(name: name("web.flat.corp."), type: .A)]).encode()
        guard case .written = outcome(good) else {
            Issue.record("a plain A query in a zone should be fast")
            return
        }
        #expect(declined(Array(good.prefix(20))))  // truncated
        #expect(declined(good + [0]))  // trailing octet
        var response = good
        response[2] |= 0x80
        #expect(declined(response))  // QR=1
        let v1 = Message(header: Header(id: 1), questions: [Question(name: name("web.flat.corp."), type: .A)], edns: EDNS(version: 1)).encode()
        #expect(declined(v1))  // BADVERS is the general path's
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
        #expect(declined(overlong))
        #expect(declined(Array(cookie.dropLast(10)) + [0, 0]))  // RDLENGTH no longer matches
        #expect(engine.fastOutcome(good, client: ClientAddress([8, 8, 8, 8]), into: buffer) == .general(nil))
        let cname = Message(header: Header(id: 1), questions: [Question(name: name("www.flat.corp."), type: .A)]).encode()
        #expect(declined(cname))
    }

    /// The prefetch reads the view the route reads: the hashes of the name and its parent (any
    /// case); and it finds the record of a name the table holds, or of the name's parent.
    @Test func prefetchReadsTheQuestionAsTheLookupDoes() throws {
        func hash(_ text: String) -> UInt64 { name(text).wire.withUnsafeBytes { WireNameHash.hash($0, 0, $0.count) } }
        let fastPath = FastPathTests.engines[0].fastPath
        let scratch = QuestionScratch(slots: 1)
        for (text, type) in [("DB.Flat.Corp.", RRType.A), ("p.k8s.flat.corp.", .AAAA), ("nope.example.", .MX), ("corp.", .A)] {
            let query = Message(header: Header(id: 7), questions: [Question(name: name(text), type: type)]).encode()
            let inTable = fastPath.table.find(name(text)) != nil || fastPath.table.find(name(text).parent!) != nil
            query.withUnsafeBytes { bytes in
                let view = QuestionView.parse(bytes, slot: 0, in: scratch)
                #expect(view.nameHash == hash(text.lowercased()))
                #expect(view.parentHash == hash(name(text).parent!.text))
                fastPath.prefetchSlots(view)
                #expect(fastPath.prefetchRecords(view) == inTable, "\(text)")
            }
        }
    }

    /// One router for both paths: for every test name, the route from the packet equals the route
    /// from the general path's `DNSName`, and both agree with the zone set and the rules.
    @Test func theRouteIsTheSameFromBytesAndFromNames() {
        let scratch = QuestionScratch(slots: 1)
        var zoneRoutes = 0
        for engine in FastPathTests.engines {
            for qname in FastPathTests.names {
                let query = Message(header: Header(id: 1), questions: [Question(name: name(qname), type: .A)]).encode()
                let fromBytes = query.withUnsafeBytes { engine.fastPath.route(QuestionView.parse($0, slot: 0, in: scratch), in: $0) }
                let fromName = engine.fastPath.route(name(qname))
                #expect(fromBytes == fromName, "\(qname)")
                switch fromName {
                case .zone(let zone):
                    zoneRoutes += 1
                    #expect(engine.fastPath.zone(zone) === engine.zones.zone(enclosing: name(qname)), "\(qname)")
                case .forward(let group):
                    #expect(engine.fastPath.upstreams(group) != nil)
                case .refuse:
                    #expect(engine.zones.zone(enclosing: name(qname)) == nil && engine.forwarding.defaultGroup == nil)
                }
            }
        }
        #expect(zoneRoutes > 50)
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
