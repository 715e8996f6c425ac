// SPDX-License-Identifier: Apache-2.0

/// Builds message bytes, compressing names against those already written (RFC 1035 §4.1.4).
public struct WireWriter: Sendable {
    public private(set) var bytes: [UInt8]
    /// Hash of a lower-cased wire suffix → offset of its first occurrence (offsets < 0x4000 only).
    /// A hit is verified against the bytes already written, so collisions cost nothing but a miss.
    private var suffixes: [UInt64: UInt16] = [:]
    /// Suffixes in the order they were added, so writing can be rolled back to any `Mark`.
    private var added: [UInt64] = []
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
        // Label starts, then the hash of every suffix, right to left; on the stack, no allocation.
        withUnsafeTemporaryAllocation(of: (start: Int, hash: UInt64).self, capacity: 128) { labels in
            var count = 0
            var i = 0
            while wire[i] != 0 {
                labels[count].start = i
                count += 1
                i += 1 + Int(wire[i])
            }
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            var k = count - 1
            while k >= 0 {
                let start = labels[k].start
                let length = Int(wire[start])
                h = (h ^ UInt64(length)) &* 0x0000_0100_0000_01B3
                for j in (start + 1)..<(start + 1 + length) { h = (h ^ UInt64(asciiLower(wire[j]))) &* 0x0000_0100_0000_01B3 }
                labels[k].hash = h
                k -= 1
            }
            for k in 0..<count {
                let (start, key) = labels[k]
                if let target = suffixes[key] {
                    if compress && sameSuffix(wire, from: start, asNameAt: Int(target)) {
                        writeUInt16(0xC000 | target)
                        return
                    }
                } else if bytes.count < 0x4000 {
                    suffixes[key] = UInt16(bytes.count)
                    added.append(key)
                }
                let length = Int(wire[start])
                bytes.append(contentsOf: wire[start...(start + length)])
            }
            bytes.append(0)
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

    /// Remembers the current state for `rollback()`.
    public func mark() -> Mark { Mark(count: bytes.count, added: added.count) }

    /// Returns to the state at `mark`: the bytes and the compression targets written since are gone.
    public mutating func rollback(to mark: Mark) {
        bytes.removeSubrange(mark.count...)
        for key in added[mark.added...] { suffixes[key] = nil }
        added.removeSubrange(mark.added...)
    }

    /// A point to roll back to.
    public struct Mark: Sendable {
        public let count: Int
        let added: Int
    }
}
