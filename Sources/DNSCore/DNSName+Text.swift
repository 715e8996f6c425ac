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

    /// Parses presentation form from raw bytes; see `init(parsing:origin:)`. Builds the wire form,
    /// origin included, on the stack and allocates the name once, at its size (a zone file makes
    /// one of these per record).
    public init(parsingBytes text: ArraySlice<UInt8>, origin: DNSName? = nil) throws(DNSNameError) {
        if text.count == 1 && text.first == UInt8(ascii: ".") {
            self = .root
            return
        }
        guard !text.isEmpty else { throw .invalidText("empty name") }
        self = try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 256) { (buffer) throws(DNSNameError) in
            try DNSName.parse(text, origin: origin, into: buffer)
        }
    }

    /// The parse behind `init(parsingBytes:origin:)`. `n` counts every octet of the wire form even
    /// past the buffer (only those that fit are written), so a label's or the name's true length
    /// reaches the error.
    private static func parse(
        _ text: ArraySlice<UInt8>, origin: DNSName?, into buffer: UnsafeMutableBufferPointer<UInt8>
    ) throws(DNSNameError) -> DNSName {
        let capacity = buffer.count
        var n = 1
        var lengthAt = 0
        var absolute = false
        @inline(__always) func put(_ byte: UInt8) {
            if n < capacity { buffer[n] = byte }
            n += 1
        }
        func closeLabel() throws(DNSNameError) {
            let length = n - lengthAt - 1
            guard length > 0 else { throw .invalidText("empty label") }
            guard length <= 63 else { throw .invalidLabelLength(length) }
            if lengthAt < capacity { buffer[lengthAt] = UInt8(length) }
        }
        var i = text.startIndex
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
                    put(UInt8(value))
                    i += 4
                } else {
                    put(d)
                    i += 2
                }
            } else if c == UInt8(ascii: ".") {
                try closeLabel()
                i += 1
                if i == text.endIndex {
                    absolute = true
                } else {
                    lengthAt = n
                    put(0)
                }
            } else {
                put(c)
                i += 1
            }
        }
        if !absolute { try closeLabel() }
        // The root label ends an absolute name; a relative one takes the origin's labels and root.
        let suffix = absolute || origin == nil ? DNSName.root.wire : origin!.wire
        guard n < 255 else { throw .nameTooLong(n + 1) }
        let total = n + suffix.count
        guard total <= 255 else { throw .nameTooLong(total) }
        let labels = n
        let wire = [UInt8](unsafeUninitializedCapacity: total) { out, count in
            out.baseAddress!.initialize(from: buffer.baseAddress!, count: labels)
            suffix.withUnsafeBufferPointer { (out.baseAddress! + labels).initialize(from: $0.baseAddress!, count: $0.count) }
            count = total
        }
        return DNSName(validatedWire: wire)
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
