// SPDX-License-Identifier: Apache-2.0
import DNSCore

/// A field-level problem: what went wrong and at which token.
struct FieldError: Error {
    var message: String
    var token: ZoneToken?
}

/// Reads the RDATA fields of one record from its tokens (RFC 1035 §5.1, RFC 3597 §5).
struct RDataParser {
    let type: RRType
    let tokens: ArraySlice<ZoneToken>
    let origin: DNSName
    /// The token before the RDATA, for errors about missing fields.
    let typeToken: ZoneToken
    var index: Int

    init(type: RRType, tokens: ArraySlice<ZoneToken>, origin: DNSName, typeToken: ZoneToken) {
        self.type = type
        self.tokens = tokens
        self.origin = origin
        self.typeToken = typeToken
        self.index = tokens.startIndex
    }

    mutating func parse() throws(FieldError) -> RData {
        if let why = RDataSchema.unservable(type) { throw FieldError(message: why, token: typeToken) }
        if let first = tokens.first, !first.quoted, first.bytes.count == 2, first.bytes.first == UInt8(ascii: "\\"), first.bytes.last == UInt8(ascii: "#") {
            index += 1
            return try generic()
        }
        let rdata: RData
        switch type {
        case .A:
            let token = try next("an IPv4 address")
            guard let address = IPv4Address(textBytes: token.bytes) else {
                throw FieldError(message: "expected an IPv4 address, found \"\(token.string)\"", token: token)
            }
            rdata = .a(address)
        case .AAAA:
            let token = try next("an IPv6 address")
            guard let address = IPv6Address(text: token.string) else {
                throw FieldError(message: "expected an IPv6 address, found \"\(token.string)\"", token: token)
            }
            rdata = .aaaa(address)
        case .NS: rdata = .ns(try name("a name server name"))
        case .CNAME: rdata = .cname(try name("a canonical name"))
        case .PTR: rdata = .ptr(try name("a domain name"))
        case .MX:
            rdata = .mx(preference: UInt16(try number("a preference", max: 0xFFFF)), exchange: try name("a mail exchange name"))
        case .SOA:
            let mname = try name("the primary name server")
            let rname = try name("the responsible mailbox")
            let serial = UInt32(try number("a serial number", max: 0xFFFF_FFFF))
            rdata = .soa(
                SOAData(
                    mname: mname, rname: rname, serial: serial, refresh: try ttl("a refresh interval"),
                    retry: try ttl("a retry interval"), expire: try ttl("an expire interval"),
                    minimum: try ttl("a minimum TTL")))
        case .TXT, .SPF:
            var strings: [[UInt8]] = []
            while index < tokens.endIndex {
                let token = tokens[index]
                index += 1
                guard let bytes = ZoneText.unescape(token.bytes) else {
                    throw FieldError(message: "bad escape in \"\(token.string)\"", token: token)
                }
                guard bytes.count <= 255 else {
                    throw FieldError(message: "character-string of \(bytes.count) octets exceeds 255", token: token)
                }
                strings.append(bytes)
            }
            guard !strings.isEmpty else { throw FieldError(message: "expected a text string", token: typeToken) }
            rdata = .txt(strings)
        case .SRV:
            rdata = .srv(
                priority: UInt16(try number("a priority", max: 0xFFFF)), weight: UInt16(try number("a weight", max: 0xFFFF)),
                port: UInt16(try number("a port", max: 0xFFFF)), target: try name("a target name"))
        case .CAA:
            let flags = UInt8(try number("CAA flags", max: 255))
            let tagToken = try next("a CAA tag")
            let tag = Array(tagToken.bytes)
            guard !tag.isEmpty, tag.count <= 255,
                tag.allSatisfy({ ($0 >= 48 && $0 <= 57) || (($0 | 0x20) >= 97 && ($0 | 0x20) <= 122) })
            else {
                throw FieldError(message: "expected a CAA tag (letters and digits), found \"\(tagToken.string)\"", token: tagToken)
            }
            let valueToken = try next("a CAA value")
            guard let value = ZoneText.unescape(valueToken.bytes) else {
                throw FieldError(message: "bad escape in \"\(valueToken.string)\"", token: valueToken)
            }
            rdata = .caa(flags: flags, tag: tag, value: value)
        default:
            guard let fields = RDataSchema.fields(for: type) else {
                throw FieldError(
                    message: "type \(type) has no text form here; write it in the RFC 3597 form \\# LENGTH HEX",
                    token: typeToken)
            }
            rdata = .unknown(try schemaWire(fields))
        }
        if index < tokens.endIndex {
            let extra = tokens[index]
            throw FieldError(message: "unexpected \"\(extra.string)\" after the \(type) data", token: extra)
        }
        return rdata
    }

