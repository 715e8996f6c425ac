// SPDX-License-Identifier: Apache-2.0
import DNSCore
import DNSEngine
import Testing

@testable import DNSForwarder

func name(_ text: String) -> DNSName { try! DNSName(parsing: text) }

let first = Upstream(ip: [127, 0, 0, 11], port: 53)
let second = Upstream(ip: [127, 0, 0, 12], port: 53)

func request(_ qname: String, _ type: RRType = .A, group: [Upstream] = [first, second], edns: Bool = true, id: UInt16 = 99,
    prefix: [ResourceRecord] = [], limit: Int = 1232) -> ForwardRequest {
    var header = Header(id: id)
    header.recursionDesired = true
    let question = Question(name: name(qname), type: type)
    let query = Message(header: header, questions: [question], edns: edns ? EDNS(udpPayloadSize: 1232) : nil)
    return ForwardRequest(query: query, question: question, upstreams: UpstreamGroup(group), prefix: prefix, sizeLimit: limit)
}

func a(_ owner: String, _ ip: UInt8, ttl: UInt32 = 300) -> ResourceRecord {
    ResourceRecord(name: name(owner), type: .A, ttl: ttl, rdata: .a(IPv4Address(192, 0, 2, ip)))
}

/// The question name's hash, as the fast path hands it over.
func nameHash(_ text: String) -> UInt64 {
    name(text).wire.withUnsafeBytes { WireNameHash.hash($0, 0, $0.count) }
}

func soa(_ zone: String, ttl: UInt32 = 3600, minimum: UInt32 = 60) -> ResourceRecord {
    ResourceRecord(name: name(zone), type: .SOA, ttl: ttl, rdata: .soa(SOAData(mname: name("ns.\(zone)"),
        rname: name("hostmaster.\(zone)"), serial: 1, refresh: 2, retry: 3, expire: 4, minimum: minimum)))
}

/// Collects what the forwarder replied.
final class Replies {
    var messages: [Message] = []
    var sources: [AnswerSource] = []
    /// How each answer's upstream was asked (nil: not from an upstream).
    var askedOver: [QueryContext.Transport?] = []
    func sink() -> ForwardReply {
        { bytes, source, transport in
            self.messages.append(try! Message(wire: bytes))
            self.sources.append(source)
            self.askedOver.append(transport)
        }
    }
    var last: Message { messages.last! }
}

func makeForwarder(_ policy: CachePolicy = CachePolicy(), settings: ForwarderSettings = ForwarderSettings()) -> (Forwarder, ScriptedIO) {
    let io = ScriptedIO()
    return (Forwarder(io: io, cache: ResponseCache(policy: policy), settings: settings), io)
}

@Suite struct ForwarderTests {
    /// The upstream query is written straight to wire form: the same octets `Message.encode` gives.
    @Test(arguments: [("WWW.Example.com.", RRType.A, false), ("_sip._tcp.example.org.", .SRV, true), (".", .NS, false)])
    func upstreamQueryIsTheEncodedMessage(_ qname: String, _ type: RRType, _ dnssecOK: Bool) {
        let (forwarder, _) = makeForwarder(settings: ForwarderSettings(udpPayloadSize: 1400))
        var header = Header(id: 0xBEEF)
        header.recursionDesired = true
        let question = Question(name: name(qname), type: type)
        let expected = Message(header: header, questions: [question], edns: EDNS(udpPayloadSize: 1400, dnssecOK: dnssecOK)).encode()
        #expect(forwarder.upstreamQuery(id: 0xBEEF, question: question, dnssecOK: dnssecOK) == expected)
    }

