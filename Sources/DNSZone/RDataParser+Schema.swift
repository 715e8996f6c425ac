// SPDX-License-Identifier: Apache-2.0
import DNSCore

extension RDataParser {
    /// The wire form of a record whose type `RDataSchema` lays out, read from its text fields.
    mutating func schemaWire(_ fields: [RDataField]) throws(FieldError) -> [UInt8] {
        var out: [UInt8] = []
        for field in fields {
            switch field {
            case .u8: out.append(UInt8(try number("an 8-bit number", max: 0xFF)))
            case .u16: append16(&out, UInt16(try number("a 16-bit number", max: 0xFFFF)))
            case .named(let names):
                if index < tokens.endIndex, let value = names.value(of: tokens[index].string) {
                    index += 1
                    if names.octets == 2 { append16(&out, value) } else { out.append(UInt8(value)) }
                } else if names.octets == 2 {
                    append16(&out, UInt16(try number("a 16-bit number or its name", max: 0xFFFF)))
                } else {
                    out.append(UInt8(try number("an 8-bit number or its name", max: 0xFF)))
                }
            case .u32:
                append32(&out, UInt32(try number("a 32-bit number", max: 0xFFFF_FFFF)))
            case .name:
                out += try name("a domain name").wire
            case .characterString:
                out += try characterString()
            case .characterStrings:
                repeat { out += try characterString() } while index < tokens.endIndex
            case .hex:
                let (text, first) = try rest("hex digits")
                guard let bytes = BinaryText.hex(decoding: text) else {
                    throw FieldError(message: "expected hex digits, found \"\(String(decoding: text, as: UTF8.self))\"", token: first)
                }
                out += bytes
            case .base64:
                let (text, first) = try rest("base64 data")
                guard let bytes = BinaryText.base64(decoding: text), !bytes.isEmpty else {
                    throw FieldError(message: "expected base64 data, found \"\(String(decoding: text, as: UTF8.self))\"", token: first)
                }
                out += bytes
            case .ipv4:
                let token = try next("an IPv4 address")
                guard let address = IPv4Address(textBytes: token.bytes) else {
                    throw FieldError(message: "expected an IPv4 address, found \"\(token.string)\"", token: token)
                }
                out += address.array
            case .ipv6:
                let token = try next("an IPv6 address")
                guard let address = IPv6Address(text: token.string) else {
                    throw FieldError(message: "expected an IPv6 address, found \"\(token.string)\"", token: token)
                }
                out += address.array
            case .rrType:
                let token = try next("a record type")
                guard !token.quoted, let type = RRType(mnemonicBytes: token.bytes) else {
                    throw FieldError(message: "expected a record type, found \"\(token.string)\"", token: token)
                }
                append16(&out, type.rawValue)
            case .time:
                let token = try next("a time (YYYYMMDDHHmmSS)")
                let value = token.bytes.count == 14 ? RDataSchema.timestamp(token.bytes) : ZoneText.decimal(token.bytes).flatMap(UInt32.init(exactly:))
                guard let value else {
                    throw FieldError(message: "expected a time as YYYYMMDDHHmmSS or seconds, found \"\(token.string)\"", token: token)
                }
                append32(&out, value)
            case .typeBitmap:
                var types: [RRType] = []
                while index < tokens.endIndex {
                    let token = try next("a record type")
                    guard !token.quoted, let type = RRType(mnemonicBytes: token.bytes) else {
                        throw FieldError(message: "expected a record type, found \"\(token.string)\"", token: token)
                    }
                    types.append(type)
                }
                out += RDataParser.typeBitmap(types)
            case .salt:
                let token = try next("a salt (hex, or - for none)")
                if token.bytes.count == 1 && token.bytes.first == UInt8(ascii: "-") {
                    out.append(0)
                } else {
                    guard let bytes = BinaryText.hex(decoding: token.bytes), !bytes.isEmpty, bytes.count <= 255 else {
                        throw FieldError(message: "expected a salt in hex (or -), found \"\(token.string)\"", token: token)
                    }
                    out.append(UInt8(bytes.count))
                    out += bytes
                }
            case .base32hex:
                let token = try next("a hashed owner name (base32hex)")
                guard let bytes = BinaryText.base32Hex(decoding: token.bytes), !bytes.isEmpty, bytes.count <= 255 else {
                    throw FieldError(message: "expected a hashed owner name in base32hex, found \"\(token.string)\"", token: token)
                }
                out.append(UInt8(bytes.count))
                out += bytes
            case .quotedRest:
                let token = try next("a quoted string")
                guard let bytes = ZoneText.unescape(token.bytes), !bytes.isEmpty else {
                    throw FieldError(message: "expected a quoted string, found \"\(token.string)\"", token: token)
                }
                out += bytes
            case .svcParams:
                out += try svcParams()
            case .location:
                let first = try next("a latitude")
                var fields = [first.string]
                while index < tokens.endIndex {
                    fields.append(tokens[index].string)
                    index += 1
                }
                switch Location.wire(fields) {
                case .success(let bytes): out += bytes
                case .failure(let error): throw FieldError(message: "LOC: \(error.message)", token: first)
                }
            case .portBitmap:
                var bitmap: [UInt8] = []
                while index < tokens.endIndex {
                    let port = Int(try number("a port number", max: 0xFFFF))
                    if bitmap.count <= port / 8 { bitmap += [UInt8](repeating: 0, count: port / 8 + 1 - bitmap.count) }
                    bitmap[port / 8] |= 0x80 >> UInt8(port % 8)
                }
                out += bitmap
            }
        }
        return out
    }