    /// `\# length hex…` (RFC 3597 §5); a known type's octets must decode as that type.
    private mutating func generic() throws(FieldError) -> RData {
        let length = try number("the RDATA length", max: 0xFFFF)
        var hex: [UInt8] = []
        while index < tokens.endIndex {
            hex.append(contentsOf: tokens[index].bytes)
            index += 1
        }
        guard hex.count % 2 == 0 else { throw FieldError(message: "odd number of hex digits", token: typeToken) }
        guard let bytes = BinaryText.hex(decoding: hex) else {
            throw FieldError(message: "expected hex digits in generic RDATA", token: typeToken)
        }
        guard bytes.count == Int(length) else {
            throw FieldError(message: "generic RDATA has \(bytes.count) octets, but the length says \(length)", token: typeToken)
        }
        var reader = WireReader(bytes)
        let rdata: RData
        do {
            rdata = try reader.readRData(type: type, length: bytes.count)
        } catch {
            throw FieldError(message: "generic RDATA is not valid \(type) data", token: typeToken)
        }
        if let fields = RDataSchema.fields(for: type), RDataSchema.presentation(bytes, fields: fields) == nil {
            throw FieldError(message: "generic RDATA is not valid \(type) data", token: typeToken)
        }
        return rdata
    }

    mutating func next(_ what: String) throws(FieldError) -> ZoneToken {
        guard index < tokens.endIndex else {
            throw FieldError(message: "expected \(what) after \(type), found the end of the record", token: typeToken)
        }
        defer { index += 1 }
        return tokens[index]
    }

    mutating func name(_ what: String) throws(FieldError) -> DNSName {
        let token = try next(what)
        do {
            return try parseName(token, origin: origin)
        } catch {
            throw FieldError(message: "expected \(what), found \"\(token.string)\": \(describe(error))", token: token)
        }
    }

    mutating func number(_ what: String, max: UInt64) throws(FieldError) -> UInt64 {
        let token = try next(what)
        guard !token.quoted, let value = ZoneText.decimal(token.bytes), value <= max else {
            throw FieldError(message: "expected \(what) (0-\(max)), found \"\(token.string)\"", token: token)
        }
        return value
    }

    private mutating func ttl(_ what: String) throws(FieldError) -> UInt32 {
        let token = try next(what)
        guard let value = ZoneText.ttl(bytes: token.bytes), value <= UInt64(UInt32.max) else {
            throw FieldError(message: "expected \(what), found \"\(token.string)\"", token: token)
        }
        return UInt32(value)
    }
}

/// Reads an owner or RDATA name: `@` is the origin, a name without a trailing dot is relative.
func parseName(_ token: ZoneToken, origin: DNSName) throws(DNSNameError) -> DNSName {
    if token.bytes.count == 1 && token.bytes.first == UInt8(ascii: "@") { return origin }
    return try DNSName(parsingBytes: token.bytes, origin: origin)
}

func describe(_ error: DNSNameError) -> String {
    switch error {
    case .invalidLabelLength(let n): n == 0 ? "empty label" : "label of \(n) octets exceeds 63"
    case .nameTooLong(let n): "name of \(n) octets exceeds 255"
    case .invalidText(let why): why
    }
}