    @Test func answerThenCacheHitWithCountedDownTTL() throws {
        let (forwarder, io) = makeForwarder()
        let replies = Replies()
        forwarder.resolve(request("WWW.example.com."), reply: replies.sink())
        #expect(io.exchanges.count == 1)
        let sent = io.exchanges[0]
        #expect(sent.upstream == first)
        #expect(sent.query.header.id != 99)  // a fresh ID upstream
        #expect(sent.query.edns?.udpPayloadSize == 1232)
        sent.answer([a("www.example.com.", 1)], additional: [a("evil.example.net.", 66)])
        #expect(replies.last.header.id == 99)
        #expect(replies.last.answers.map(\.description) == ["WWW.example.com.\t300\tIN\tA\t192.0.2.1"])
        #expect(replies.last.additional.isEmpty)
        #expect(!replies.last.header.authoritative && replies.last.header.recursionAvailable)
        io.advance(by: 100)
        forwarder.resolve(request("www.EXAMPLE.com.", id: 100), reply: replies.sink())
        #expect(io.exchanges.count == 1)  // no second upstream query
        #expect(replies.last.header.id == 100)
        #expect(replies.last.answers.map(\.ttl) == [200])
        #expect(replies.last.questions[0].name.text == "www.EXAMPLE.com.")
        #expect(forwarder.stats.cacheHits == 1)
        #expect(replies.sources == [.upstream, .cache])
        #expect(replies.askedOver == [.udp, nil])  // how its upstream was asked, for the query log
        io.advance(by: 201)
        forwarder.resolve(request("www.example.com."), reply: replies.sink())
        #expect(io.exchanges.count == 2)  // expired
    }

    @Test func nxdomainIsCachedForTheSOADerivedTTL() {
        let (forwarder, io) = makeForwarder()
        let replies = Replies()
        forwarder.resolve(request("nope.example.com."), reply: replies.sink())
        io.exchanges[0].answer([], rcode: .nxDomain, authority: [soa("example.com.", ttl: 3600, minimum: 60)])
        #expect(replies.last.rcode == .nxDomain)
        #expect(replies.last.authority.map(\.ttl) == [60])
        io.advance(by: 30)
        forwarder.resolve(request("nope.example.com."), reply: replies.sink())
        #expect(io.exchanges.count == 1)
        #expect(replies.last.rcode == .nxDomain && replies.last.authority.map(\.ttl) == [30])
        io.advance(by: 31)
        forwarder.resolve(request("nope.example.com."), reply: replies.sink())
        #expect(io.exchanges.count == 2)
    }

    @Test func nodataWithoutSOAIsNotCached() {
        let (forwarder, io) = makeForwarder()
        let replies = Replies()
        forwarder.resolve(request("x.example.com.", .AAAA), reply: replies.sink())
        io.exchanges[0].answer([])
        forwarder.resolve(request("x.example.com.", .AAAA), reply: replies.sink())
        #expect(io.exchanges.count == 2)
    }

    @Test func identicalQueriesInFlightAreCoalesced() {
        let (forwarder, io) = makeForwarder()
        let replies = Replies()
        forwarder.resolve(request("api.example.com.", id: 1), reply: replies.sink())
        forwarder.resolve(request("API.example.com.", id: 2), reply: replies.sink())
        forwarder.resolve(request("api.example.com.", .AAAA, id: 3), reply: replies.sink())
        #expect(io.exchanges.count == 2)
        io.exchanges[0].answer([a("api.example.com.", 7)])
        #expect(replies.messages.map(\.header.id) == [1, 2])
        #expect(forwarder.stats.coalesced == 1)
    }

    @Test func silentFirstUpstreamFailsOverThenFailsBack() {
        let (forwarder, io) = makeForwarder(settings: ForwarderSettings(timeout: 1, deadline: 3, probeInterval: 0.5))
        let replies = Replies()
        forwarder.resolve(request("a.example.com."), reply: replies.sink())
        io.advance(by: 1.0)  // first times out
        #expect(io.open.map(\.upstream) == [second])
        io.open[0].answer([a("a.example.com.", 1)])
        #expect(replies.last.rcode == .noError)
        #expect(forwarder.downUpstreams == [first])
        // While the first is down, queries go straight to the second.
        forwarder.resolve(request("b.example.com."), reply: replies.sink())
        #expect(io.open.last?.upstream == second)
        io.open.last!.answer([a("b.example.com.", 2)])
        // The probe reaches the first after 0.5 s; it answers, and is used first again.
        io.advance(by: 0.6)
        let probe = io.open.first { $0.upstream == first }!
        #expect(probe.query.questions[0].name == .root)
        probe.answer([], rcode: .refused)
        #expect(forwarder.downUpstreams.isEmpty)
        forwarder.resolve(request("c.example.com."), reply: replies.sink())
        #expect(io.open.last?.upstream == first)
    }

