// SPDX-License-Identifier: Apache-2.0
import CHints
import DNSCore
import Glibc

/// A worker's own copy of hot cache entries, in front of the shared `ResponseCache`: a hit takes no
/// lock and writes nothing another core reads (no LRU relinking, no reference counts on shared
/// objects), so two workers serving the same names do not fight over cache lines.
///
/// Each name may sit in one of four slots: the two ways of each of two sets chosen by independent
/// bits of its fingerprint ("power of two choices"). With one two-way set per name, a set that
/// three hot names hash to thrashes: in the bench, a quarter of the lookups for 10,000 hot names
/// in 16,384 slots missed and went to the shared cache. With two sets per name, an overfull pair
/// is rare until the table is nearly full.
///
/// A slot is one 64-octet cache line holding everything a hit needs but the answer's bytes: the
/// fingerprint, the entry's `PackedWire` (whose allocation starts with the question name the hit
/// is checked against, then the bytes to copy), when it was stored, its RCODE. So a hit reads two
/// places in memory: the slot and that allocation; the `CachedAnswer` itself is not touched. An
/// entry is used only while fresh, and everything is forgotten when the shared cache is purged (a
/// reload re-routed names). Entries the shared cache evicts may still be served here until their
/// TTL runs out: they are still correct.
struct WorkerCache: ~Copyable {
    private struct Slot {
        var fingerprint: UInt64 = 0
        /// Retained while in the slot (released when replaced or cleared): it owns `wire`.
        var entry: Unmanaged<CachedAnswer>?
        var wire: PackedWire?
        var expires: Double = 0
        var storedAt: Double = 0
        /// When it last answered (a counter), to pick which slot to replace.
        var used: UInt32 = 0
        var type: UInt16 = 0
        var dnssecOK = false
        var rcode: UInt8 = 0
    }

    static let slotStride = 64
    private let count: Int
    /// `count` slots of `slotStride` octets.
    private let table: UnsafeMutableRawPointer
    /// The shared cache's purge count when last looked at, and the use counter. Behind a pointer,
    /// like the rest: every method is non-mutating, so the owner's `let` needs no exclusivity checks.
    private let state: UnsafeMutablePointer<(generation: UInt64, clock: UInt32, filled: Int)>

    /// - Parameter size: slots (rounded up to a power of two, at least 4). The default, 32,768 slots,
    ///   is 2 MiB per worker: one huge page, taken when the first answer is kept (a probe then
    ///   costs no page walk, which a prefetch of a cold 4 KiB page stalls on).
    init(size: Int = 32_768) {
        precondition(MemoryLayout<Slot>.size <= WorkerCache.slotStride)
        var count = 4
        while count < size { count <<= 1 }
        self.count = count
        // Fresh anonymous memory: zero, which is an empty `Slot`, so nothing is written (and no
        // memory used) until a slot is filled.
        guard let memory = HugePages.map(byteCount: count * WorkerCache.slotStride) else {
            fatalError("mmap of the worker cache failed: \(errno)")
        }
        table = memory
        table.bindMemory(to: Slot.self, capacity: count)
        state = .allocate(capacity: 1)
        state.initialize(to: (0, 0, 0))
    }

    deinit {
        for i in 0..<count { slot(i).pointee.entry?.release() }
        HugePages.unmap(table, byteCount: count * WorkerCache.slotStride)
        state.deallocate()
    }

    private func slot(_ i: Int) -> UnsafeMutablePointer<Slot> {
        (table + i * WorkerCache.slotStride).assumingMemoryBound(to: Slot.self)
    }

    /// Forgets everything if the shared cache was purged since the last look.
    func sync(with cache: ResponseCache) {
        let current = cache.generation
        guard current != state.pointee.generation else { return }
        state.pointee.generation = current
        state.pointee.filled = 0
        for i in 0..<count { slot(i).pointee.entry?.release() }
        // Back to zero pages: every slot empty, and the memory returned until slots fill again.
        if madvise(table, count * WorkerCache.slotStride, MADV_DONTNEED) != 0 {
            for i in 0..<count { slot(i).pointee = Slot() }
        }
    }

