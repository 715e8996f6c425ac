// SPDX-License-Identifier: Apache-2.0

extension DNSName {
    /// Parses presentation form (RFC 1035 §5.1): labels separated by `.`, `\.` a literal dot,
    /// `\DDD` a decimal octet, `\X` the character X. A trailing dot makes the name absolute;
    /// otherwise `origin` is appended (or the name is taken as absolute when `origin` is nil).
    /// - Throws: `DNSNameError` for a bad escape, an empty label or an oversized name.
    public init(parsing text: some StringProtocol, origin: DNSName? = nil) throws(DNSNameError) {
        try self.init(parsingBytes: ArraySlice(text.utf8), origin: origin)
    }

    /// `init(parsingBytes:origin:)` over a whole array.
    public init(parsingBytes input: [UInt8], origin: DNSName? = nil) throws(DNSNameError) {
        try self.init(parsingBytes: input[...], origin: origin)
    }

    /// Parses presentation form from raw bytes; see `init(parsing:origin:)`. Builds the wire form
    /// in one buffer.
    public init(parsingBytes text: ArraySlice<UInt8>, origin: DNSName? = nil) throws(DNSNameError) {
        if text.count == 1 && text.first == UInt8(ascii: ".") {
            self = .root
            return
        }
        guard !text.isEmpty else { throw .invalidText("empty name") }
        var wire: [UInt8] = []
        wire.reserveCapacity(text.count + 2 + (origin?.wire.count ?? 0))
        var lengthAt = 0
        wire.append(0)
        var absolute = false
        var i = text.startIndex
        func closeLabel() throws(DNSNameError) {
            let length = wire.count - lengthAt - 1
            guard length > 0 else { throw .invalidText("empty label") }
            guard length <= 63 else { throw .invalidLabelLength(length) }
            wire[lengthAt] = UInt8(length)
        }
        while i < text.endIndex {
            let c = text[i]
            if c == UInt8(ascii: "\\") {
                guard i + 1 < text.endIndex else { throw .invalidText("dangling backslash") }
                let d = text[i + 1]
                if isDigit(d) {
                    guard i + 3 < text.endIndex, isDigit(text[i + 2]), isDigit(text[i + 3]) else {
                        throw .invalidText("\\DDD escape needs three digits")
                    }
                    let value = Int(d - 48) * 100 + Int(text[i + 2] - 48) * 10 + Int(text[i + 3] - 48)
                    guard value <= 255 else { throw .invalidText("\\DDD escape above 255") }
                    wire.append(UInt8(value))
                    i += 4
                } else {
                    wire.append(d)
                    i += 2
                }
            } else if c == UInt8(ascii: ".") {
                try closeLabel()
                i += 1
                if i == text.endIndex {
                    absolute = true
                } else {
                    lengthAt = wire.count
                    wire.append(0)
                }
            } else {
                wire.append(c)
                i += 1
            }
        }
        if !absolute { try closeLabel() }
        wire.append(0)
        guard wire.count <= 255 else { throw .nameTooLong(wire.count) }
        let name = DNSName(validatedWire: wire)
        if absolute || origin == nil {
            self = name
        } else {
            self = try name.appending(origin!)
        }
    }

    /// Presentation form with a trailing dot, escaping as `dig` does: `. ; \ ( ) " @ $` and
    /// whitespace with a backslash, other non-printable octets as `\DDD`.
    public var text: String {
        if isRoot { return "." }
        var out: [UInt8] = []
        out.reserveCapacity(wire.count + 4)
        var i = 0
        while wire[i] != 0 {
            let length = Int(wire[i])
            for byte in wire[(i + 1)...(i + length)] {
                appendEscaped(byte, to: &out)
            }
            out.append(UInt8(ascii: "."))
            i += 1 + length
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension DNSName: CustomStringConvertible {
    public var description: String { text }
}

private func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }

/// Appends one label octet in presentation form.
func appendEscaped(_ byte: UInt8, to out: inout [UInt8]) {
    switch byte {
    case UInt8(ascii: "."), UInt8(ascii: ";"), UInt8(ascii: "\\"), UInt8(ascii: "("), UInt8(ascii: ")"),
        UInt8(ascii: "\""), UInt8(ascii: "@"), UInt8(ascii: "$"):
        out.append(UInt8(ascii: "\\"))
        out.append(byte)
    case 0x21...0x7E:
        out.append(byte)
    default:
        appendDecimalEscape(byte, to: &out)
    }
}

/// Appends `\DDD` for one octet.
func appendDecimalEscape(_ byte: UInt8, to out: inout [UInt8]) {
    out.append(UInt8(ascii: "\\"))
    out.append(48 + byte / 100)
    out.append(48 + (byte / 10) % 10)
    out.append(48 + byte % 10)
}