    @Test func allSilentGivesSERVFAILWithinTheDeadline() {
        let (forwarder, io) = makeForwarder(settings: ForwarderSettings(timeout: 1, deadline: 3))
        let replies = Replies()
        let start = io.now
        forwarder.resolve(request("dead.example.com."), reply: replies.sink())
        io.advance(by: 2.5)
        #expect(replies.messages.count == 1)
        #expect(replies.last.rcode == .servFail)
        #expect(io.now - start <= 3)
        #expect(forwarder.pendingCount == 0)
        // Remembered briefly: the next client gets SERVFAIL without another upstream query.
        let sent = io.exchanges.filter { $0.query.questions[0].name == name("dead.example.com.") }.count
        forwarder.resolve(request("dead.example.com."), reply: replies.sink())
        #expect(io.exchanges.filter { $0.query.questions[0].name == name("dead.example.com.") }.count == sent)
        #expect(replies.last.rcode == .servFail)
    }

    @Test func deadlineCutsASlowChain() {
        let (forwarder, io) = makeForwarder(settings: ForwarderSettings(timeout: 2, deadline: 3))
        let replies = Replies()
        forwarder.resolve(request("slow.example.com.", group: [first, second, Upstream(ip: [127, 0, 0, 13], port: 53)]),
            reply: replies.sink())
        io.advance(by: 3.0)
        #expect(replies.messages.map(\.rcode) == [.servFail])
    }

    @Test func spoofedRepliesAreIgnored() {
        let (forwarder, io) = makeForwarder()
        let replies = Replies()
        forwarder.resolve(request("bank.example.com."), reply: replies.sink())
        let exchange = io.exchanges[0]
        let wrongIDs = (0..<11).map { exchange.query.header.id &+ 1 &+ UInt16($0) }
        for wrong in wrongIDs {
            #expect(!exchange.answer([a("bank.example.com.", 66)], id: wrong))
        }
        // Right ID, other question.
        var other = Message(header: Header(id: exchange.query.header.id), questions: [Question(name: name("evil.example.com."), type: .A)])
        other.header.isResponse = true
        #expect(!exchange.deliver(other))
        #expect(replies.messages.isEmpty)
        #expect(forwarder.stats.ignoredReplies == 12)
        exchange.answer([a("bank.example.com.", 1)])
        #expect(replies.last.answers.map(\.rdata) == [.a(IPv4Address(192, 0, 2, 1))])
    }

    @Test func aFloodOfSpoofedRepliesMovesTheQuestionToTCP() {
        let (forwarder, io) = makeForwarder()
        let replies = Replies()
        forwarder.resolve(request("bank.example.com."), reply: replies.sink())
        let udp = io.exchanges[0]
        for i in 1..<Forwarder.spoofingSuspected {
            #expect(!udp.answer([a("bank.example.com.", 66)], id: udp.query.header.id &+ UInt16(i)))
        }
        #expect(io.exchanges.count == 1)
        // The last straw ends the UDP exchange; the same upstream is asked over TCP.
        #expect(udp.answer([a("bank.example.com.", 66)], id: udp.query.header.id &+ 0x100))
        #expect(io.exchanges.count == 2 && io.exchanges[1].overTCP && io.exchanges[1].upstream == first)
        io.exchanges[1].answer([a("bank.example.com.", 1)])
        #expect(replies.last.answers.map(\.rdata) == [.a(IPv4Address(192, 0, 2, 1))])
        #expect(forwarder.stats.spoofingRetries == 1 && forwarder.stats.ignoredReplies == Forwarder.spoofingSuspected)
    }

