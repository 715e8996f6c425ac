// SPDX-License-Identifier: Apache-2.0

/// One token of a master file, with escapes left in place for the field parser to interpret.
struct ZoneToken: Sendable {
    /// The token's octets, a slice of the file's text (no copy).
    var bytes: ArraySlice<UInt8>
    var quoted: Bool
    var line: Int
    var column: Int

    var string: String { String(decoding: bytes, as: UTF8.self) }
}

/// One logical entry: a line, or several joined by parentheses (RFC 1035 §5.1).
struct ZoneEntry: Sendable {
    var tokens: [ZoneToken]
    /// The entry's first physical line began with a blank: the owner is the previous one.
    var leadingBlank: Bool
    var line: Int
}

/// Splits master-file text into entries: handles `;` comments, `( )` spanning lines, quoted strings
/// and backslash escapes. Malformed entries are reported and dropped; scanning goes on. Entries come
/// one at a time (`next`), into a token array the caller reuses: a million-line file never holds a
/// million token arrays at once.
struct ZoneScanner {
    let file: String
    let text: [UInt8]
    private var i = 0
    private var line = 1
    private var lineStart = 0
    private var atEnd = false

    init(file: String, text: [UInt8]) {
        self.file = file
        self.text = text
    }

    /// Every entry and error at once (tests, and the `$ORIGIN` sniffer).
    func scan() -> (entries: [ZoneEntry], errors: [ZoneFileError]) {
        var scanner = self
        var entries: [ZoneEntry] = []
        var errors: [ZoneFileError] = []
        var tokens: [ZoneToken] = []
        while let (leadingBlank, line) = scanner.next(&tokens, errors: &errors) {
            entries.append(ZoneEntry(tokens: tokens, leadingBlank: leadingBlank, line: line))
        }
        return (entries, errors)
    }

    /// Reads the next well-formed entry into `tokens` (replacing what it held); returns whether its
    /// first line began with a blank and the line it began on, or nil at the end of the text.
    /// Problems met on the way go to `errors`, and their entries are skipped.
    mutating func next(_ tokens: inout [ZoneToken], errors: inout [ZoneFileError]) -> (leadingBlank: Bool, line: Int)? {
        tokens.removeAll(keepingCapacity: true)
        if atEnd { return nil }
        // Octets are read through a pointer (no bounds check per octet); tokens slice the array.
        let text = self.text
        return text.withUnsafeBufferPointer { buffer in scan(buffer, text, &tokens, errors: &errors) }
    }

    private mutating func scan(
        _ buffer: UnsafeBufferPointer<UInt8>, _ text: [UInt8], _ tokens: inout [ZoneToken], errors: inout [ZoneFileError]
    ) -> (leadingBlank: Bool, line: Int)? {
        var leadingBlank = false
        var entryLine = line
        var broken = false
        var depth = 0
        var openLine = 0
        var openColumn = 0
        let count = buffer.count

        func error(_ message: String, _ at: Int) {
            errors.append(ZoneFileError(file: file, line: line, column: at - lineStart + 1, message: message))
            broken = true
        }

        while i < count {
            let c = buffer[i]
            if tokens.isEmpty && depth == 0 && !broken && i == lineStart {
                leadingBlank = c == 0x20 || c == 0x09
                entryLine = line
            }
            switch c {
            case 0x20, 0x09, 0x0D:
                i += 1
            case 0x0A:
                i += 1
                line += 1
                lineStart = i
                if depth == 0 {
                    if !tokens.isEmpty && !broken { return (leadingBlank, entryLine) }
                    tokens.removeAll(keepingCapacity: true)
                    broken = false
                }
            case UInt8(ascii: ";"):
                while i < count && buffer[i] != 0x0A { i += 1 }
            case UInt8(ascii: "("):
                if depth == 0 {
                    openLine = line
                    openColumn = i - lineStart + 1
                }
                depth += 1
                i += 1
            case UInt8(ascii: ")"):
                if depth == 0 {
                    error("\")\" without a matching \"(\"", i)
                } else {
                    depth -= 1
                }
                i += 1
            case UInt8(ascii: "\""):
                let column = i - lineStart + 1
                i += 1
                let contentStart = i
                var contentEnd = i
                var closed = false
                while i < count {
                    let d = buffer[i]
                    if d == UInt8(ascii: "\\") && i + 1 < count && buffer[i + 1] != 0x0A {
                        i += 2
                    } else if d == UInt8(ascii: "\"") {
                        closed = true
                        contentEnd = i
                        i += 1
                        break
                    } else if d == 0x0A {
                        break
                    } else {
                        i += 1
                    }
                }
                if closed {
                    tokens.append(ZoneToken(bytes: text[contentStart..<contentEnd], quoted: true, line: line, column: column))
                } else {
                    error("unterminated quoted string", lineStart + column - 1)
                }
            default:
                let start = i
                scan: while i < count {
                    switch buffer[i] {
                    case 0x20, 0x09, 0x0D, 0x0A, UInt8(ascii: ";"), UInt8(ascii: "("), UInt8(ascii: ")"),
                        UInt8(ascii: "\""):
                        break scan
                    case UInt8(ascii: "\\"):
                        i += (i + 1 < count && buffer[i + 1] != 0x0A) ? 2 : 1
                    default:
                        i += 1
                    }
                }
                tokens.append(ZoneToken(bytes: text[start..<i], quoted: false, line: line, column: start - lineStart + 1))
            }
        }
        atEnd = true
        if depth > 0 {
            errors.append(
                ZoneFileError(
                    file: file, line: openLine, column: openColumn, message: "\"(\" is never closed before the end of file"))
            broken = true
        }
        if !tokens.isEmpty && !broken { return (leadingBlank, entryLine) }
        tokens.removeAll()
        return nil
    }
}
