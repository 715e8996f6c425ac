// SPDX-License-Identifier: Apache-2.0
import DNSCore

/// Names → plain values, looked up straight from the bytes of a packet without building a
/// `DNSName`. Open addressing on a 64-bit hash of the lower-cased labels, computed right to left so
/// the hashes of every suffix of a name come out of one pass; verified by comparing octets without
/// case against a flat pool. Values must be plain data: a lookup retains nothing.
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

    static var seed: UInt64 { 0xcbf2_9ce4_8422_2325 }

    /// Mixes one label (its length octet and lower-cased octets at `bytes[start...]`) into the hash of
    /// the name to its right.
    @inline(__always)
    static func mix(_ h: UInt64, _ bytes: UnsafeRawBufferPointer, _ start: Int) -> UInt64 {
        let length = Int(bytes[start])
        var x = (h ^ UInt64(length)) &* 0x0000_0100_0000_01B3
        var i = start + 1
        let end = start + 1 + length
        while i < end {
            x = (x ^ UInt64(asciiLower(bytes[i]))) &* 0x0000_0100_0000_01B3
            i += 1
        }
        return x
    }

    /// The hash of a whole name in wire form.
    static func hash(_ name: DNSName) -> UInt64 {
        name.wire.withUnsafeBytes { bytes in
            name.withLabelStarts { starts in
                var h = seed
                for start in starts.reversed() { h = mix(h, bytes, Int(start)) }
                return h
            }
        }
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
                        if hashes[index] == h && Int(nameLengths[index]) + 1 == length {
                            let base = Int(nameStarts[index])
                            var same = true
                            for i in 0..<length where pool[base + i] != asciiLower(bytes[start + i]) {
                                same = false
                                break
                            }
                            if same { return index }
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