    @Test func truncatedReplyIsRetriedOverTCP() {
        let (forwarder, io) = makeForwarder()
        let replies = Replies()
        forwarder.resolve(request("big.example.com.", .TXT), reply: replies.sink())
        io.exchanges[0].answer([], truncated: true)
        #expect(io.exchanges.count == 2 && io.exchanges[1].overTCP && io.exchanges[1].upstream == first)
        let txt = ResourceRecord(name: name("big.example.com."), type: .TXT, ttl: 60, rdata: .txt([[UInt8](repeating: 65, count: 200)]))
        io.exchanges[1].answer(Array(repeating: txt, count: 1))
        #expect(replies.last.answers.count == 1 && !replies.last.header.truncated)
    }

    @Test func servfailFromOneUpstreamTriesTheNext() {
        let (forwarder, io) = makeForwarder()
        let replies = Replies()
        forwarder.resolve(request("x.example.com."), reply: replies.sink())
        io.exchanges[0].answer([], rcode: .servFail)
        #expect(io.exchanges.count == 2 && io.exchanges[1].upstream == second)
        io.exchanges[1].answer([a("x.example.com.", 3)])
        #expect(replies.last.rcode == .noError)
    }

    @Test func upstreamNXDOMAINIsPassedThroughNotRetried() {
        let (forwarder, io) = makeForwarder()
        let replies = Replies()
        forwarder.resolve(request("gone.example.com."), reply: replies.sink())
        io.exchanges[0].answer([], rcode: .nxDomain, authority: [soa("example.com.")])
        #expect(io.exchanges.count == 1)
        #expect(replies.last.rcode == .nxDomain)
    }

    @Test func serveStaleWhenEveryUpstreamFails() {
        let (forwarder, io) = makeForwarder(CachePolicy(serveStale: true), settings: ForwarderSettings(timeout: 1, deadline: 3))
        let replies = Replies()
        forwarder.resolve(request("old.example.com."), reply: replies.sink())
        io.exchanges[0].answer([a("old.example.com.", 9, ttl: 10)])
        io.advance(by: 20)
        forwarder.resolve(request("old.example.com."), reply: replies.sink())
        io.advance(by: 3)
        #expect(replies.last.rcode == .noError)
        #expect(replies.last.answers.map(\.ttl) == [30])  // RFC 8767 §4
        #expect(forwarder.stats.staleServed == 1)
        #expect(replies.sources.last == .stale)
    }

    @Test func cnameChainIsKeptAndOtherNamesAreScrubbed() {
        let (forwarder, io) = makeForwarder()
        let replies = Replies()
        let cname = ResourceRecord(name: name("www.example.com."), type: .CNAME, ttl: 300, rdata: .cname(name("cdn.example.net.")))
        forwarder.resolve(request("www.example.com."), reply: replies.sink())
        io.exchanges[0].answer([cname, a("cdn.example.net.", 5, ttl: 20), a("unrelated.example.org.", 6)],
            authority: [ResourceRecord(name: name("example.com."), type: .NS, ttl: 300, rdata: .ns(name("ns.evil.")))])
        #expect(replies.last.answers.map(\.name.text) == ["www.example.com.", "cdn.example.net."])
        #expect(replies.last.authority.isEmpty)
        io.advance(by: 10)
        forwarder.resolve(request("www.example.com."), reply: replies.sink())
        #expect(replies.last.answers.map(\.ttl) == [290, 10])
    }

    @Test func privateCNAMEPrefixComesFirst() {
        let (forwarder, io) = makeForwarder()
        let replies = Replies()
        let prefix = ResourceRecord(name: name("ext.internal.corp."), type: .CNAME, ttl: 300, rdata: .cname(name("www.example.com.")))
        var r = request("www.example.com.", prefix: [prefix])
        r.query.questions = [Question(name: name("ext.internal.corp."), type: .A)]
        forwarder.resolve(r, reply: replies.sink())
        #expect(io.exchanges[0].query.questions[0].name == name("www.example.com."))
        io.exchanges[0].answer([a("www.example.com.", 8)])
        #expect(replies.last.questions[0].name == name("ext.internal.corp."))
        #expect(replies.last.answers.map(\.type) == [.CNAME, .A])
    }

