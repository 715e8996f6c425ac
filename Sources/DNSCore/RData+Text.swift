// SPDX-License-Identifier: Apache-2.0

extension RData {
    /// Presentation form of the RDATA as `dig` prints it (RFC 1035 §5.1, RFC 3597 §5 for unknown types).
    public var text: String {
        switch self {
        case .a(let address): return address.description
        case .aaaa(let address): return address.description
        case .ns(let name), .cname(let name), .ptr(let name): return name.text
        case .soa(let s):
            return "\(s.mname.text) \(s.rname.text) \(s.serial) \(s.refresh) \(s.retry) \(s.expire) \(s.minimum)"
        case .mx(let preference, let exchange): return "\(preference) \(exchange.text)"
        case .txt(let strings): return strings.map(quotedCharacterString).joined(separator: " ")
        case .srv(let priority, let weight, let port, let target): return "\(priority) \(weight) \(port) \(target.text)"
        case .caa(let flags, let tag, let value):
            return "\(flags) \(String(decoding: tag, as: UTF8.self)) \(quotedCharacterString(value))"
        case .unknown(let bytes): return genericText(bytes)
        }
    }
}

/// RFC 3597 §5 generic form: `\# length hex`.
public func genericText(_ bytes: [UInt8]) -> String {
    bytes.isEmpty ? "\\# 0" : "\\# \(bytes.count) " + BinaryText.hex(bytes)
}

/// A character-string in double quotes, with `"` and `\` escaped and non-printable octets as `\DDD`.
public func quotedCharacterString(_ bytes: [UInt8]) -> String {
    var out: [UInt8] = [UInt8(ascii: "\"")]
    for byte in bytes {
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"):
            out.append(UInt8(ascii: "\\"))
            out.append(byte)
        case 0x20...0x7E: out.append(byte)
        default: appendDecimalEscape(byte, to: &out)
        }
    }
    out.append(UInt8(ascii: "\""))
    return String(decoding: out, as: UTF8.self)
}

extension ResourceRecord: CustomStringConvertible {
    /// One line as `dig` prints it: owner, TTL, class, type and RDATA separated by tabs.
    public var description: String {
        let typeText = type.description
        // A known type whose RDATA we keep opaque is still printed generically (RFC 3597 §5).
        return "\(name.text)\t\(ttl)\t\(rrClass)\t\(typeText)\t\(rdata.text(type: type))"
    }
}

extension Question: CustomStringConvertible {
    public var description: String { ";\(name.text)\t\t\(qclass)\t\(type)" }
}

extension Message: CustomStringConvertible {
    /// A `dig`-like dump of the message, for logs and test failures.
    public var description: String {
        var flagNames: [String] = []
        if header.isResponse { flagNames.append("qr") }
        if header.authoritative { flagNames.append("aa") }
        if header.truncated { flagNames.append("tc") }
        if header.recursionDesired { flagNames.append("rd") }
        if header.recursionAvailable { flagNames.append("ra") }
        if header.authenticData { flagNames.append("ad") }
        if header.checkingDisabled { flagNames.append("cd") }
        var lines = [
            ";; opcode: \(header.opcode.rawValue), status: \(rcode), id: \(header.id)",
            ";; flags: \(flagNames.joined(separator: " ")); QUERY: \(questions.count), ANSWER: \(answers.count), "
                + "AUTHORITY: \(authority.count), ADDITIONAL: \(additional.count + (edns == nil ? 0 : 1))",
        ]
        if let edns {
            lines.append(
                ";; EDNS: version: \(edns.version), flags:\(edns.dnssecOK ? " do" : ""); udp: \(edns.udpPayloadSize)")
        }
        lines.append(";; QUESTION SECTION:")
        lines += questions.map(\.description)
        for (title, section) in [("ANSWER", answers), ("AUTHORITY", authority), ("ADDITIONAL", additional)]
        where !section.isEmpty {
            lines.append(";; \(title) SECTION:")
            lines += section.map(\.description)
        }
        return lines.joined(separator: "\n")
    }
}
