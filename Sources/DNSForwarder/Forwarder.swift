// SPDX-License-Identifier: Apache-2.0
import DNSCore
import DNSEngine

/// Timeouts and limits of forwarding.
public struct ForwarderSettings: Sendable {
    /// Seconds to wait for one upstream before trying the next.
    public var timeout: Double
    /// Seconds after which the client gets SERVFAIL (or a stale answer) when nothing answered.
    public var deadline: Double
    /// Upstream queries outstanding at once (per worker); past it clients get SERVFAIL at once.
    public var maxInFlight: Int
    /// EDNS payload size we advertise upstream (RFC 6891 §6.2.5).
    public var udpPayloadSize: UInt16
    /// First delay before probing an upstream marked down; doubles up to `maxProbeInterval`.
    public var probeInterval: Double
    public var maxProbeInterval: Double

    public init(
        timeout: Double = 1.0, deadline: Double = 3.0, maxInFlight: Int = 10_000, udpPayloadSize: UInt16 = 1232,
        probeInterval: Double = 0.5, maxProbeInterval: Double = 16
    ) {
        self.timeout = timeout
        self.deadline = deadline
        self.maxInFlight = maxInFlight
        self.udpPayloadSize = udpPayloadSize
        self.probeInterval = probeInterval
        self.maxProbeInterval = maxProbeInterval
    }
}

/// Where a forwarded answer came from.
public enum AnswerSource: String, Sendable {
    case cache, upstream, stale
    /// No answer: SERVFAIL (every upstream failed, the in-flight cap, or a remembered failure).
    case failure
}

/// Hands over a forwarded answer: the response, where it came from, and for an upstream's
/// answer, how that upstream was asked (nil otherwise): the query log names it.
public typealias ForwardReply = (_ response: [UInt8], _ source: AnswerSource, _ askedOver: QueryContext.Transport?) -> Void

/// Counters, for logs and metrics.
public struct ForwarderStats: Sendable, Equatable {
    /// Upper bounds (seconds) of the upstream latency histogram buckets; the last bucket is +Inf.
    public static let latencyBounds: [Double] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]
    /// Accepted upstream replies per latency bucket (one more than the bounds: +Inf).
    public var latencyBuckets = [Int](repeating: 0, count: ForwarderStats.latencyBounds.count + 1)
    public var latencySum = 0.0
    public var cacheHits = 0
    public var cacheMisses = 0
    public var staleServed = 0
    public var coalesced = 0
    /// Queries sent upstream (probes included), by transport (`QueryContext.Transport.rawValue`).
    public var upstreamQueriesByTransport = [Int](repeating: 0, count: QueryContext.Transport.allCases.count)
    public var upstreamFailures = 0
    /// Replies dropped because ID, question or flags did not match (spoofing attempts among them).
    public var ignoredReplies = 0
    public var servfails = 0
    public var tcpRetries = 0
    /// UDP exchanges abandoned for TCP after `Forwarder.spoofingSuspected` unusable replies.
    public var spoofingRetries = 0
    public init() {}
}

/// Resolves forwarded queries for one worker: cache first, then the upstreams in order (or at
/// random), one at a time with a per-try timeout, TC=1 retried over TCP, identical queries in flight
/// coalesced, SERVFAIL (or a stale answer) at the deadline. Runs on the worker's thread only.
public final class Forwarder {
    let io: ForwarderIO
    public let cache: ResponseCache
    public var settings: ForwarderSettings
    public internal(set) var stats = ForwarderStats()
    var inFlight: [CacheKey: Pending] = [:]
    var health: [Upstream: DownState] = [:]
    /// This worker's copy of hot entries in front of the shared cache.
    let local = WorkerCache()
    /// Clients waiting on one upstream question; more asking the same get SERVFAIL until it is answered.
    public static let maxWaitersPerQuestion = 1_000
    /// Unusable replies (wrong ID or question) on one UDP exchange before it moves to TCP.
    public static let spoofingSuspected = 20

    public init(io: ForwarderIO, cache: ResponseCache, settings: ForwarderSettings = ForwarderSettings()) {
        self.io = io
        self.cache = cache
        self.settings = settings
    }

    /// Upstream queries waiting for an answer.
    public var pendingCount: Int { inFlight.count }

    /// Upstreams currently marked down.
    public var downUpstreams: Set<Upstream> { Set(health.keys) }

    /// Answers `request`, from the cache or upstream; `reply` is called exactly once with the
    /// response bytes and their source.
    public func resolve(_ request: ForwardRequest, reply: @escaping ForwardReply) {
        let key = CacheKey(request)
        if case .fresh(let entry) = cache.lookup(key, now: io.now) {
            stats.cacheHits += 1
            let source: AnswerSource = entry.kind == .failure ? .failure : .cache
            if let bytes = ResponseBuilder.fromWire(request, entry: entry, now: io.now) {
                reply(bytes, source, nil)
                return
            }
            let (answers, authority) = entry.aged(at: io.now)
            reply(ResponseBuilder.build(request, rcode: entry.rcode, answers: answers, authority: authority), source, nil)
            return
        }
        resolveMiss(request, key: key, reply: reply)
    }

