// SPDX-License-Identifier: Apache-2.0

/// Builds message bytes, compressing names against those already written (RFC 1035 §4.1.4).
public struct WireWriter: Sendable {
    public private(set) var bytes: [UInt8]
    /// Compression targets: an open-addressing table of the hashes of lower-cased wire suffixes,
    /// each slot the hash's upper 48 bits and the 16-bit offset of the suffix's first copy (offsets
    /// < 0x4000 only; 0 = empty). One allocation, made on the first name. A hit is verified against
    /// the bytes already written, so a collision costs nothing but a missed compression.
    private var slots: [UInt64] = []
    private var used = 0
    /// Whether names are compressed at all.
    public var compression: Bool

    public init(capacity: Int = 512, compression: Bool = true) {
        bytes = []
        bytes.reserveCapacity(capacity)
        self.compression = compression
    }

    public var count: Int { bytes.count }

    public mutating func writeUInt8(_ v: UInt8) { bytes.append(v) }

    public mutating func writeUInt16(_ v: UInt16) {
        bytes.append(UInt8(v >> 8))
        bytes.append(UInt8(v & 0xFF))
    }

    public mutating func writeUInt32(_ v: UInt32) {
        bytes.append(UInt8(v >> 24))
        bytes.append(UInt8((v >> 16) & 0xFF))
        bytes.append(UInt8((v >> 8) & 0xFF))
        bytes.append(UInt8(v & 0xFF))
    }

    public mutating func writeBytes(_ b: some Sequence<UInt8>) { bytes.append(contentsOf: b) }

    /// Overwrites two octets at `offset` (for counts and RDLENGTH).
    public mutating func setUInt16(_ v: UInt16, at offset: Int) {
        bytes[offset] = UInt8(v >> 8)
        bytes[offset + 1] = UInt8(v & 0xFF)
    }

    /// Writes `name`, ending in a pointer to an earlier copy of its longest known suffix when
    /// `compress` is set. Its suffixes become targets for later names either way.
    public mutating func writeName(_ name: DNSName, compress: Bool = true) {
        let wire = name.wire
        guard compression else {
            bytes.append(contentsOf: wire)
            return
        }
        // The hash of every suffix, right to left: on the stack (at most 127 labels; the buffer
        // stays under the 1 KiB the standard library keeps off the heap).
        name.withLabelStarts { starts in
            withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 127) { hashes in
                let count = starts.count
                var h: UInt64 = 0xcbf2_9ce4_8422_2325
                var k = count - 1
                while k >= 0 {
                    let start = Int(starts[k])
                    let length = Int(wire[start])
                    h = (h ^ UInt64(length)) &* 0x0000_0100_0000_01B3
                    for j in (start + 1)..<(start + 1 + length) { h = (h ^ UInt64(asciiLower(wire[j]))) &* 0x0000_0100_0000_01B3 }
                    hashes[k] = h
                    k -= 1
                }
                // The longest suffix already written ends the name as a pointer; the labels before
                // it are copied in one go, each becoming a target at the offset it lands on.
                let base = bytes.count
                var end = wire.count - 1  // the root label
                var pointer: UInt16?
                for k in 0..<count {
                    let start = Int(starts[k])
                    if let target = targetOrRecord(hashes[k], offset: base + start),
                        compress && sameSuffix(wire, from: start, asNameAt: Int(target))
                    {
                        end = start
                        pointer = target
                        break
                    }
                }
                wire.withUnsafeBufferPointer { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: $0[0..<end])) }
                if let pointer { writeUInt16(0xC000 | pointer) } else { bytes.append(0) }
            }
        }
    }

    /// Whether `wire[from...]` equals, without case, the name written at `offset` (pointers followed).
    private func sameSuffix(_ wire: [UInt8], from: Int, asNameAt offset: Int) -> Bool {
        var i = from
        var p = offset
        var jumps = 0
        while true {
            guard p < bytes.count else { return false }
            var length = Int(bytes[p])
            if length & 0xC0 == 0xC0 {
                guard p + 1 < bytes.count, jumps < 64 else { return false }
                p = (length & 0x3F) << 8 | Int(bytes[p + 1])
                jumps += 1
                continue
            }
            guard Int(wire[i]) == length else { return false }
            if length == 0 { return true }
            length += 1
            guard p + length <= bytes.count else { return false }
            for j in 1..<length where asciiLower(wire[i + j]) != asciiLower(bytes[p + j]) { return false }
            i += length
            p += length
        }
    }

    /// The offset recorded for a suffix hash, or nil after recording `offset` for it.
    private mutating func targetOrRecord(_ hash: UInt64, offset: Int) -> UInt16? {
        if slots.isEmpty { slots = [UInt64](repeating: 0, count: 16) }
        let tag = hash & ~0xFFFF
        let mask = slots.count - 1
        var i = Int(truncatingIfNeeded: hash >> 16) & mask
        while slots[i] != 0 {
            if slots[i] & ~0xFFFF == tag { return UInt16(truncatingIfNeeded: slots[i]) }
            i = (i + 1) & mask
        }
        guard offset < 0x4000 else { return nil }
        slots[i] = tag | UInt64(offset)
        used += 1
        if used * 2 > slots.count { grow() }
        return nil
    }

    private mutating func grow() {
        let entries = slots.filter { $0 != 0 }
        slots = [UInt64](repeating: 0, count: slots.count * 2)
        used = 0
        place(entries)
    }

    private mutating func place(_ entries: [UInt64]) {
        let mask = slots.count - 1
        for entry in entries {
            var i = Int(truncatingIfNeeded: entry >> 16) & mask
            while slots[i] != 0 { i = (i + 1) & mask }
            slots[i] = entry
            used += 1
        }
    }

    /// Remembers the current state for `rollback(to:)`.
    public func mark() -> Mark { Mark(count: bytes.count) }

    /// Returns to the state at `mark`, forgetting the compression targets recorded since.
    public mutating func rollback(to mark: Mark) {
        bytes.removeSubrange(mark.count...)
        let kept = slots.filter { $0 != 0 && Int($0 & 0xFFFF) < mark.count }
        guard kept.count < used else { return }
        slots = [UInt64](repeating: 0, count: slots.count)
        used = 0
        place(kept)
    }

    /// A point to roll back to.
    public struct Mark: Sendable {
        public let count: Int
    }
}
