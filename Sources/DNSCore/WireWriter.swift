// SPDX-License-Identifier: Apache-2.0

/// Builds message bytes, compressing names against those already written (RFC 1035 §4.1.4).
public struct WireWriter: Sendable {
    public private(set) var bytes: [UInt8]
    /// Lower-cased wire suffix → offset of its first occurrence (offsets < 0x4000 only).
    private var suffixes: [[UInt8]: UInt16] = [:]
    /// Suffixes added since the last `mark()`, so a record that does not fit can be rolled back.
    private var addedSinceMark: [[UInt8]] = []
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
        var i = 0
        while wire[i] != 0 {
            let key = wire[i...].map(asciiLower)
            if compression && compress, let target = suffixes[key] {
                writeUInt16(0xC000 | target)
                return
            }
            if compression && bytes.count < 0x4000 {
                suffixes[key] = UInt16(bytes.count)
                addedSinceMark.append(key)
            }
            let length = Int(wire[i])
            bytes.append(contentsOf: wire[i...(i + length)])
            i += 1 + length
        }
        bytes.append(0)
    }

    /// Remembers the current state for `rollback()`.
    public mutating func mark() -> Int {
        addedSinceMark.removeAll(keepingCapacity: true)
        return bytes.count
    }

    /// Returns to the state of the matching `mark()`.
    public mutating func rollback(to mark: Int) {
        bytes.removeSubrange(mark...)
        for key in addedSinceMark { suffixes[key] = nil }
        addedSinceMark.removeAll(keepingCapacity: true)
    }
}