    /// Answers `request` upstream, without looking in the cache: `answerFromCache` just missed.
    public func resolveMiss(_ request: ForwardRequest, reply: @escaping ForwardReply) {
        resolveMiss(request, key: CacheKey(request), reply: reply)
    }

    private func resolveMiss(_ request: ForwardRequest, key: CacheKey, reply: @escaping ForwardReply) {
        stats.cacheMisses += 1
        if let pending = inFlight[key], pending.waiters.count < Forwarder.maxWaitersPerQuestion {
            stats.coalesced += 1
            pending.waiters.append((request, reply))
            return
        }
        // Past the cap of questions, or of clients waiting on one question (a flood of one name):
        // SERVFAIL now rather than memory without bound.
        guard inFlight[key] == nil, inFlight.count < settings.maxInFlight else {
            stats.servfails += 1
            reply(ResponseBuilder.build(request, rcode: .servFail, answers: [], authority: []), .failure, nil)
            return
        }
        let pending = Pending(key: key, question: request.question, candidates: order(request.upstreams), startedAt: io.now)
        pending.waiters.append((request, reply))
        inFlight[key] = pending
        attempt(pending, at: 0, overTCP: false)
    }

    /// Healthy upstreams first (in order, or shuffled), then those marked down as a last resort.
    func order(_ group: UpstreamGroup) -> [Upstream] {
        if health.isEmpty { return group.policy == .random ? group.upstreams.shuffled() : group.upstreams }
        var healthy = group.upstreams.filter { health[$0] == nil }
        let down = group.upstreams.filter { health[$0] != nil }
        if group.policy == .random { healthy.shuffle() }
        return healthy + down
    }

    private func attempt(_ pending: Pending, at index: Int, overTCP: Bool) {
        guard !pending.done else { return }
        guard index < pending.candidates.count else {
            finish(pending, with: pending.lastResponse)
            return
        }
        // The deadline needs no timer of its own: no try outlives it, and the one it cuts short ends
        // here.
        let remaining = settings.deadline - (io.now - pending.startedAt)
        guard remaining > 0 else {
            finish(pending, with: nil)
            return
        }
        let upstream = pending.candidates[index]
        let transport = upstream.queryTransport(overTCP: overTCP)
        // A connection (and perhaps a handshake) first: twice the time.
        let tryTimeout = settings.timeout * (transport.isStream ? 2 : 1)
        let cutShort = remaining < tryTimeout
        let id = io.randomID()
        let query = upstreamQuery(id: id, question: pending.question, dnssecOK: pending.key.dnssecOK)
        let sentAt = io.now
        stats.upstreamQueriesByTransport[transport.rawValue] += 1
        if overTCP { stats.tcpRetries += 1 }
        var misses = 0
        pending.exchange = io.exchange(
            query, with: upstream, overTCP: overTCP, timeout: min(tryTimeout, remaining),
            // unowned(unsafe): the forwarder outlives every exchange it starts (they run on its worker's
            // loop), and a weak reference would make every retain of it take the slow path.
            onMessage: { [unowned(unsafe) self, weak pending] bytes in
                guard let pending, !pending.done else { return true }
                guard let response = self.accept(bytes, id: id, question: pending.question) else {
                    self.stats.ignoredReplies += 1
                    misses += 1
                    if transport == .udp && misses == Forwarder.spoofingSuspected {
                        // Someone is racing the real reply (and may push it out of the socket's
                        // buffer): ask the same upstream again over TCP, which an off-path forger
                        // cannot inject into (PowerDNS Recursor's "spoof-nearmiss" defence).
                        self.stats.spoofingRetries += 1
                        self.attempt(pending, at: index, overTCP: true)
                        return true
                    }
                    return false
                }
                pending.exchange = nil
                self.markUp(upstream)
                self.observeLatency(self.io.now - sentAt)
                if response.header.truncated && transport == .udp {
                    self.attempt(pending, at: index, overTCP: true)
                } else if response.rcode == .servFail || response.rcode == .refused,
                    index + 1 < pending.candidates.count
                {
                    pending.lastResponse = response
                    pending.answeredOver = transport
                    self.attempt(pending, at: index + 1, overTCP: false)
                } else {
                    pending.answeredOver = transport
                    self.finish(pending, with: response)
                }
                return true
            },
            onFailure: { [unowned(unsafe) self, weak pending] failure in
                guard let pending, !pending.done else { return }
                pending.exchange = nil
                self.stats.upstreamFailures += 1
                // A try the deadline cut short says nothing about the upstream's health.
                if !(cutShort && failure == .timeout) { self.markDown(upstream) }
                self.attempt(pending, at: index + 1, overTCP: false)
            })
    }

