// SPDX-License-Identifier: Apache-2.0
import DNSCore
import DNSEngine

/// Cache hits for plain queries, served from the wire form without building a message: first from
/// the worker's own copy (`WorkerCache`), then from the shared cache.
extension Forwarder {
    /// Answers a plain forwarded query straight from the cache into `out`: the header and question
    /// from the query, the cached sections with their TTLs counted down, OPT when asked. Returns the
    /// length, or nil on a miss or anything that needs the general path (too big for the client).
    public func answerFromCache(
        _ query: UnsafeRawBufferPointer, _ parts: ForwardableQuery, into out: UnsafeMutableRawBufferPointer
    ) -> Int? {
        let now = io.now
        let fingerprint = CacheKey.fingerprint(nameHash: parts.nameHash, type: parts.qtype, qclass: 1, dnssecOK: parts.dnssecOK)
        local.sync(with: cache)
        // From this worker's copy: `hit` is nil on a miss there, `.some(nil)` when the entry is there
        // but the general path must answer (too big for the client).
        let hit = local.withEntry(
            fingerprint: fingerprint, query, 12, parts.nameEnd, type: parts.qtype, dnssecOK: parts.dnssecOK, now: now
        ) { wire, storedAt, rcode in
            write(wire, rcode: rcode, storedAt: storedAt, query, parts, into: out, now: now)
        }
        if let hit {
            if hit != nil { stats.cacheHits += 1 }
            return hit
        }
        guard let entry = cache.freshEntry(
            question: query, 12, parts.nameEnd, type: parts.qtype, dnssecOK: parts.dnssecOK, now: now,
            fingerprint: fingerprint)
        else { return nil }
        local.remember(entry, fingerprint: fingerprint, type: parts.qtype, dnssecOK: parts.dnssecOK, now: now)
        guard entry.rcode.rawValue <= 15, let wire = entry.packed,
            let length = write(
                wire, rcode: UInt8(entry.rcode.rawValue), storedAt: entry.storedAt, query, parts, into: out, now: now)
        else { return nil }
        stats.cacheHits += 1
        return length
    }

    /// Whether this worker's cache holds nothing yet: then prefetching for it is wasted work.
    public var workerCacheIsEmpty: Bool { local.isEmpty }

    /// Starts loading the worker-cache slots a hit for this question reads first. With
    /// `prefetchCachedAnswer` over a whole batch, a batch's cache misses overlap. Hints only.
    @inline(__always)
    public func prefetchCacheSlots(nameHash: UInt64, type: UInt16, dnssecOK: Bool) {
        local.prefetchSets(fingerprint: CacheKey.fingerprint(nameHash: nameHash, type: type, qclass: 1, dnssecOK: dnssecOK))
    }

    /// Starts loading the cached answer the slots `prefetchCacheSlots` loaded point to.
    @inline(__always)
    public func prefetchCachedAnswer(nameHash: UInt64, type: UInt16, dnssecOK: Bool) {
        local.prefetchWire(fingerprint: CacheKey.fingerprint(nameHash: nameHash, type: type, qclass: 1, dnssecOK: dnssecOK))
    }

    /// Writes the response to a plain query from a cached wire form; nil when it does not fit the
    /// client (the general path then truncates).
    func write(
        _ body: PackedWire, rcode: UInt8, storedAt: Double, _ query: UnsafeRawBufferPointer, _ parts: ForwardableQuery,
        into out: UnsafeMutableRawBufferPointer, now: Double
    ) -> Int? {
        let total = parts.questionEnd + body.byteCount + (parts.edns ? 11 : 0)
        guard total <= min(parts.limit, out.count) else { return nil }
        // A plain query: opcode QUERY, so only RD and CD carry over from its flags.
        return ResponseBuilder.writeCached(
            into: out, id: UInt16(query[0]) << 8 | UInt16(query[1]), queryFlags: UInt16(query[2] & 0x01) << 8 | UInt16(query[3] & 0x10),
            question: UnsafeRawBufferPointer(rebasing: query[Header.size..<parts.questionEnd]), rcode: rcode, storedAt: storedAt,
            body: body, now: now, edns: parts.edns ? (dnssecOK: parts.dnssecOK, payload: 1232) : nil)
    }
}