    /// The first slots of the two sets (of two slots each) a fingerprint may occupy: from its low and
    /// its high half, so the two choices are independent; never the same set.
    @inline(__always)
    private func sets(_ fingerprint: UInt64) -> (Int, Int) {
        let first = (Int(truncatingIfNeeded: fingerprint ^ (fingerprint >> 17)) << 1) & (count - 1)
        var second = (Int(truncatingIfNeeded: (fingerprint >> 32) &* 0x9E37_79B9) << 1) & (count - 1)
        if second == first { second ^= 2 }
        return (first, second)
    }

    /// The `way`th (0..<4) of the four slots a fingerprint with these `sets` may occupy.
    @inline(__always)
    private func candidate(_ way: Int, of sets: (Int, Int)) -> Int { way < 2 ? sets.0 + way : sets.1 + way - 2 }

    /// Whether no answer is kept (so there is nothing worth prefetching).
    var isEmpty: Bool { state.pointee.filled == 0 }

    /// Starts loading the two sets a fingerprint may sit in (see `prefetchWire`).
    @inline(__always)
    func prefetchSets(fingerprint: UInt64) {
        let sets = sets(fingerprint)
        vpcdns_prefetch(slot(sets.0))
        vpcdns_prefetch(slot(sets.1))
    }

    /// Starts loading the wire form of the first slot holding `fingerprint`, which a hit reads next.
    @inline(__always)
    func prefetchWire(fingerprint: UInt64) {
        let sets = sets(fingerprint)
        for way in 0..<4 {
            let slot = slot(candidate(way, of: sets))
            if slot.pointee.fingerprint == fingerprint, let wire = slot.pointee.wire {
                vpcdns_prefetch(wire.base)
                return
            }
        }
    }

    /// Runs `body` with the fresh answer for the question whose name is `bytes[start..<end]`: its
    /// wire form, when it was stored, and its RCODE. Nil (and `body` not run) on a miss.
    func withEntry<R>(
        fingerprint: UInt64, _ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int, type: UInt16, dnssecOK: Bool,
        now: Double, _ body: (_ wire: PackedWire, _ storedAt: Double, _ rcode: UInt8) -> R
    ) -> R? {
        let sets = sets(fingerprint)
        for way in 0..<4 {
            let slot = slot(candidate(way, of: sets))
            guard slot.pointee.fingerprint == fingerprint, let wire = slot.pointee.wire, slot.pointee.type == type,
                slot.pointee.dnssecOK == dnssecOK, now < slot.pointee.expires, Int(wire.nameLength) == end - start,
                WireNameHash.equal(bytes, start, lowered: wire.nameAndBytes, 0, count: end - start)
            else { continue }
            state.pointee.clock &+= 1
            slot.pointee.used = state.pointee.clock
            return body(wire, slot.pointee.storedAt, slot.pointee.rcode)
        }
        return nil
    }

    /// Keeps `entry` under `fingerprint`, its question's: in the slot it already has, else a free one
    /// of its four, else in place of the one used longest ago. An entry without a wire form, or with
    /// an extended RCODE, is not kept (the general path answers those).
    func remember(_ entry: CachedAnswer, fingerprint: UInt64, type: UInt16, dnssecOK: Bool, now: Double) {
        guard let wire = entry.packed, wire.nameLength > 0, entry.rcode.rawValue <= 15 else { return }
        let sets = sets(fingerprint)
        var i = -1
        var free = -1
        var oldest = sets.0
        for way in 0..<4 {
            let c = candidate(way, of: sets)
            let s = slot(c).pointee
            if s.entry != nil && s.fingerprint == fingerprint {
                i = c
                break
            }
            if free < 0 && (s.entry == nil || now >= s.expires) { free = c }
            if s.used &- slot(oldest).pointee.used > UInt32.max / 2 { oldest = c }  // used before `oldest`
        }
        if i < 0 { i = free >= 0 ? free : oldest }
        if slot(i).pointee.entry == nil { state.pointee.filled += 1 }
        slot(i).pointee.entry?.release()
        state.pointee.clock &+= 1
        slot(i).pointee = Slot(
            fingerprint: fingerprint, entry: .passRetained(entry), wire: wire, expires: entry.storedAt + Double(entry.ttl),
            storedAt: entry.storedAt, used: state.pointee.clock, type: type, dnssecOK: dnssecOK,
            rcode: UInt8(truncatingIfNeeded: entry.rcode.rawValue))
    }
}
