// SPDX-License-Identifier: Apache-2.0
import DNSCore
import DNSEngine

/// Cache hits for plain queries, served from the wire form without building a message: first from
/// the worker's own copy (`WorkerCache`), then from the shared cache.
/// What the cache had for a plain query.
public enum CachedReply: Equatable {
    /// The response is in the output buffer, this many octets long.
    case written(Int)
    /// Neither this worker's copy nor the shared cache holds it: `Forwarder.resolveMiss` next.
    case miss
    /// Held, but the general path must answer (too big for the client: it truncates).
    case general
}

extension Forwarder {
    /// Answers a plain forwarded query straight from the cache into `out`: the header and question
    /// from the query, the cached sections with their TTLs counted down, OPT when asked. Looks in
    /// this worker's copy, then in the shared cache, each once. `scope`: the upstream group's the
    /// question is routed to.
    public func answerFromCache(
        _ query: UnsafeRawBufferPointer, _ view: QuestionView, scope: UInt32, limit: Int, into out: UnsafeMutableRawBufferPointer
    ) -> CachedReply {
        let now = io.now
        let fingerprint = CacheKey.fingerprint(
            nameHash: view.nameHash, type: view.qtype, qclass: 1, dnssecOK: view.dnssecOK, scope: scope)
        local.sync(with: cache)
        // From this worker's copy: `hit` is nil on a miss there, `.some(nil)` when the entry is there
        // but the general path must answer (too big for the client).
        let hit = local.withEntry(
            fingerprint: fingerprint, query, 12, view.nameEnd, type: view.qtype, dnssecOK: view.dnssecOK, now: now
        ) { wire, storedAt, rcode in
            write(wire, rcode: rcode, storedAt: storedAt, query, view, limit: limit, into: out, now: now)
        }
        if let hit {
            guard let length = hit else { return .general }
            stats.cacheHits += 1
            return .written(length)
        }
        guard let entry = cache.freshEntry(
            question: query, 12, view.nameEnd, type: view.qtype, dnssecOK: view.dnssecOK, scope: scope, now: now,
            fingerprint: fingerprint)
        else { return .miss }
        local.remember(entry, fingerprint: fingerprint, type: view.qtype, dnssecOK: view.dnssecOK, now: now)
        guard entry.rcode.rawValue <= 15, let wire = entry.packed,
            let length = write(
                wire, rcode: UInt8(entry.rcode.rawValue), storedAt: entry.storedAt, query, view, limit: limit, into: out, now: now)
        else { return .general }
        stats.cacheHits += 1
        return .written(length)
    }

    /// Whether this worker's cache holds nothing yet: then prefetching for it is wasted work.
    public var workerCacheIsEmpty: Bool { local.isEmpty }

    /// Starts loading the worker-cache slots a hit for this question reads first. With
    /// `prefetchCachedAnswer` over a whole batch, a batch's cache misses overlap. Hints only: the
    /// route is not known yet, so `scope` is the default upstreams', where most names go.
    @inline(__always)
    public func prefetchCacheSlots(_ view: QuestionView, scope: UInt32) {
        local.prefetchSets(
            fingerprint: CacheKey.fingerprint(nameHash: view.nameHash, type: view.qtype, qclass: 1, dnssecOK: view.dnssecOK, scope: scope))
    }

    /// Starts loading the cached answer the slots `prefetchCacheSlots` loaded point to.
    @inline(__always)
    public func prefetchCachedAnswer(_ view: QuestionView, scope: UInt32) {
        local.prefetchWire(
            fingerprint: CacheKey.fingerprint(nameHash: view.nameHash, type: view.qtype, qclass: 1, dnssecOK: view.dnssecOK, scope: scope))
    }

    /// Writes the response to a plain query from a cached wire form; nil when it does not fit the
    /// client (the general path then truncates).
    func write(
        _ body: PackedWire, rcode: UInt8, storedAt: Double, _ query: UnsafeRawBufferPointer, _ view: QuestionView, limit: Int,
        into out: UnsafeMutableRawBufferPointer, now: Double
    ) -> Int? {
        let total = view.questionEnd + body.byteCount + (view.edns ? EDNSRecord.size : 0)
        guard total <= min(limit, out.count) else { return nil }
        // A plain query: opcode QUERY, so only RD and CD carry over from its flags.
        return ResponseBuilder.writeCached(
            into: out, id: UInt16(query[0]) << 8 | UInt16(query[1]), queryFlags: UInt16(query[2] & 0x01) << 8 | UInt16(query[3] & 0x10),
            question: UnsafeRawBufferPointer(rebasing: query[Header.size..<view.questionEnd]), rcode: rcode, storedAt: storedAt,
            body: body, now: now, edns: view.edns ? (dnssecOK: view.dnssecOK, payload: settings.udpPayloadSize) : nil)
    }
}