    @Test func ttlClampsApply() {
        let (forwarder, io) = makeForwarder(CachePolicy(minTTL: 60, maxTTL: 600))
        let replies = Replies()
        forwarder.resolve(request("short.example.com."), reply: replies.sink())
        io.exchanges[0].answer([a("short.example.com.", 1, ttl: 5)])
        #expect(replies.last.answers.map(\.ttl) == [60])
        forwarder.resolve(request("long.example.com."), reply: replies.sink())
        io.exchanges[1].answer([a("long.example.com.", 1, ttl: 86400)])
        #expect(replies.last.answers.map(\.ttl) == [600])
    }

    @Test func bigAnswerTruncatesForUDPClients() {
        let (forwarder, io) = makeForwarder()
        let replies = Replies()
        forwarder.resolve(request("many.example.com.", edns: false, limit: 512), reply: replies.sink())
        io.exchanges[0].answer((1...60).map { a("many.example.com.", UInt8($0)) })
        #expect(replies.last.header.truncated)
        forwarder.resolve(request("many.example.com.", edns: false, limit: 65535), reply: replies.sink())
        #expect(replies.last.answers.count == 60 && !replies.last.header.truncated)
    }

    @Test func inFlightCapGivesSERVFAIL() {
        let (forwarder, io) = makeForwarder(settings: ForwarderSettings(maxInFlight: 2))
        let replies = Replies()
        for i in 0..<3 { forwarder.resolve(request("n\(i).example.com."), reply: replies.sink()) }
        #expect(io.exchanges.count == 2)
        #expect(replies.messages.map(\.rcode) == [.servFail])
    }

    @Test func waitersOnOneQuestionAreCapped() {
        let (forwarder, io) = makeForwarder()
        let replies = Replies()
        for _ in 0..<(Forwarder.maxWaitersPerQuestion + 5) {
            forwarder.resolve(request("hot.example.com."), reply: replies.sink())
        }
        #expect(io.exchanges.count == 1)
        #expect(replies.messages.map(\.rcode) == Array(repeating: .servFail, count: 5))
        io.exchanges[0].answer([a("hot.example.com.", 1)])
        #expect(replies.messages.count == Forwarder.maxWaitersPerQuestion + 5)
        #expect(replies.messages.suffix(Forwarder.maxWaitersPerQuestion).allSatisfy { $0.answers.count == 1 })
    }
}

@Suite struct ResponseCacheTests {
    @Test func lruEvictsTheColdestEntry() {
        let cache = ResponseCache(policy: CachePolicy(maxEntries: 2), shardCount: 1)
        let entry = CachedAnswer(kind: .positive, rcode: .noError, answers: [a("x.", 1)], authority: [], storedAt: 0, ttl: 100)
        let k1 = CacheKey(name: name("one."), type: .A)
        let k2 = CacheKey(name: name("two."), type: .A)
        let k3 = CacheKey(name: name("three."), type: .A)
        cache.store(k1, entry)
        cache.store(k2, entry)
        _ = cache.lookup(k1, now: 1)  // one is now warmer than two
        cache.store(k3, entry)
        #expect(cache.lookup(k2, now: 1) == .miss)
        #expect(cache.lookup(k1, now: 1) != .miss)
        #expect(cache.lookup(k3, now: 1) != .miss)
        #expect(cache.count == 2 && cache.evictions == 1)
    }

    @Test func byteBudgetIsEnforced() {
        let cache = ResponseCache(policy: CachePolicy(maxEntries: 1000, maxBytes: 2000), shardCount: 1)
        for i in 0..<100 {
            let entry = CachedAnswer(kind: .positive, rcode: .noError, answers: [a("n\(i).example.", 1)], authority: [], storedAt: 0, ttl: 100)
            cache.store(CacheKey(name: name("n\(i).example."), type: .A), entry)
        }
        #expect(cache.bytes <= 2000)
        #expect(cache.count < 100 && cache.count > 5)
    }

