// SPDX-License-Identifier: Apache-2.0

/// The header and first question of a query, read in place without building a `Message` or
/// allocating: the server's hot path.
public struct QueryPreview: Sendable, Equatable {
    public var id: UInt16
    public var flags: UInt16
    public var questionCount: UInt16
    public var answerCount: UInt16
    public var authorityCount: UInt16
    public var additionalCount: UInt16
    /// Offsets of the question name's wire form (never compressed: it is the first name).
    public var nameStart: Int
    public var nameEnd: Int
    public var qtype: RRType
    public var qclass: RRClass
    /// Offset just past the first question.
    public var questionEnd: Int

    public var isResponse: Bool { flags & Header.Flag.qr != 0 }
    public var opcode: OpCode { OpCode(UInt8((flags >> 11) & 0x0F)) }

    /// Reads the header and, when QDCOUNT ≥ 1, the first question.
    /// - Returns: nil if there is no question (QDCOUNT 0); the header is still readable via `readHeader`.
    /// - Throws: `WireFormatError` if the bytes do not hold a header and a well-formed first question.
    public static func parse(_ buffer: UnsafeRawBufferPointer) throws(WireFormatError) -> QueryPreview {
        guard buffer.count >= Header.size else { throw .truncated(offset: buffer.count) }
        func u16(_ i: Int) -> UInt16 { UInt16(buffer[i]) << 8 | UInt16(buffer[i + 1]) }
        var position = Header.size
        let questionCount = u16(4)
        guard questionCount >= 1 else { throw .truncated(offset: position) }
        // An uncompressed name: the first name in a message has nothing before it to point to.
        while true {
            guard position < buffer.count else { throw .truncated(offset: position) }
            let length = Int(buffer[position])
            if length == 0 { break }
            guard length <= 63 else {
                let error: WireFormatError =
                    length & 0xC0 == 0xC0 ? .badPointer(offset: position) : .badLabelType(offset: position)
                throw error
            }
            position += 1 + length
            guard position - Header.size < 255 else { throw .nameTooLong(offset: Header.size) }
        }
        let nameEnd = position + 1
        guard nameEnd + 4 <= buffer.count else { throw .truncated(offset: nameEnd) }
        return QueryPreview(
            id: u16(0), flags: u16(2), questionCount: questionCount, answerCount: u16(6), authorityCount: u16(8),
            additionalCount: u16(10), nameStart: Header.size, nameEnd: nameEnd, qtype: RRType(u16(nameEnd)),
            qclass: RRClass(u16(nameEnd + 2)), questionEnd: nameEnd + 4)
    }

    /// Convenience over an array.
    public static func parse(_ bytes: [UInt8]) throws(WireFormatError) -> QueryPreview {
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(WireFormatError) -> QueryPreview in try parse(buffer) }
        }
        return try result.get()
    }
}
