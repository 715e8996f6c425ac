// SPDX-License-Identifier: Apache-2.0
import DNSCore

/// Names → plain values, looked up straight from the bytes of a packet without building a
/// `DNSName`. Open addressing on `WireNameHash` (computed right to left, so the hashes of every
/// suffix of a name come out of one pass); verified by comparing octets without case against a
/// flat pool. Values must be plain data: a lookup retains nothing.
struct WireNameTable<Value: BitwiseCopyable & Sendable>: Sendable {
    private var slots: [Int32]
    private var hashes: [UInt64] = []
    private var nameStarts: [Int32] = []
    private var nameLengths: [UInt8] = []
    /// Every name's lower-cased wire form, back to back.
    private var pool: [UInt8] = []
    private(set) var values: [Value] = []
    private let mask: Int

    init(expected: Int) {
        var size = 16
        while size < expected * 2 { size <<= 1 }
        slots = [Int32](repeating: -1, count: size)
        mask = size - 1
        hashes.reserveCapacity(expected)
        nameStarts.reserveCapacity(expected)
        nameLengths.reserveCapacity(expected)
        values.reserveCapacity(expected)
    }

    var count: Int { values.count }

    /// The hash of a whole name in wire form (`WireNameHash`, as the fast path computes it from a
    /// packet).
    static func hash(_ name: DNSName) -> UInt64 {
        name.wire.withUnsafeBytes { WireNameHash.hash($0, 0, $0.count) }
    }

    /// Adds or replaces the value for `name`; returns its index.
    @discardableResult
    mutating func insert(_ name: DNSName, _ value: Value) -> Int {
        let h = WireNameTable.hash(name)
        if let index = name.wire.withUnsafeBytes({ find($0, 0, $0.count, hash: h) }) {
            values[index] = value
            return index
        }
        var slot = Int(truncatingIfNeeded: h) & mask
        while slots[slot] >= 0 { slot = (slot + 1) & mask }
        slots[slot] = Int32(values.count)
        hashes.append(h)
        nameStarts.append(Int32(pool.count))
        nameLengths.append(UInt8(name.wire.count - 1))
        for octet in name.wire { pool.append(asciiLower(octet)) }
        values.append(value)
        return values.count - 1
    }

    mutating func update(at index: Int, _ change: (inout Value) -> Void) { change(&values[index]) }

    /// The index of the name at `bytes[start..<end]` (uncompressed wire form) with hash `h`.
    @inline(__always)
    func find(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int, hash h: UInt64) -> Int? {
        let length = end - start
        return slots.withUnsafeBufferPointer { slots in
            hashes.withUnsafeBufferPointer { hashes in
                pool.withUnsafeBufferPointer { pool in
                    var slot = Int(truncatingIfNeeded: h) & mask
                    while true {
                        let index = Int(slots[slot])
                        if index < 0 { return nil }
                        if hashes[index] == h && Int(nameLengths[index]) + 1 == length
                            && WireNameHash.equal(bytes, start, lowered: UnsafeRawBufferPointer(pool), Int(nameStarts[index]), count: length)
                        {
                            return index
                        }
                        slot = (slot + 1) & mask
                    }
                }
            }
        }
    }

    func find(_ name: DNSName) -> Int? {
        name.wire.withUnsafeBytes { find($0, 0, $0.count, hash: WireNameTable.hash(name)) }
    }
}