    /// A reply is accepted only if it is a response to our ID and our question, names compared
    /// without case (RFC 5452 §9.1). Anything else is ignored and the wait goes on.
    func accept(_ bytes: [UInt8], id: UInt16, question: Question) -> Message? {
        // The ID and QR first, without parsing: a flood of spoofed replies costs a compare each.
        guard bytes.count >= Header.size, UInt16(bytes[0]) << 8 | UInt16(bytes[1]) == id, bytes[2] & 0x80 != 0 else {
            return nil
        }
        guard let message = try? Message(wire: bytes, skippingAdditional: true), message.header.opcode == .query,
            message.questions.count == 1, message.questions[0] == question
        else { return nil }
        return message
    }

    /// The query sent upstream: `id`, RD, the question and an OPT record with our payload size and
    /// the client's DO bit (RFC 1035 §4.1, RFC 6891 §6.1.2), written straight to wire form (what
    /// `Message.encode` gives for it, at a tenth of the cost: this runs once per cache miss).
    func upstreamQuery(id: UInt16, question: Question, dnssecOK: Bool) -> [UInt8] {
        let name = question.name.wire
        let payload = settings.udpPayloadSize
        let size = Header.size + name.count + 4 + 11
        return [UInt8](unsafeUninitializedCapacity: size) { out, count in
            func put(_ value: UInt16, at i: Int) {
                out[i] = UInt8(value >> 8)
                out[i + 1] = UInt8(truncatingIfNeeded: value)
            }
            put(id, at: 0)
            put(0x0100, at: 2)  // RD
            put(1, at: 4)  // QDCOUNT
            put(0, at: 6)
            put(0, at: 8)
            put(1, at: 10)  // ARCOUNT: the OPT
            _ = UnsafeMutableBufferPointer(rebasing: out[Header.size..<Header.size + name.count]).initialize(from: name)
            let q = Header.size + name.count
            put(question.type.rawValue, at: q)
            put(question.qclass.rawValue, at: q + 2)
            out[q + 4] = 0  // OPT: the root,
            put(RRType.OPT.rawValue, at: q + 5)
            put(payload, at: q + 7)  // class: our payload size,
            put(0, at: q + 9)  // TTL: extended RCODE 0, version 0,
            put(dnssecOK ? 0x8000 : 0, at: q + 11)  // DO,
            put(0, at: q + 13)  // no options
            count = size
        }
    }

    /// Replies to every waiter: from the upstream's response, else (all failed) from a stale entry
    /// or with SERVFAIL.
    private func finish(_ pending: Pending, with response: Message?) {
        guard !pending.done else { return }
        pending.done = true
        pending.exchange?.cancel()
        pending.exchange = nil
        inFlight[pending.key] = nil
        let now = io.now
        var entry: CachedAnswer
        var source = AnswerSource.upstream
        if let response {
            let scrubbed = CacheScrubber.entry(for: response, question: pending.question, now: now, policy: cache.policy)
            // The wire form serves the waiters now and cache hits later.
            entry = scrubbed.entry.withWire(
                WireBody(question: pending.question, answers: scrubbed.entry.answers, authority: scrubbed.entry.authority))
            if scrubbed.cacheable { cache.store(pending.key, entry) }
        } else if case .stale(let stale) = cache.lookup(pending.key, now: now) {
            stats.staleServed += pending.waiters.count
            source = .stale
            let aged = stale.aged(at: now, staleTTL: 30)
            entry = CachedAnswer(
                kind: stale.kind, rcode: stale.rcode, answers: aged.answers, authority: aged.authority, storedAt: now,
                ttl: stale.ttl)
        } else {
            entry = CachedAnswer(
                kind: .failure, rcode: .servFail, answers: [], authority: [], storedAt: now, ttl: cache.policy.failureTTL)
            if cache.policy.failureTTL > 0 { cache.store(pending.key, entry) }
            source = .failure
        }
        if entry.rcode == .servFail { stats.servfails += pending.waiters.count }
        let askedOver = source == .upstream ? pending.answeredOver : nil
        for (request, reply) in pending.waiters {
            reply(
                ResponseBuilder.fromWire(request, entry: entry, now: now)
                    ?? ResponseBuilder.build(request, rcode: entry.rcode, answers: entry.answers, authority: entry.authority),
                source, askedOver)
        }
        pending.waiters = []
    }

    private func observeLatency(_ seconds: Double) {
        let bucket = ForwarderStats.latencyBounds.firstIndex { seconds <= $0 } ?? ForwarderStats.latencyBounds.count
        stats.latencyBuckets[bucket] += 1
        stats.latencySum += seconds
    }
}

/// One upstream question in flight and the clients waiting on it.
final class Pending {
    let key: CacheKey
    let question: Question
    let candidates: [Upstream]
    var waiters: [(ForwardRequest, ForwardReply)] = []
    /// How the upstream whose reply is `lastResponse`, or the final one, was asked.
    var answeredOver: QueryContext.Transport?
    var exchange: Cancellable?
    /// When the first try went out; the deadline counts from here.
    let startedAt: Double
    /// A SERVFAIL/REFUSED kept while the next upstream is tried.
    var lastResponse: Message?
    var done = false

    init(key: CacheKey, question: Question, candidates: [Upstream], startedAt: Double) {
        self.key = key
        self.question = question
        self.candidates = candidates
        self.startedAt = startedAt
    }
}
