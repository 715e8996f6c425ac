// SPDX-License-Identifier: Apache-2.0

/// A cursor over untrusted message bytes. `read*` moves the cursor; every read is bounds-checked and
/// a short buffer throws `WireFormatError.truncated` (never traps).
public struct WireReader: Sendable {
    public let bytes: [UInt8]
    public private(set) var offset: Int
    /// Reads past this offset fail (used to keep RDATA inside RDLENGTH).
    public var limit: Int

    public init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
        self.limit = bytes.count
    }

    public var remaining: Int { limit - offset }

    public mutating func readUInt8() throws(WireFormatError) -> UInt8 {
        guard offset < limit else { throw .truncated(offset: offset) }
        defer { offset += 1 }
        return bytes[offset]
    }

    public mutating func readUInt16() throws(WireFormatError) -> UInt16 {
        guard limit - offset >= 2 else { throw .truncated(offset: offset) }
        defer { offset += 2 }
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    public mutating func readUInt32() throws(WireFormatError) -> UInt32 {
        guard limit - offset >= 4 else { throw .truncated(offset: offset) }
        defer { offset += 4 }
        return UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8
            | UInt32(bytes[offset + 3])
    }

    public mutating func readBytes(_ count: Int) throws(WireFormatError) -> [UInt8] {
        guard count >= 0, limit - offset >= count else { throw .truncated(offset: offset) }
        defer { offset += count }
        return Array(bytes[offset..<(offset + count)])
    }

    /// Reads a possibly compressed name (RFC 1035 §4.1.4). A pointer must point strictly before the
    /// start of the label sequence that holds it, and never into the header, so every pointer chain
    /// moves backwards and ends: loops and forward pointers are rejected.
    public mutating func readName() throws(WireFormatError) -> DNSName {
        var out: [UInt8] = []
        out.reserveCapacity(32)
        var position = offset
        var jumped = false
        var boundary = position  // a pointer must land before this
        while true {
            guard position < (jumped ? bytes.count : limit) else { throw .truncated(offset: position) }
            let length = bytes[position]
            switch length & 0xC0 {
            case 0x00:
                if length == 0 {
                    out.append(0)
                    if !jumped { offset = position + 1 }
                    return DNSName(validatedWire: out)
                }
                let end = position + 1 + Int(length)
                guard end <= (jumped ? bytes.count : limit) else { throw .truncated(offset: position) }
                guard out.count + 1 + Int(length) + 1 <= 255 else { throw .nameTooLong(offset: position) }
                out.append(contentsOf: bytes[position..<end])
                position = end
            case 0xC0:
                guard position + 1 < (jumped ? bytes.count : limit) else { throw .truncated(offset: position) }
                let target = Int(length & 0x3F) << 8 | Int(bytes[position + 1])
                guard target >= Header.size, target < boundary else { throw .badPointer(offset: position) }
                if !jumped {
                    offset = position + 2
                    jumped = true
                }
                boundary = target
                position = target
            default:
                throw .badLabelType(offset: position)
            }
        }
    }

    /// Skips `count` octets.
    public mutating func skip(_ count: Int) throws(WireFormatError) {
        guard count >= 0, limit - offset >= count else { throw .truncated(offset: offset) }
        offset += count
    }
}