    @Test func keyIncludesTheDOBitAndIgnoresCase() {
        let cache = ResponseCache(policy: CachePolicy())
        let entry = CachedAnswer(kind: .positive, rcode: .noError, answers: [], authority: [], storedAt: 0, ttl: 100)
        // Another upstream group's answer for the same question is another entry (views never share one).
        cache.store(CacheKey(name: name("scoped.example."), type: .A, scope: 7), entry)
        #expect(cache.lookup(CacheKey(name: name("scoped.example."), type: .A, scope: 7), now: 1) != .miss)
        #expect(cache.lookup(CacheKey(name: name("scoped.example."), type: .A, scope: 8), now: 1) == .miss)
        let scoped = name("scoped.example.").wire
        scoped.withUnsafeBytes { bytes in
            #expect(cache.freshEntry(question: bytes, 0, bytes.count, type: 1, dnssecOK: false, scope: 7, now: 1) != nil)
            #expect(cache.freshEntry(question: bytes, 0, bytes.count, type: 1, dnssecOK: false, scope: 8, now: 1) == nil)
        }
        cache.store(CacheKey(name: name("A.example."), type: .A, dnssecOK: false), entry)
        #expect(cache.lookup(CacheKey(name: name("a.EXAMPLE."), type: .A, dnssecOK: false), now: 1) != .miss)
        #expect(cache.lookup(CacheKey(name: name("a.example."), type: .A, dnssecOK: true), now: 1) == .miss)
    }

    @Test func purgeDropsNamesBelowADomain() {
        let cache = ResponseCache(policy: CachePolicy())
        let entry = CachedAnswer(kind: .positive, rcode: .noError, answers: [], authority: [], storedAt: 0, ttl: 100)
        cache.store(CacheKey(name: name("a.corp.example."), type: .A), entry)
        cache.store(CacheKey(name: name("b.other.example."), type: .A), entry)
        cache.purge(below: name("corp.example."))
        #expect(cache.count == 1)
    }
}

/// What the pipeline does for a plain query routed upstream: the question parsed once, then the cache.
/// `scope`: the upstream group's (`request`'s default group unless given).
func cached(
    _ forwarder: Forwarder, _ wire: [UInt8], scope: UInt32 = UpstreamGroup([first, second]).cacheScope,
    into out: UnsafeMutableRawBufferPointer
) -> CachedReply {
    let scratch = QuestionScratch(slots: 1)
    return wire.withUnsafeBytes {
        forwarder.answerFromCache($0, QuestionView.parse($0, slot: 0, in: scratch), scope: scope, limit: 1232, into: out)
    }
}

@Suite struct CacheFastPathTests {
    /// Serving from the cached wire form gives the same response as the general path.
    @Test func wireAnswerEqualsTheBuiltOne() throws {
        let (forwarder, io) = makeForwarder()
        let replies = Replies()
        let cname = ResourceRecord(name: name("www.example.com."), type: .CNAME, ttl: 300, rdata: .cname(name("cdn.example.net.")))
        forwarder.resolve(request("www.example.com."), reply: replies.sink())
        io.exchanges[0].answer([cname, a("cdn.example.net.", 5, ttl: 120)])
        forwarder.resolve(request("nx.example.com."), reply: replies.sink())
        io.exchanges[1].answer([], rcode: .nxDomain, authority: [soa("example.com.", ttl: 3600, minimum: 90)])
        io.advance(by: 7)
        let out = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 8)
        defer { out.deallocate() }
        for (qname, edns) in [("WWW.example.COM.", true), ("www.example.com.", false), ("NX.example.com.", true)] {
            let r = request(qname, edns: edns, id: 4242)
            let wire = r.query.encode()
            guard case .written(let length) = cached(forwarder, wire, into: out) else {
                Issue.record("\(qname) should be answered from the cache")
                continue
            }
            let fast = try Message(wire: Array(UnsafeRawBufferPointer(rebasing: out[0..<length])))
            forwarder.resolve(r, reply: replies.sink())
            #expect(fast == replies.last, "\(qname)")
            #expect(fast.answers.first.map { $0.ttl < 300 } ?? true)
            // Both wire paths agree with the general builder, byte for byte once decoded.
            let key = CacheKey(
                name: r.question.name, type: r.question.type, qclass: r.question.qclass, dnssecOK: false, scope: r.upstreams.cacheScope)
            guard case .fresh(let entry) = forwarder.cache.lookup(key, now: io.now) else {
                Issue.record("\(qname) should be cached")
                continue
            }
            let aged = entry.aged(at: io.now)
            let built = try Message(wire: ResponseBuilder.build(r, rcode: entry.rcode, answers: aged.answers, authority: aged.authority))
            let fromWire = try Message(wire: try #require(ResponseBuilder.fromWire(r, entry: entry, now: io.now)))
            #expect(fromWire == built, "\(qname)")
            #expect(fast == built, "\(qname)")
        }
        // A miss is not answered.
        let miss = request("other.example.com.")
        #expect(cached(forwarder, miss.query.encode(), into: out) == .miss)
        // Nor is a question routed to other upstreams (another view's rule): their answer may differ.
        let elsewhere = UpstreamGroup([second]).cacheScope
        #expect(elsewhere != UpstreamGroup([first, second]).cacheScope && elsewhere == UpstreamGroup([second]).cacheScope)
        #expect(cached(forwarder, request("www.example.com.", id: 4243).query.encode(), scope: elsewhere, into: out) == .miss)
    }

