// SPDX-License-Identifier: Apache-2.0
import CHints
import DNSCore

/// Names → plain values, looked up straight from the bytes of a packet without building a
/// `DNSName`. Open addressing on `WireNameHash` (computed right to left, so the hashes of every
/// suffix of a name come out of one pass); verified by comparing octets without case.
///
/// Everything a lookup reads about a name sits together in one record of a flat arena: the value,
/// the name's lower-cased wire form, then the caller's payload (the fast path keeps a name's
/// addresses there). A slot holds 32 bits of the name's hash and where its record starts, so a
/// probe that passes other names reads only the slot array, and a hit reads one slot and one
/// record: two cache misses on a cold table, where separate arrays for names, values and
/// addresses cost five. Values must be plain data: a lookup retains nothing.
struct WireNameTable<Value: BitwiseCopyable & Sendable>: Sendable {
    /// The hash's high 32 bits (its low bits pick the slot) in the high half, record offset + 1 in
    /// the low half; 0 is an empty slot.
    private var slots: [UInt64]
    /// Records back to back, each starting on 8 octets: the value, the name's wire length (one
    /// octet), the name lower-cased, the payload. Zeros past `used`, room for the next records.
    private var arena: [UInt8] = []
    private var used = 0
    private let mask: Int
    private(set) var count = 0

    private static var lengthOffset: Int { MemoryLayout<Value>.size }
    private static var nameOffset: Int { MemoryLayout<Value>.size + 1 }

    /// A table for up to `expected` names (kept at most half full: short probes).
    init(expected: Int) {
        var size = 16
        while size < expected * 2 { size <<= 1 }
        slots = HugePages.zeroed(UInt64.self, count: size)
        mask = size - 1
        arena.reserveCapacity(expected * (MemoryLayout<Value>.size + 32))
    }

    /// Adds `name` with its value and payload; returns its record's offset. A name already there
    /// gets a new record (the old one is left unused) so a payload of another size fits.
    @discardableResult
    mutating func insert(_ name: DNSName, _ value: Value, payload: [UInt8] = []) -> Int {
        insert(name, hash: name.wireHash, value, payload: payload)
    }

    /// `insert(_:_:payload:)` with the name's `wireHash` known already.
    @discardableResult
    mutating func insert(_ name: DNSName, hash h: UInt64, _ value: Value, payload: [UInt8] = []) -> Int {
        let offset = used
        precondition(offset < Int(Int32.max), "WireNameTable: arena beyond 2 GiB")
        let entry = (h >> 32) << 32 | UInt64(offset + 1)
        let existing = name.wire.withUnsafeBytes { probe($0, 0, $0.count, hash: h) }
        switch existing {
        case .found(let slot, _):
            slots[slot] = entry
        case .empty(let slot):
            precondition(count < mask / 2 + 1, "WireNameTable: more names than it was sized for")
            slots[slot] = entry
            count += 1
        }
        // The record, padded to 8 octets, written in place: value, name length, name lowered, payload.
        let wire = name.wire
        used += (Self.nameOffset + wire.count + payload.count + 7) & ~7
        // Zeros are added 64 KiB at a time: one call per several hundred records, not one per record.
        if used > arena.count { arena.append(contentsOf: repeatElement(0, count: max(used - arena.count, 65536))) }
        arena.withUnsafeMutableBytes { arena in
            arena.storeBytes(of: value, toByteOffset: offset, as: Value.self)
            arena[offset + Self.lengthOffset] = UInt8(wire.count)
            let name = offset + Self.nameOffset
            wire.withUnsafeBytes { WireNameHash.copyLowered($0, to: arena.baseAddress! + name) }
            payload.withUnsafeBytes { payload in
                guard let from = payload.baseAddress else { return }
                (arena.baseAddress! + name + wire.count).copyMemory(from: from, byteCount: payload.count)
            }
        }
        return offset
    }

    private enum Probe {
        case found(slot: Int, offset: Int)
        case empty(slot: Int)
    }

    @inline(__always)
    private func probe(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int, hash h: UInt64) -> Probe {
        let length = end - start
        let tag = h >> 32
        return slots.withUnsafeBufferPointer { slots in
            arena.withUnsafeBytes { arena in
                var slot = Int(truncatingIfNeeded: h) & mask
                while true {
                    let entry = slots[slot]
                    if entry == 0 { return .empty(slot: slot) }
                    if entry >> 32 == tag {
                        let offset = Int(entry & 0xFFFF_FFFF) - 1
                        if Int(arena[offset + Self.lengthOffset]) == length
                            && WireNameHash.equal(bytes, start, lowered: arena, offset + Self.nameOffset, count: length)
                        {
                            return .found(slot: slot, offset: offset)
                        }
                    }
                    slot = (slot + 1) & mask
                }
            }
        }
    }

    /// The record of the name at `bytes[start..<end]` (uncompressed wire form) with hash `h`.
    @inline(__always)
    func find(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int, hash h: UInt64) -> Int? {
        if case .found(_, let offset) = probe(bytes, start, end, hash: h) { return offset }
        return nil
    }

    func find(_ name: DNSName) -> Int? {
        name.wire.withUnsafeBytes { find($0, 0, $0.count, hash: name.wireHash) }
    }

    /// Starts loading the slot a lookup of hash `h` reads first (see `prefetchRecord`).
    @inline(__always)
    func prefetchSlot(hash h: UInt64) {
        slots.withUnsafeBufferPointer { vpcdns_prefetch($0.baseAddress! + (Int(truncatingIfNeeded: h) & mask)) }
    }

    /// Starts loading the record a lookup of hash `h` would verify first: the first slot on its
    /// probe path with the same tag. A batch's lookups then wait on memory together, not one after
    /// another: prefetch every slot, then every record, then look up. Returns whether it found one
    /// (the name is almost surely in the table).
    @inline(__always) @discardableResult
    func prefetchRecord(hash h: UInt64) -> Bool {
        let tag = h >> 32
        let entry = slots.withUnsafeBufferPointer { slots -> UInt64 in
            var slot = Int(truncatingIfNeeded: h) & mask
            while slots[slot] != 0 && slots[slot] >> 32 != tag { slot = (slot + 1) & mask }
            return slots[slot]
        }
        guard entry != 0 else { return false }
        arena.withUnsafeBytes { vpcdns_prefetch($0.baseAddress! + Int(entry & 0xFFFF_FFFF) - 1) }
        return true
    }

    /// The value in the record at `offset`.
    @inline(__always)
    func value(at offset: Int) -> Value {
        arena.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: Value.self) }
    }

    mutating func update(at offset: Int, _ change: (inout Value) -> Void) {
        var value = value(at: offset)
        change(&value)
        arena.withUnsafeMutableBytes { $0.storeBytes(of: value, toByteOffset: offset, as: Value.self) }
    }

    /// Where the payload of the record at `offset` starts in the arena (`withArena`).
    @inline(__always)
    func payloadStart(at offset: Int) -> Int {
        arena.withUnsafeBytes { offset + Self.nameOffset + Int($0[offset + Self.lengthOffset]) }
    }

    /// The arena's bytes, for reading payloads.
    @inline(__always)
    func withArena<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try arena.withUnsafeBytes(body)
    }
}
