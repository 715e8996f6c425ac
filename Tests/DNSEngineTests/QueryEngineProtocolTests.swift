// SPDX-License-Identifier: Apache-2.0
import DNSCore
import DNSZone
import Testing

@testable import DNSEngine

/// Header, EDNS and size rules (RFC 1035 §4.1.1, RFC 6891, RFC 8906 §8).
@Suite struct QueryEngineProtocolTests {
    @Test func ednsIsAnsweredWithOurPayloadAndDOEchoed() throws {
        let reply = try #require(ask(engine, "web.internal.corp.", .A, edns: EDNS(udpPayloadSize: 4096, dnssecOK: true)))
        #expect(reply.edns?.udpPayloadSize == 1232)
        #expect(reply.edns?.dnssecOK == true)
        #expect(reply.edns?.version == 0)
        let plain = try #require(ask(engine, "web.internal.corp.", .A))
        #expect(plain.edns == nil)
    }

    @Test func ednsVersion1GetsBADVERS() throws {
        let reply = try #require(ask(engine, "web.internal.corp.", .A, edns: EDNS(version: 1)))
        #expect(reply.rcode == .badVers)
        #expect(reply.answers.isEmpty)
        #expect(reply.edns?.version == 0)
    }

    @Test func unknownOptionsAndFlagsAreIgnored() throws {
        let edns = EDNS(udpPayloadSize: 1232, otherFlags: 0x4000, options: [EDNS.Option(code: 65000, data: [1, 2, 3])])
        let reply = try #require(ask(engine, "web.internal.corp.", .A, edns: edns))
        #expect(reply.rcode == .noError)
        #expect(reply.answers.count == 1)
        #expect(reply.edns?.options == [])
        #expect(reply.edns?.otherFlags == 0)
    }

    @Test func bigAnswerTruncatesOverUDPAndFitsOverTCP() throws {
        let udp = try #require(ask(engine, "big.internal.corp.", .TXT))
        #expect(udp.header.truncated)
        let udpEDNS = try #require(ask(engine, "big.internal.corp.", .TXT, edns: EDNS(udpPayloadSize: 1232)))
        #expect(udpEDNS.header.truncated)
        let tcp = try #require(ask(engine, "big.internal.corp.", .TXT, transport: .tcp))
        #expect(!tcp.header.truncated)
        #expect(tcp.answers.count == 3)
        // Without EDNS a UDP reply never exceeds 512 octets (RFC 1035 §4.2.1).
        let query = Message(header: Header(id: 1), questions: [Question(name: name("big.internal.corp."), type: .TXT)])
        guard case .reply(let bytes) = engine.respond(to: query.encode(), context: QueryContext(transport: .udp, clientAddress: loopback))
        else { Issue.record("no reply"); return }
        #expect(bytes.count <= 512)
    }

    @Test func refusedClientGetsNoData() throws {
        let narrowed = QueryEngine(zones: ZoneSet([corp]), accessControl: AccessControlList([CIDR(parsing: "127.0.0.1/32")!]))
        let reply = try #require(ask(narrowed, "web.internal.corp.", .A, client: [127, 0, 0, 2]))
        #expect(reply.rcode == .refused)
        #expect(reply.answers.isEmpty && reply.authority.isEmpty && reply.additional.isEmpty)
        #expect(reply.questions.first?.name.text == "web.internal.corp.")
        let allowed = try #require(ask(narrowed, "web.internal.corp.", .A, client: [127, 0, 0, 1]))
        #expect(allowed.rcode == .noError)
    }

    @Test func defaultACLIsPrivateNetworksOnly() {
        let acl = AccessControlList.privateNetworks
        #expect(acl.allows([127, 0, 0, 1]))
        #expect(acl.allows([10, 1, 2, 3]))
        #expect(acl.allows([172, 31, 255, 255]))
        #expect(!acl.allows([172, 32, 0, 1]))
        #expect(acl.allows([100, 64, 0, 1]))
        #expect(!acl.allows([8, 8, 8, 8]))
        #expect(acl.allows(IPv6Address(text: "::1")!.array))
        #expect(acl.allows(IPv6Address(text: "fd00::1")!.array))
        #expect(acl.allows(IPv6Address(text: "::ffff:10.0.0.1")!.array))
        #expect(!acl.allows(IPv6Address(text: "2001:db8::1")!.array))
        #expect(CIDR(parsing: "10.1.2.3/8")?.description == "10.0.0.0/8")
        #expect(CIDR(parsing: "10.0.0.0/33") == nil)
    }

    func raw(_ bytes: [UInt8]) -> QueryOutcome {
        engine.respond(to: bytes, context: QueryContext(transport: .udp, clientAddress: loopback))
    }

    @Test func malformedInput() throws {
        #expect(raw([]) == .drop)
        #expect(raw([1, 2, 3]) == .drop)
        // A response (QR=1) is never answered.
        var response = Message(header: Header(id: 7), questions: [Question(name: name("web.internal.corp."), type: .A)])
        response.header.isResponse = true
        #expect(raw(response.encode()) == .drop)
        // Header only, garbage after: FORMERR with the ID.
        guard case .reply(let bytes) = raw([0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 0xFF]) else {
            Issue.record("no FORMERR")
            return
        }
        let reply = try Message(wire: bytes)
        #expect(reply.header.id == 0x1234)
        #expect(reply.rcode == .formErr)
        #expect(reply.header.recursionDesired)
    }

    @Test func opcodeAndCountChecks() throws {
        var notify = Message(header: Header(id: 3), questions: [Question(name: name("internal.corp."), type: .SOA)])
        notify.header.opcode = .notify
        guard case .reply(let a) = raw(notify.encode()) else { Issue.record("no reply"); return }
        #expect(try Message(wire: a).rcode == .notImp)
        let two = Message(
            header: Header(id: 4),
            questions: [Question(name: name("web.internal.corp."), type: .A), Question(name: name("db.internal.corp."), type: .A)])
        guard case .reply(let b) = raw(two.encode()) else { Issue.record("no reply"); return }
        #expect(try Message(wire: b).rcode == .formErr)
        let none = Message(header: Header(id: 5))
        guard case .reply(let c) = raw(none.encode()) else { Issue.record("no reply"); return }
        #expect(try Message(wire: c).rcode == .formErr)
        let axfr = try #require(ask(engine, "internal.corp.", .AXFR))
        #expect(axfr.rcode == .refused)
    }

    @Test func unknownTypeGetsNoData() throws {
        let reply = try #require(ask(engine, "web.internal.corp.", RRType(65000)))
        #expect(reply.rcode == .noError)
        #expect(reply.answers.isEmpty)
        #expect(reply.authority.count == 1)
    }
}
