// SPDX-License-Identifier: Apache-2.0
import DNSCore
import Glibc

/// A worker's own copy of hot cache entries, in front of the shared `ResponseCache`: a hit takes no
/// lock and writes nothing another core reads (no LRU relinking, no reference counts on shared
/// objects), so two workers serving the same names do not fight over cache lines.
///
/// Two-way set associative by fingerprint. A slot is 128 octets, cache-line aligned: 32 of
/// bookkeeping, then the name (up to 96 octets; longer ones are not kept), so a hit on a name of up
/// to 32 octets reads one cache line of the table, and a fill allocates nothing. An entry is used
/// only while fresh, and everything is forgotten when the shared cache is purged (a reload
/// re-routed names). Entries the shared cache evicts may still be served here until their TTL runs
/// out: they are still correct.
struct WorkerCache: ~Copyable {
    private struct Slot {
        var fingerprint: UInt64 = 0
        /// Retained while in the slot (released when replaced or cleared).
        var entry: Unmanaged<CachedAnswer>?
        var expires: Double = 0
        /// When it last answered (a counter), to pick which way of a set to replace.
        var used: UInt32 = 0
        var type: UInt16 = 0
        var dnssecOK = false
        var nameLength: UInt8 = 0
    }

    static let slotStride = 128
    static let maxName = slotStride - 32
    private let count: Int
    /// `count` slots of `slotStride` octets: a `Slot`, then the question name, lower-cased wire form.
    private let table: UnsafeMutableRawPointer
    /// The shared cache's purge count when last looked at, and the use counter. Behind a pointer,
    /// like the rest: every method is non-mutating, so the owner's `let` needs no exclusivity checks.
    private let state: UnsafeMutablePointer<(generation: UInt64, clock: UInt32)>

    /// - Parameter size: slots (rounded up to a power of two, at least 2).
    init(size: Int = 16_384) {
        precondition(MemoryLayout<Slot>.stride <= 32)
        var count = 2
        while count < size { count <<= 1 }
        self.count = count
        // Fresh anonymous pages: page-aligned, and zero, which is an empty `Slot`, so nothing is
        // written (and no memory used) until a slot is filled.
        let memory = mmap(nil, count * WorkerCache.slotStride, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        guard let memory, memory != MAP_FAILED else { fatalError("mmap of the worker cache failed: \(errno)") }
        table = memory
        for i in 0..<count {
            (table + i * WorkerCache.slotStride).bindMemory(to: Slot.self, capacity: 1)
            (table + i * WorkerCache.slotStride + 32).bindMemory(to: UInt8.self, capacity: WorkerCache.maxName)
        }
        state = .allocate(capacity: 1)
        state.initialize(to: (0, 0))
    }

    deinit {
        for i in 0..<count { slot(i).pointee.entry?.release() }
        munmap(table, count * WorkerCache.slotStride)
        state.deallocate()
    }

    private func slot(_ i: Int) -> UnsafeMutablePointer<Slot> {
        (table + i * WorkerCache.slotStride).assumingMemoryBound(to: Slot.self)
    }

    private func name(_ i: Int) -> UnsafeMutablePointer<UInt8> {
        (table + i * WorkerCache.slotStride + 32).assumingMemoryBound(to: UInt8.self)
    }

    /// Forgets everything if the shared cache was purged since the last look.
    func sync(with cache: ResponseCache) {
        let current = cache.generation
        guard current != state.pointee.generation else { return }
        state.pointee.generation = current
        for i in 0..<count { slot(i).pointee.entry?.release() }
        // Back to zero pages: every slot empty, and the memory returned until slots fill again.
        if madvise(table, count * WorkerCache.slotStride, MADV_DONTNEED) != 0 {
            for i in 0..<count { slot(i).pointee = Slot() }
        }
    }

    /// The first slot of the two a fingerprint may occupy.
    private func set(_ fingerprint: UInt64) -> Int {
        (Int(truncatingIfNeeded: fingerprint ^ (fingerprint >> 31)) << 1) & (count - 1)
    }

    /// Runs `body` with the fresh entry for the question whose name is `bytes[start..<end]`, without
    /// retaining it; nil (and `body` not run) on a miss.
    func withEntry<R>(
        fingerprint: UInt64, _ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int, type: UInt16, dnssecOK: Bool,
        now: Double, _ body: (CachedAnswer) -> R
    ) -> R? {
        let first = set(fingerprint)
        for i in first...(first + 1) {
            let slot = slot(i)
            guard slot.pointee.fingerprint == fingerprint, let entry = slot.pointee.entry, slot.pointee.type == type,
                slot.pointee.dnssecOK == dnssecOK, now < slot.pointee.expires,
                Int(slot.pointee.nameLength) == end - start
            else { continue }
            let name = name(i)
            var same = true
            for j in 0..<(end - start) where name[j] != asciiLower(bytes[start + j]) {
                same = false
                break
            }
            guard same else { continue }
            state.pointee.clock &+= 1
            slot.pointee.used = state.pointee.clock
            return entry._withUnsafeGuaranteedRef(body)
        }
        return nil
    }

    /// Keeps `entry` for the question at `bytes[start..<end]`, in the emptier (or less recently
    /// used) way of its set.
    func remember(
        _ entry: CachedAnswer, fingerprint: UInt64, _ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int,
        type: UInt16, dnssecOK: Bool, now: Double
    ) {
        let length = end - start
        guard length <= WorkerCache.maxName else { return }
        let first = set(fingerprint)
        let a = slot(first).pointee
        let b = slot(first + 1).pointee
        let i: Int
        if a.entry == nil || now >= a.expires || a.fingerprint == fingerprint {
            i = first
        } else if b.entry == nil || now >= b.expires || b.fingerprint == fingerprint {
            i = first + 1
        } else {
            i = a.used &- b.used > UInt32.max / 2 ? first : first + 1  // the one used longer ago
        }
        slot(i).pointee.entry?.release()
        let name = name(i)
        for j in 0..<length { name[j] = asciiLower(bytes[start + j]) }
        state.pointee.clock &+= 1
        slot(i).pointee = Slot(
            fingerprint: fingerprint, entry: .passRetained(entry), expires: entry.storedAt + Double(entry.ttl),
            used: state.pointee.clock,
            type: type, dnssecOK: dnssecOK, nameLength: UInt8(length))
    }
}