    /// `key`, `key=value` or `key="value"` items to the end (RFC 9460 §2.1). The scanner ends a
    /// token at a quote, so `alpn="h2,h3"` arrives as `alpn=` and the quoted token right after it.
    private mutating func svcParams() throws(FieldError) -> [UInt8] {
        var params: [(key: String, value: [UInt8]?)] = []
        let first = index < tokens.endIndex ? tokens[index] : typeToken
        while index < tokens.endIndex {
            let token = tokens[index]
            index += 1
            guard !token.quoted else { throw FieldError(message: "expected a SvcParamKey, found a quoted string", token: token) }
            let bytes = Array(token.bytes)
            guard let equals = bytes.firstIndex(of: UInt8(ascii: "=")) else {
                params.append((String(decoding: bytes, as: UTF8.self), nil))
                continue
            }
            let key = String(decoding: bytes[..<equals], as: UTF8.self)
            var raw = Array(bytes[(equals + 1)...])
            if raw.isEmpty, index < tokens.endIndex, tokens[index].quoted,
                tokens[index].line == token.line, tokens[index].column == token.column + bytes.count
            {
                raw = Array(tokens[index].bytes)
                index += 1
            }
            guard let value = ZoneText.unescape(raw) else { throw FieldError(message: "bad escape in \"\(token.string)\"", token: token) }
            params.append((key, value))
        }
        do {
            return try SvcParams.wire(params)
        } catch {
            throw FieldError(message: error.message, token: first)
        }
    }

    private mutating func characterString() throws(FieldError) -> [UInt8] {
        let token = try next("a character-string")
        guard let bytes = ZoneText.unescape(token.bytes) else { throw FieldError(message: "bad escape in \"\(token.string)\"", token: token) }
        guard bytes.count <= 255 else {
            throw FieldError(message: "character-string of \(bytes.count) octets exceeds 255", token: token)
        }
        return [UInt8(bytes.count)] + bytes
    }

    /// The remaining tokens joined (hex and base64 may be split by white space), and the first.
    private mutating func rest(_ what: String) throws(FieldError) -> ([UInt8], ZoneToken) {
        let first = try next(what)
        var text = Array(first.bytes)
        while index < tokens.endIndex {
            text += tokens[index].bytes
            index += 1
        }
        return (text, first)
    }

    private func append16(_ out: inout [UInt8], _ v: UInt16) { out += [UInt8(v >> 8), UInt8(v & 0xFF)] }
    private func append32(_ out: inout [UInt8], _ v: UInt32) { append16(&out, UInt16(v >> 16)); append16(&out, UInt16(v & 0xFFFF)) }

    /// RFC 4034 §4.1.2: windows of 256 types, each with the octets up to its last set bit.
    static func typeBitmap(_ types: [RRType]) -> [UInt8] {
        var windows: [UInt8: [UInt8]] = [:]
        for type in Set(types.map(\.rawValue)) {
            let window = UInt8(type >> 8)
            let low = Int(type & 0xFF)
            var octets = windows[window] ?? []
            if octets.count <= low / 8 { octets += [UInt8](repeating: 0, count: low / 8 + 1 - octets.count) }
            octets[low / 8] |= 0x80 >> UInt8(low % 8)
            windows[window] = octets
        }
        var out: [UInt8] = []
        for window in windows.keys.sorted() {
            let octets = windows[window]!
            out += [window, UInt8(octets.count)] + octets
        }
        return out
    }
}