    /// A miss looks in the shared cache once: the cache stage's look-up, then straight upstream
    /// (`resolveMiss`), never a second look-up of the same key.
    @Test func aMissLooksInTheSharedCacheOnce() throws {
        let (forwarder, io) = makeForwarder()
        let replies = Replies()
        let out = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 8)
        defer { out.deallocate() }
        let r = request("cold.example.com.")
        let before = forwarder.cache.lookups
        #expect(cached(forwarder, r.query.encode(), into: out) == .miss)
        forwarder.resolveMiss(r, reply: replies.sink())
        io.exchanges[0].answer([a("cold.example.com.", 3)])
        #expect(replies.last.answers.count == 1)
        #expect(forwarder.cache.lookups - before == 1)
        // The general path's own `resolve` looks once too: it is the only cache stage it has.
        let other = request("other.example.com.")
        let middle = forwarder.cache.lookups
        forwarder.resolve(other, reply: replies.sink())
        #expect(forwarder.cache.lookups - middle == 1)
    }

    /// The worker's own copy serves hot names without the shared cache, forgets on a purge, and
    /// never serves an expired entry.
    @Test func workerCopyServesUntilPurgeOrExpiry() throws {
        let (forwarder, io) = makeForwarder()
        let replies = Replies()
        forwarder.resolve(request("hot.example.com."), reply: replies.sink())
        io.exchanges[0].answer([a("hot.example.com.", 7, ttl: 60)])
        let out = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 8)
        defer { out.deallocate() }
        func ask(_ qname: String) -> Message? {
            let wire = request(qname, id: 7).query.encode()
            guard case .written(let length) = cached(forwarder, wire, into: out) else { return nil }
            return try? Message(wire: Array(UnsafeRawBufferPointer(rebasing: out[0..<length])))
        }
        #expect(ask("hot.example.com.")?.answers.count == 1)  // from the shared cache; now copied
        // From the copy: the name matches without case and takes the asker's spelling.
        #expect(ask("HOT.example.COM.")?.answers.map(\.name.text) == ["HOT.example.COM."])
        io.advance(by: 30)
        #expect(ask("hot.example.com.")?.answers.first?.ttl == 30)
        // A purge (a reload re-routed the name) reaches every worker's copy.
        forwarder.cache.purge(below: name("example.com."))
        #expect(ask("hot.example.com.") == nil)
        // Expiry: refilled, then past its TTL it is not served.
        forwarder.resolve(request("hot.example.com."), reply: replies.sink())
        io.exchanges.last!.answer([a("hot.example.com.", 7, ttl: 5)])
        #expect(ask("hot.example.com.") != nil)
        io.advance(by: 6)
        #expect(ask("hot.example.com.") == nil)
    }
}
