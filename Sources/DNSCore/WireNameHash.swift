// SPDX-License-Identifier: Apache-2.0

/// Hashing and comparing names in uncompressed wire form without case (RFC 4343: ASCII letters
/// only), eight octets at a time, straight from packet bytes. One hash serves the fast path's name
/// table and the forward cache, so a forwarded query's name is hashed once.
///
/// The hash of a name is built right to left, one label at a time (its length octet and its
/// octets), so one pass over a name gives the hash of every suffix of it: what a walk up to the
/// enclosing zone needs.
public enum WireNameHash {
    /// The hash of the root name.
    @inlinable public static var seed: UInt64 { 0x243F_6A88_85A3_08D3 }

    /// Mixes the label at `bytes[start]` (its length octet, then its octets) into `h`, the hash of
    /// the name to its right. The label must lie within `bytes`.
    @inlinable @inline(__always)
    public static func mix(_ h: UInt64, _ bytes: UnsafeRawBufferPointer, _ start: Int) -> UInt64 {
        var h = h
        var i = start
        let end = start + 1 + Int(bytes[start])
        while i < end {
            h = fold(h ^ lowered(load(bytes, i, end - i)))
            i += 8
        }
        return h
    }

    /// The hash of the name at `bytes[start..<end]` (uncompressed wire form, ending in the root;
    /// at most 127 labels).
    @inlinable
    public static func hash(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> UInt64 {
        withUnsafeTemporaryAllocation(of: Int16.self, capacity: 128) { starts in
            var count = 0
            var p = start
            while p < end, bytes[p] != 0, count < 128 {
                let next = p + 1 + Int(bytes[p])
                guard next < end else { break }  // not a whole name: hash what is
                starts[count] = Int16(truncatingIfNeeded: p)
                count += 1
                p = next
            }
            var h = seed
            while count > 0 {
                count -= 1
                h = mix(h, bytes, Int(starts[count]))
            }
            return h
        }
    }

    /// `h` with a 64-bit word mixed in (a question's type, class and DO bit, say).
    @inlinable @inline(__always)
    public static func mix(_ h: UInt64, word: UInt64) -> UInt64 { fold(h ^ word) }

    /// Whether `bytes[start..<start + count]`, lowered, equals `lowered[at..<at + count]`, which is
    /// lower case already.
    @inlinable @inline(__always)
    public static func equal(
        _ bytes: UnsafeRawBufferPointer, _ start: Int, lowered other: UnsafeRawBufferPointer, _ at: Int, count: Int
    ) -> Bool {
        var i = 0
        while i < count {
            let n = min(8, count - i)
            if lowered(load(bytes, start + i, n)) != load(other, at + i, n) { return false }
            i += 8
        }
        return true
    }

    /// A 64 × 64 → 128-bit product folded to 64 bits: every output bit depends on every input bit.
    @inlinable @inline(__always)
    static func fold(_ x: UInt64) -> UInt64 {
        let product = x.multipliedFullWidth(by: 0x9E37_79B9_7F4A_7C15)
        return product.high ^ product.low
    }

    /// Up to 8 octets at `bytes[at...]` as a little-endian word, zero past `count` (which must not
    /// run past the buffer). One load when 8 octets are there to read.
    @inlinable @inline(__always)
    static func load(_ bytes: UnsafeRawBufferPointer, _ at: Int, _ count: Int) -> UInt64 {
        guard at + 8 <= bytes.count else { return loadShort(bytes, at, count) }
        let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt64.self))
        return count >= 8 ? word : word & ((1 << (UInt64(count) << 3)) &- 1)
    }

    /// `load` within the last 8 octets of the buffer, one octet at a time.
    @usableFromInline @inline(never)
    static func loadShort(_ bytes: UnsafeRawBufferPointer, _ at: Int, _ count: Int) -> UInt64 {
        var word: UInt64 = 0
        for k in 0..<min(count, 8) { word |= UInt64(bytes[at + k]) << (UInt64(k) << 3) }
        return word
    }

    /// Whether `a[i..<i + count]` and `b[j..<j + count]` are equal without ASCII case.
    @inlinable
    public static func equalIgnoringCase(
        _ a: UnsafeRawBufferPointer, _ i: Int, _ b: UnsafeRawBufferPointer, _ j: Int, count: Int
    ) -> Bool {
        var k = 0
        while k < count {
            let n = min(8, count - k)
            if lowered(load(a, i + k, n)) != lowered(load(b, j + k, n)) { return false }
            k += 8
        }
        return true
    }

    /// Copies `source` to `destination` with ASCII letters lowered, eight octets at a time.
    @inlinable
    public static func copyLowered(_ source: UnsafeRawBufferPointer, to destination: UnsafeMutableRawPointer) {
        let count = source.count
        var i = 0
        while i + 8 <= count {
            let word = lowered(UInt64(littleEndian: source.loadUnaligned(fromByteOffset: i, as: UInt64.self)))
            (destination + i).storeBytes(of: word.littleEndian, as: UInt64.self)
            i += 8
        }
        while i < count {
            destination.storeBytes(of: asciiLower(source[i]), toByteOffset: i, as: UInt8.self)
            i += 1
        }
    }

    /// ASCII 'A'...'Z' in each of the 8 octets of `x` made lower case; other octets unchanged.
    @inlinable @inline(__always)
    static func lowered(_ x: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let low7 = x & (0x7F &* ones)
        // Per octet (no carries: low7 ≤ 0x7F): the high bit of low7 + 0x3F is set from 'A' up,
        // that of low7 + 0x25 from '[' up; they differ exactly on 'A'...'Z'. Octets ≥ 0x80 are left.
        let upper = ((low7 &+ 0x3F &* ones) ^ (low7 &+ 0x25 &* ones)) & ~x & (0x80 &* ones)
        return x | (upper >> 2)
    }
}

extension DNSName {
    /// `WireNameHash` of the name: equal for names equal without case, as a packet's name hashes.
    @inlinable public var wireHash: UInt64 { wire.withUnsafeBytes { WireNameHash.hash($0, 0, $0.count) } }
}
