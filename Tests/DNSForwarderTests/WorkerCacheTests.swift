// SPDX-License-Identifier: Apache-2.0
import DNSCore
import Testing

@testable import DNSForwarder

/// The worker's own cache in front of the shared one: what it finds, what it forgets, and that a
/// hot set of names it has room for stays in it when they come round in turn.
@Suite struct WorkerCacheTests {
    /// An answer to `owner`/A with its wire form (which carries the question name a hit is checked against).
    private func entry(_ owner: String, ttl: UInt32 = 100, storedAt: Double = 0) -> CachedAnswer {
        let answers = [a(owner, 1)]
        return CachedAnswer(
            kind: .positive, rcode: .noError, answers: answers, authority: [], storedAt: storedAt, ttl: ttl,
            wire: WireBody(question: Question(name: name(owner), type: .A), answers: answers, authority: []))
    }

    /// Looks `text` up as a question of `type`; true on a hit.
    private func hit(_ cache: borrowing WorkerCache, _ text: String, type: UInt16 = 1, dnssecOK: Bool = false, now: Double = 1) -> Bool {
        let wire = name(text).wire
        return wire.withUnsafeBytes { bytes in
            let fingerprint = CacheKey.fingerprint(name: bytes, 0, bytes.count, type: type, qclass: 1, dnssecOK: dnssecOK, scope: 0)
            return cache.withEntry(fingerprint: fingerprint, bytes, 0, bytes.count, type: type, dnssecOK: dnssecOK, now: now) {
                _, _, _ in true
            } ?? false
        }
    }

    private func remember(_ cache: borrowing WorkerCache, _ text: String, _ entry: CachedAnswer, type: UInt16 = 1, now: Double = 1) {
        let fingerprint = CacheKey.fingerprint(nameHash: nameHash(text), type: type, qclass: 1, dnssecOK: false, scope: 0)
        cache.remember(entry, fingerprint: fingerprint, type: type, dnssecOK: false, now: now)
    }

    /// `isEmpty` (which turns the prefetch off) holds until an answer is kept and again after a
    /// purge; prefetching any fingerprint, kept or not, changes no answer.
    @Test func emptinessAndPrefetch() {
        let cache = WorkerCache(size: 64)
        let shared = ResponseCache(policy: CachePolicy())
        cache.sync(with: shared)
        let emptyAtFirst = cache.isEmpty
        remember(cache, "a.example.", entry("a.example."))
        let emptyAfter = cache.isEmpty
        #expect(emptyAtFirst && !emptyAfter)
        for text in ["a.example.", "b.example."] {
            let fingerprint = CacheKey.fingerprint(nameHash: nameHash(text), type: 1, qclass: 1, dnssecOK: false, scope: 0)
            cache.prefetchSets(fingerprint: fingerprint)
            cache.prefetchWire(fingerprint: fingerprint)
        }
        #expect(hit(cache, "a.example.") && !hit(cache, "b.example."))
        shared.purge(below: name("other."))
        cache.sync(with: shared)
        let emptyAfterPurge = cache.isEmpty
        #expect(emptyAfterPurge && !hit(cache, "a.example."))
    }

    @Test func findsWhatItKeptWhateverTheCase() {
        let cache = WorkerCache(size: 64)
        remember(cache, "Www.Example.COM.", entry("Www.Example.COM."))
        let found = [
            hit(cache, "www.example.com."), hit(cache, "WWW.EXAMPLE.COM."), hit(cache, "www.example.com.", type: 28),
            hit(cache, "www.example.com.", dnssecOK: true), hit(cache, "ww.example.com."),
        ]
        #expect(found == [true, true, false, false, false])
    }

    @Test func anEntryIsUsedOnlyWhileFresh() {
        let cache = WorkerCache(size: 64)
        remember(cache, "a.example.", entry("a.example.", ttl: 10, storedAt: 5))
        let found = [hit(cache, "a.example.", now: 14.9), hit(cache, "a.example.", now: 15)]
        #expect(found == [true, false])
    }

    /// A slot whose fingerprint matches is still checked against the question name.
    @Test func aFingerprintMatchIsNotEnough() {
        let cache = WorkerCache(size: 64)
        // The answer for one name filed under another's fingerprint, as a collision would have it.
        let fingerprint = CacheKey.fingerprint(nameHash: nameHash("b.example."), type: 1, qclass: 1, dnssecOK: false, scope: 0)
        cache.remember(entry("a.example."), fingerprint: fingerprint, type: 1, dnssecOK: false, now: 1)
        let found = name("b.example.").wire.withUnsafeBytes { bytes in
            cache.withEntry(fingerprint: fingerprint, bytes, 0, bytes.count, type: 1, dnssecOK: false, now: 1) { _, _, _ in true }
        }
        #expect(found == nil)
    }

    @Test func answersWithoutAWireFormAreNotKept() {
        let cache = WorkerCache(size: 64)
        remember(cache, "a.example.", CachedAnswer(kind: .positive, rcode: .noError, answers: [], authority: [], storedAt: 0, ttl: 100))
        let found = hit(cache, "a.example.")
        #expect(!found)
    }

    @Test func aPurgeOfTheSharedCacheEmptiesIt() {
        let cache = WorkerCache(size: 64)
        let shared = ResponseCache(policy: CachePolicy())
        cache.sync(with: shared)
        remember(cache, "a.example.", entry("a.example."))
        shared.purge(below: name("other."))
        let before = hit(cache, "a.example.")
        cache.sync(with: shared)
        let after = hit(cache, "a.example.")
        #expect(before && !after)
    }

    /// Replacing the answer for a question reuses its slot, so it does not push out a neighbour.
    @Test func aNewAnswerTakesTheOldOnesSlot() {
        let cache = WorkerCache(size: 4)  // one pair of sets: every name competes for the same 4 slots
        let names = ["a.example.", "b.example.", "c.example.", "d.example."]
        for n in names { remember(cache, n, entry(n)) }
        for _ in 0..<3 { remember(cache, "a.example.", entry("a.example.")) }
        let allFour = names.map { hit(cache, $0) }
        #expect(allFour == [true, true, true, true])
        // A fifth name replaces the one used longest ago (b: a, c and d are asked again first).
        let again = ["a.example.", "c.example.", "d.example."].map { hit(cache, $0) }
        remember(cache, "e.example.", entry("e.example."))
        let after = ["a.example.", "b.example.", "c.example.", "d.example.", "e.example."].map { hit(cache, $0) }
        #expect(again == [true, true, true])
        #expect(after == [true, false, true, true, true])
    }

    /// 10,000 names asked in turn (as the bench's cache-hit run does) in the default 32,768 slots:
    /// after one round to fill it, nearly every lookup hits. With a single two-way set per name a
    /// quarter of them missed, because a set that three names hash to never keeps the one asked next.
    @Test func aHotSetWithRoomStaysInTheCache() {
        let cache = WorkerCache()
        let names = (0..<10_000).map { "name\($0).fwd.test." }
        let entries = Dictionary(uniqueKeysWithValues: names.map { ($0, entry($0, ttl: 3600)) })
        for n in names where !hit(cache, n) { remember(cache, n, entries[n]!) }
        var misses = 0
        for _ in 0..<2 {
            for n in names where !hit(cache, n) {
                misses += 1
                remember(cache, n, entries[n]!)
            }
        }
        #expect(misses < 20_000 / 100, "\(misses) misses of 20,000")
    }
}
