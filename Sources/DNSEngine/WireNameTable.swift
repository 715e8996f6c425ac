// SPDX-License-Identifier: Apache-2.0
import DNSCore

/// Names → values, looked up straight from the bytes of a packet without building a `DNSName`:
/// open addressing on a 64-bit FNV-1a hash of the lower-cased wire form, verified by comparing the
/// octets without case. Built once per snapshot; read-only afterwards.
struct WireNameTable<Value: Sendable>: Sendable {
    private var slots: [Int32]
    private var hashes: [UInt64] = []
    private var names: [DNSName] = []
    private(set) var values: [Value] = []
    private let mask: Int

    init(expected: Int) {
        var size = 16
        while size < expected * 2 { size <<= 1 }
        slots = [Int32](repeating: -1, count: size)
        mask = size - 1
    }

    var count: Int { values.count }

    /// FNV-1a over the lower-cased octets of `bytes[start..<end]`.
    @inline(__always)
    static func hash(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        var i = start
        while i < end {
            h = (h ^ UInt64(asciiLower(bytes[i]))) &* 0x0000_0100_0000_01B3
            i += 1
        }
        return h
    }

    static func hash(_ name: DNSName) -> UInt64 {
        name.wire.withUnsafeBytes { hash($0, 0, $0.count) }
    }

    /// Adds or replaces the value for `name`; returns its index.
    @discardableResult
    mutating func insert(_ name: DNSName, _ value: Value) -> Int {
        let h = WireNameTable.hash(name)
        var slot = Int(truncatingIfNeeded: h) & mask
        while slots[slot] >= 0 {
            let index = Int(slots[slot])
            if hashes[index] == h && names[index] == name {
                values[index] = value
                return index
            }
            slot = (slot + 1) & mask
        }
        slots[slot] = Int32(values.count)
        hashes.append(h)
        names.append(name)
        values.append(value)
        return values.count - 1
    }

    mutating func update(at index: Int, _ change: (inout Value) -> Void) { change(&values[index]) }

    /// The index of the value for the name at `bytes[start..<end]` (uncompressed wire form).
    @inline(__always)
    func find(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int, hash h: UInt64) -> Int? {
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let index = Int(slots[slot])
            if index < 0 { return nil }
            if hashes[index] == h && matches(names[index], bytes, start, end) { return index }
            slot = (slot + 1) & mask
        }
    }

    func find(_ name: DNSName) -> Int? {
        name.wire.withUnsafeBytes { find($0, 0, $0.count, hash: WireNameTable.hash(name)) }
    }

    @inline(__always)
    private func matches(_ name: DNSName, _ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Bool {
        guard name.wire.count == end - start else { return false }
        return name.wire.withUnsafeBufferPointer { stored in
            for i in 0..<stored.count where asciiLower(stored[i]) != asciiLower(bytes[start + i]) { return false }
            return true
        }
    }
}
