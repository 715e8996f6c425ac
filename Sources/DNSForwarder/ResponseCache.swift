// SPDX-License-Identifier: Apache-2.0
import DNSCore
import Synchronization

/// Limits and clamps of the cache.
public struct CachePolicy: Sendable {
    public var maxEntries: Int
    public var maxBytes: Int
    public var minTTL: UInt32
    public var maxTTL: UInt32
    public var maxNegativeTTL: UInt32
    /// Seconds a SERVFAIL is remembered (kept ≤ 5).
    public var failureTTL: UInt32
    /// Serve expired answers when every upstream fails (RFC 8767).
    public var serveStale: Bool
    /// How long past expiry an answer may still be served stale (RFC 8767 §5 suggests 1–3 days).
    public var staleWindow: Double

    public init(
        maxEntries: Int = 100_000, maxBytes: Int = 64 << 20, minTTL: UInt32 = 0, maxTTL: UInt32 = 86_400,
        maxNegativeTTL: UInt32 = 3_600, failureTTL: UInt32 = 2, serveStale: Bool = false, staleWindow: Double = 86_400
    ) {
        self.maxEntries = maxEntries
        self.maxBytes = maxBytes
        self.minTTL = minTTL
        self.maxTTL = maxTTL
        self.maxNegativeTTL = maxNegativeTTL
        self.failureTTL = min(failureTTL, 5)
        self.serveStale = serveStale
        self.staleWindow = staleWindow
    }
}

/// Forwarded answers shared by all workers, split in shards each behind its own lock so workers
/// rarely meet (Unbound's slabs). Only forwarded answers live here; private answers always come
/// from the zones.
public final class ResponseCache: Sendable {
    public enum Lookup: Equatable {
        case fresh(CachedAnswer)
        /// Expired, but inside the serve-stale window.
        case stale(CachedAnswer)
        case miss
    }

    final class Shard: Sendable {
        let table: Mutex<LRUTable<CacheKey, CachedAnswer>>
        init(maxEntries: Int, maxBytes: Int) {
            table = Mutex(LRUTable(maxEntries: maxEntries, maxBytes: maxBytes))
        }
    }

    public let policy: CachePolicy
    private let shards: [Shard]
    /// Bumped by every purge, so per-worker copies (`WorkerCache`) know to forget what they hold.
    private let purges = Atomic<UInt64>(0)
    public var generation: UInt64 { purges.load(ordering: .acquiring) }

    public init(policy: CachePolicy, shardCount: Int = 16) {
        self.policy = policy
        let count = max(1, shardCount)
        shards = (0..<count).map { _ in
            Shard(maxEntries: (policy.maxEntries + count - 1) / count, maxBytes: policy.maxBytes / count)
        }
    }

    private func shard(_ fingerprint: UInt64) -> Shard {
        shards[Int(fingerprint >> 32) % shards.count]
    }

    public func lookup(_ key: CacheKey, now: Double) -> Lookup {
        let fingerprint = key.fingerprint
        guard let entry = shard(fingerprint).table.withLock({ $0.get(key, fingerprint: fingerprint) }) else { return .miss }
        let age = now - entry.storedAt
        if age < Double(entry.ttl) { return .fresh(entry) }
        if policy.serveStale, entry.kind != .failure, age < Double(entry.ttl) + policy.staleWindow { return .stale(entry) }
        if !policy.serveStale || entry.kind == .failure {
            shard(fingerprint).table.withLock { $0.remove(key, fingerprint: fingerprint) }
        }
        return .miss
    }

    /// A fresh entry for the question whose name is `bytes[start..<end]`, found without building a
    /// key (the hot path).
    public func freshEntry(
        question bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int, type: UInt16, dnssecOK: Bool, scope: UInt32,
        now: Double, fingerprint: UInt64? = nil
    ) -> CachedAnswer? {
        let fingerprint = fingerprint
            ?? CacheKey.fingerprint(name: bytes, start, end, type: type, qclass: 1, dnssecOK: dnssecOK, scope: scope)
        // The packet buffer is only read, under the lock, on this thread; it crosses into the lock's
        // closure as an address because a raw buffer pointer is not Sendable.
        let address = UInt(bitPattern: bytes.baseAddress)
        let count = bytes.count
        let entry = shard(fingerprint).table.withLock { table -> CachedAnswer? in
            let raw = UnsafeRawBufferPointer(start: UnsafeRawPointer(bitPattern: address), count: count)
            return table.get(fingerprint: fingerprint) { $0.matches(raw, start, end, type: type, dnssecOK: dnssecOK, scope: scope) }
        }
        guard let entry, now - entry.storedAt < Double(entry.ttl) else { return nil }
        return entry
    }

    public func store(_ key: CacheKey, _ entry: CachedAnswer) {
        let fingerprint = key.fingerprint
        shard(fingerprint).table.withLock { $0.set(key, fingerprint: fingerprint, entry, bytes: entry.estimatedBytes) }
    }

    /// Drops every entry for names at or below `domain` (a reload made them private or re-routed).
    public func purge(below domain: DNSName) {
        for shard in shards {
            shard.table.withLock { $0.removeAll { $0.name.isSubdomain(of: domain) } }
        }
        purges.add(1, ordering: .releasing)
    }

    public var count: Int { shards.reduce(0) { total, shard in total + shard.table.withLock { $0.count } } }
    public var bytes: Int { shards.reduce(0) { total, shard in total + shard.table.withLock { $0.bytes } } }
    public var evictions: Int { shards.reduce(0) { total, shard in total + shard.table.withLock { $0.evictions } } }
    /// Look-ups so far, hit or miss, over all shards.
    public var lookups: Int { shards.reduce(0) { total, shard in total + shard.table.withLock { $0.lookups } } }
}
