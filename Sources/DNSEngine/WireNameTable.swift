// SPDX-License-Identifier: Apache-2.0
import DNSCore

/// Names → plain values, looked up straight from the bytes of a packet without building a
/// `DNSName`. Open addressing on `WireNameHash` (computed right to left, so the hashes of every
/// suffix of a name come out of one pass); verified by comparing octets without case against a
/// flat pool. Values must be plain data: a lookup retains nothing.
///
/// A slot holds the name's index and 32 bits of its hash, so a probe that passes other names reads
/// only the slot array: the pool is touched for the name that matches.
struct WireNameTable<Value: BitwiseCopyable & Sendable>: Sendable {
    /// `hash & 0xFFFF_FFFF` in the high half, index + 1 in the low half; 0 is an empty slot.
    private var slots: [UInt64]
    private var nameStarts: [Int32] = []
    private var nameLengths: [UInt8] = []
    /// Every name's lower-cased wire form, back to back.
    private var pool: [UInt8] = []
    private(set) var values: [Value] = []
    private let mask: Int

    /// A table for up to `expected` names (kept at most half full: short probes).
    init(expected: Int) {
        var size = 16
        while size < expected * 2 { size <<= 1 }
        slots = HugePages.zeroed(UInt64.self, count: size)
        mask = size - 1
        nameStarts.reserveCapacity(expected)
        nameLengths.reserveCapacity(expected)
        values.reserveCapacity(expected)
    }

    var count: Int { values.count }

    /// Adds or replaces the value for `name`; returns its index. One probe either way.
    @discardableResult
    mutating func insert(_ name: DNSName, _ value: Value) -> Int {
        let h = name.wireHash
        let tag = h & 0xFFFF_FFFF
        let found: Int? = name.wire.withUnsafeBytes { bytes in
            pool.withUnsafeBytes { pool in
                var slot = Int(truncatingIfNeeded: h) & mask
                while true {
                    let entry = slots[slot]
                    if entry == 0 { break }
                    let index = Int(entry & 0xFFFF_FFFF) - 1
                    if entry >> 32 == tag && Int(nameLengths[index]) + 1 == bytes.count
                        && WireNameHash.equal(bytes, 0, lowered: pool, Int(nameStarts[index]), count: bytes.count)
                    {
                        return index
                    }
                    slot = (slot + 1) & mask
                }
                precondition(values.count < mask / 2 + 1, "WireNameTable: more names than it was sized for")
                slots[slot] = tag << 32 | UInt64(values.count + 1)
                return nil
            }
        }
        if let found {
            values[found] = value
            return found
        }
        nameStarts.append(Int32(pool.count))
        nameLengths.append(UInt8(name.wire.count - 1))
        let start = pool.count
        pool.append(contentsOf: name.wire)
        for i in start..<pool.count { pool[i] = asciiLower(pool[i]) }
        values.append(value)
        return values.count - 1
    }

    mutating func update(at index: Int, _ change: (inout Value) -> Void) { change(&values[index]) }

    /// The index of the name at `bytes[start..<end]` (uncompressed wire form) with hash `h`.
    @inline(__always)
    func find(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int, hash h: UInt64) -> Int? {
        let length = end - start
        let tag = h & 0xFFFF_FFFF
        return slots.withUnsafeBufferPointer { slots in
            var slot = Int(truncatingIfNeeded: h) & mask
            while true {
                let entry = slots[slot]
                if entry == 0 { return nil }
                if entry >> 32 == tag {
                    let index = Int(entry & 0xFFFF_FFFF) - 1
                    if Int(nameLengths[index]) + 1 == length
                        && pool.withUnsafeBytes({
                            WireNameHash.equal(bytes, start, lowered: $0, Int(nameStarts[index]), count: length)
                        })
                    {
                        return index
                    }
                }
                slot = (slot + 1) & mask
            }
        }
    }

    func find(_ name: DNSName) -> Int? {
        name.wire.withUnsafeBytes { find($0, 0, $0.count, hash: name.wireHash) }
    }
}
