// SPDX-License-Identifier: Apache-2.0
import DNSCore
import DNSZone
import Testing

@testable import DNSEngine

/// Answers from routed record sets and aliases, through the engine.
@Suite struct RoutedAnswerTests {
    static func routedZone() -> Zone {
        var assembly = ZoneAssembly(origin: name("corp."))
        func add(_ owner: String, _ set: RoutedRecordSet, type: RRType = .A) {
            let record = ResourceRecord(name: name(owner), type: type, ttl: 0, rdata: .unknown([]))
            assembly.add(set, type: type, source: ParsedRecord(record: record, file: "t", line: 1, column: 0))
        }
        func records(_ owner: String, ttl: UInt32, _ addresses: String...) -> RoutedRecordSet.Content {
            .records(RRSet(name: name(owner), type: .A, ttl: ttl, rdatas: SmallArray(addresses.map { .a(IPv4Address(textBytes: ArraySlice($0.utf8))!) })))
        }
        assembly.add(ParsedRecord(record: ResourceRecord(name: name("web.corp."), type: .A, ttl: 120, rdata: .a(IPv4Address(textBytes: ArraySlice("10.0.0.80".utf8))!)), file: "t", line: 1, column: 0))
        add("corp.", RoutedRecordSet(identifier: nil, policy: .simple, healthCheck: nil, content: .alias(AliasTarget(name: name("web.corp."), evaluateTargetHealth: false))))
        add("db.corp.", RoutedRecordSet(identifier: "p", policy: .failover(primary: true), healthCheck: "hp", content: records("db.corp.", ttl: 30, "10.0.3.5")))
        add("db.corp.", RoutedRecordSet(identifier: "s", policy: .failover(primary: false), healthCheck: nil, content: records("db.corp.", ttl: 30, "10.1.3.5")))
        add("kms.corp.", RoutedRecordSet(identifier: nil, policy: .simple, healthCheck: nil, content: .alias(AliasTarget(name: name("vpce-1.kms.us-east-1.vpce.amazonaws.com."), evaluateTargetHealth: false))))
        add("lb.corp.", RoutedRecordSet(identifier: nil, policy: .simple, healthCheck: nil, content: .alias(AliasTarget(name: name("my-lb.elb.amazonaws.com."), evaluateTargetHealth: false))))
        // A failover alias whose primary's target is db's choice: it follows db's health.
        add("app.corp.", RoutedRecordSet(identifier: "p", policy: .failover(primary: true), healthCheck: nil, content: .alias(AliasTarget(name: name("db.corp."), evaluateTargetHealth: true))))
        add("app.corp.", RoutedRecordSet(identifier: "s", policy: .failover(primary: false), healthCheck: nil, content: records("app.corp.", ttl: 10, "10.9.9.9")))
        add("*.w.corp.", RoutedRecordSet(identifier: "m", policy: .multivalue, healthCheck: nil, content: records("*.w.corp.", ttl: 60, "10.5.0.1")))
        return try! assembly.finish().get()
    }

    static let endpoint = ZoneBuilder.synthesized(
        origin: name("vpce-1.kms.us-east-1.vpce.amazonaws.com."),
        rrsets: [RRSet(name: name("vpce-1.kms.us-east-1.vpce.amazonaws.com."), type: .A, ttl: 60, rdatas: [.a(IPv4Address(textBytes: ArraySlice("10.0.1.15".utf8))!)])],
        apexData: false)

    let health = HealthStatus(ids: ["hp"])
    var engine: QueryEngine {
        QueryEngine(
            zones: ZoneSet([RoutedAnswerTests.routedZone(), RoutedAnswerTests.endpoint]),
            forwarding: ForwardingRules(rules: [:], defaultGroup: UpstreamGroup([Upstream(ip: [127, 0, 0, 1], port: 53)])),
            health: health)
    }

    @Test func aliasAtTheApexAnswersWithTheTargetsDataUnderItsOwnName() {
        let reply = ask(engine, "corp.", .A)
        #expect(reply.map { lines($0.answers) } == ["corp.\t120\tIN\tA\t10.0.0.80"])
        #expect(reply?.header.authoritative == true)
        // An alias answers its own type only: no CNAME, NODATA for the rest.
        #expect(ask(engine, "corp.", .AAAA)?.answers.isEmpty == true)
    }

    @Test func aliasToAnEndpointNameAnswersItsAddressesAtTTL60() {
        #expect(ask(engine, "kms.corp.", .A).map { lines($0.answers) } == ["kms.corp.\t60\tIN\tA\t10.0.1.15"])
    }

    @Test func aliasOutsideThePrivateZonesGoesUpstreamUnderTheAliasName() throws {
        let query = Message(header: Header(id: 1), questions: [Question(name: name("lb.corp."), type: .A)])
        guard case .forward(let request) = engine.respond(to: query.encode(), context: QueryContext(transport: .udp, clientAddress: loopback)) else {
            Issue.record("not forwarded"); return
        }
        #expect(request.question.name == name("my-lb.elb.amazonaws.com."))
        #expect(request.alias?.owner == name("lb.corp."))
        #expect(request.alias?.negativeSOA.type == .SOA)
        #expect(request.prefix.isEmpty)
    }

    @Test func failoverFollowsTheHealthCheck() {
        let engine = self.engine
        #expect(ask(engine, "db.corp.", .A).map { lines($0.answers) } == ["db.corp.\t30\tIN\tA\t10.0.3.5"])
        #expect(ask(engine, "app.corp.", .A).map { lines($0.answers) } == ["app.corp.\t30\tIN\tA\t10.0.3.5"])
        health.checks["hp"]!.set(up: false)
        #expect(ask(engine, "db.corp.", .A).map { lines($0.answers) } == ["db.corp.\t30\tIN\tA\t10.1.3.5"])
        // app's primary is an alias to db evaluating target health: db's primary down does not make
        // db unhealthy (its secondary answers), so app keeps its primary, now with db's secondary.
        #expect(ask(engine, "app.corp.", .A).map { lines($0.answers) } == ["app.corp.\t30\tIN\tA\t10.1.3.5"])
        health.checks["hp"]!.set(up: true)
        #expect(ask(engine, "db.corp.", .A).map { lines($0.answers) } == ["db.corp.\t30\tIN\tA\t10.0.3.5"])
    }

    @Test func aRoutedWildcardAnswersUnderTheQueryName() {
        #expect(ask(engine, "x.w.corp.", .A).map { lines($0.answers) } == ["x.w.corp.\t60\tIN\tA\t10.5.0.1"])
    }

    @Test func theFastPathLeavesRoutedNamesToTheGeneralPath() {
        let engine = self.engine
        var out = [UInt8](repeating: 0, count: 1232)
        for qname in ["db.corp.", "corp.", "x.w.corp."] {
            let query = Message(header: Header(id: 1), questions: [Question(name: name(qname), type: .A)]).encode()
            let outcome = out.withUnsafeMutableBytes { engine.fastOutcome(query, into: $0) }
            guard case .general(.zone) = outcome else { Issue.record("\(qname): \(outcome)"); continue }
        }
        // A plain name beside them still takes the fast path.
        let plain = Message(header: Header(id: 1), questions: [Question(name: name("web.corp."), type: .A)]).encode()
        guard case .written = out.withUnsafeMutableBytes({ engine.fastOutcome(plain, into: $0) }) else {
            Issue.record("web.corp. not written"); return
        }
    }
}
