// SPDX-License-Identifier: Apache-2.0

/// The SvcParams of an SVCB or HTTPS record (RFC 9460 §2.1, §7; dohpath RFC 9461, ohttp RFC 9540):
/// from their text form to wire, with the checks the RFC requires at load time, and back.
public enum SvcParams {
    /// The registered keys (RFC 9460 §14.3.2).
    static let registered: [(UInt16, String)] = [
        (0, "mandatory"), (1, "alpn"), (2, "no-default-alpn"), (3, "port"), (4, "ipv4hint"), (5, "ech"), (6, "ipv6hint"),
        (7, "dohpath"), (8, "ohttp"),
    ]

    /// A key's number from its name or `keyNNNNN` (RFC 9460 §2.1).
    public static func key(named text: String) -> UInt16? {
        let lower = text.lowercased()
        if let found = registered.first(where: { $0.1 == lower }) { return found.0 }
        guard lower.hasPrefix("key"), lower.count > 3, lower.dropFirst(3).allSatisfy(\.isASCII),
            let value = UInt16(lower.dropFirst(3))
        else { return nil }
        return value
    }

    public static func name(of key: UInt16) -> String {
        registered.first(where: { $0.0 == key })?.1 ?? "key\(key)"
    }

    /// A problem in the SvcParams of one record, said as a zone-file error.
    public struct Problem: Error, Equatable {
        public var message: String
    }

    /// The wire form of `params`, each a key as written and its value's octets (after the
    /// zone file's escapes; nil for a key written without `=`), sorted by key.
    public static func wire(_ params: [(key: String, value: [UInt8]?)]) throws(Problem) -> [UInt8] {
        var values: [UInt16: [UInt8]] = [:]
        for (keyText, value) in params {
            guard let key = key(named: keyText) else { throw Problem(message: "unknown SvcParamKey \"\(keyText)\"") }
            guard key != 65535 else { throw Problem(message: "key65535 is reserved (RFC 9460 §14.3.2)") }
            guard values[key] == nil else {
                throw Problem(message: "SvcParamKey \"\(name(of: key))\" appears twice (RFC 9460 §2.2)")
            }
            values[key] = try encode(key, value)
        }
        if values[2] != nil && values[1] == nil {
            throw Problem(message: "no-default-alpn needs alpn in the same record (RFC 9460 §7.1.1)")
        }
        if let mandatory = values[0] {
            var listed = Set<UInt16>()
            for i in stride(from: 0, to: mandatory.count, by: 2) {
                let key = UInt16(mandatory[i]) << 8 | UInt16(mandatory[i + 1])
                guard key != 0 else { throw Problem(message: "mandatory must not list itself (RFC 9460 §8)") }
                guard listed.insert(key).inserted else {
                    throw Problem(message: "mandatory lists \"\(name(of: key))\" twice (RFC 9460 §8)")
                }
                guard values[key] != nil else {
                    throw Problem(message: "mandatory lists \"\(name(of: key))\", which the record does not have (RFC 9460 §8)")
                }
            }
        }
        var out: [UInt8] = []
        for key in values.keys.sorted() {
            let value = values[key]!
            out += [UInt8(key >> 8), UInt8(key & 0xFF), UInt8(value.count >> 8), UInt8(value.count & 0xFF)]
            out += value
        }
        guard out.count <= 65535 else { throw Problem(message: "SvcParams of \(out.count) octets do not fit a record") }
        return out
    }

    /// One value's wire form (RFC 9460 §7; the value lists of Appendix A.1).
    static func encode(_ key: UInt16, _ value: [UInt8]?) throws(Problem) -> [UInt8] {
        let name = name(of: key)
        switch key {
        case 2, 8:
            guard value == nil || value!.isEmpty else { throw Problem(message: "\(name) takes no value") }
            return []
        default:
            break
        }
        guard let value else {
            if key > 8 { return [] }  // an unregistered key may have an empty value
            throw Problem(message: "\(name) needs a value")
        }
        switch key {
        case 0:
            let items = try list(value, name)
            var out: [UInt8] = []
            var keys: [UInt16] = []
            for item in items {
                let text = String(decoding: item, as: UTF8.self)
                guard let k = SvcParams.key(named: text) else { throw Problem(message: "mandatory lists an unknown key \"\(text)\"") }
                keys.append(k)
            }
            for k in keys.sorted() { out += [UInt8(k >> 8), UInt8(k & 0xFF)] }
            return out
        case 1:
            var out: [UInt8] = []
            for id in try list(value, name) {
                guard id.count <= 255 else { throw Problem(message: "an alpn id of \(id.count) octets exceeds 255") }
                out.append(UInt8(id.count))
                out += id
            }
            return out
        case 3:
            guard let port = decimal(value), port <= 65535 else {
                throw Problem(message: "port must be a number from 0 to 65535, found \"\(String(decoding: value, as: UTF8.self))\"")
            }
            return [UInt8(port >> 8), UInt8(port & 0xFF)]
        case 4:
            var out: [UInt8] = []
            for item in try list(value, name) {
                guard let address = IPv4Address(textBytes: item[...]) else {
                    throw Problem(message: "ipv4hint: \"\(String(decoding: item, as: UTF8.self))\" is not an IPv4 address")
                }
                out += [address.bytes.0, address.bytes.1, address.bytes.2, address.bytes.3]
            }
            return out
        case 5:
            guard let bytes = BinaryText.base64(decoding: value), !bytes.isEmpty else { throw Problem(message: "ech must be base64") }
            return bytes
        case 6:
            var out: [UInt8] = []
            for item in try list(value, name) {
                guard let address = IPv6Address(text: String(decoding: item, as: UTF8.self)) else {
                    throw Problem(message: "ipv6hint: \"\(String(decoding: item, as: UTF8.self))\" is not an IPv6 address")
                }
                out += address.array
            }
            return out
        case 7:
            let text = String(decoding: value, as: UTF8.self)
            guard text.hasPrefix("/"), text.contains("dns") else {
                throw Problem(message: "dohpath must be a relative URI template with a dns variable, such as /dns-query{?dns} (RFC 9461 §5)")
            }
            return value
        default:
            return value
        }
    }

    /// A comma-separated value list (RFC 9460 Appendix A.1): `\,` is a comma inside an item; no item
    /// is empty.
    static func list(_ value: [UInt8], _ name: String) throws(Problem) -> [[UInt8]] {
        var items: [[UInt8]] = [[]]
        var i = 0
        while i < value.count {
            let c = value[i]
            if c == UInt8(ascii: "\\"), i + 1 < value.count {
                items[items.count - 1].append(value[i + 1])
                i += 2
                continue
            }
            if c == UInt8(ascii: ",") { items.append([]) } else { items[items.count - 1].append(c) }
            i += 1
        }
        guard !items.contains(where: \.isEmpty) else { throw Problem(message: "\(name) has an empty item") }
        return items
    }

    static func decimal(_ bytes: [UInt8]) -> UInt64? {
        guard !bytes.isEmpty, bytes.count <= 5, bytes.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        return bytes.reduce(0) { $0 * 10 + UInt64($1 - 48) }
    }

    /// `key=value` texts for the wire form, or nil when it breaks RFC 9460's rules (keys out of
    /// order or repeated, a value that does not fit its key).
    static func presentation(_ bytes: ArraySlice<UInt8>) -> [String]? {
        var out: [String] = []
        var p = bytes.startIndex
        var last = -1
        while p < bytes.endIndex {
            guard p + 4 <= bytes.endIndex else { return nil }
            let key = UInt16(bytes[p]) << 8 | UInt16(bytes[p + 1])
            let length = Int(bytes[p + 2]) << 8 | Int(bytes[p + 3])
            guard Int(key) > last, p + 4 + length <= bytes.endIndex else { return nil }
            last = Int(key)
            let value = Array(bytes[(p + 4)..<(p + 4 + length)])
            p += 4 + length
            guard let text = valueText(key, value) else { return nil }
            out.append(text.isEmpty && (key == 2 || key == 8 || value.isEmpty) ? name(of: key) : "\(name(of: key))=\(text)")
        }
        return out
    }

    static func valueText(_ key: UInt16, _ value: [UInt8]) -> String? {
        func escaped(_ item: [UInt8]) -> [UInt8] {
            item.flatMap { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\\") ? [UInt8(ascii: "\\"), $0] : [$0] }
        }
        switch key {
        case 0:
            guard !value.isEmpty, value.count % 2 == 0 else { return nil }
            return stride(from: 0, to: value.count, by: 2).map { name(of: UInt16(value[$0]) << 8 | UInt16(value[$0 + 1])) }
                .joined(separator: ",")
        case 1:
            var ids: [[UInt8]] = []
            var i = 0
            while i < value.count {
                let n = Int(value[i])
                guard n > 0, i + 1 + n <= value.count else { return nil }
                ids.append(escaped(Array(value[(i + 1)..<(i + 1 + n)])))
                i += 1 + n
            }
            guard !ids.isEmpty else { return nil }
            return quotedCharacterString(Array(ids.joined(separator: [UInt8(ascii: ",")])))
        case 2, 8:
            return value.isEmpty ? "" : nil
        case 3:
            guard value.count == 2 else { return nil }
            return "\(UInt16(value[0]) << 8 | UInt16(value[1]))"
        case 4:
            guard !value.isEmpty, value.count % 4 == 0 else { return nil }
            return stride(from: 0, to: value.count, by: 4).map { IPv4Address(bytes: Array(value[$0..<($0 + 4)])).description }
                .joined(separator: ",")
        case 5:
            return value.isEmpty ? nil : BinaryText.base64(value)
        case 6:
            guard !value.isEmpty, value.count % 16 == 0 else { return nil }
            return stride(from: 0, to: value.count, by: 16).map { IPv6Address(bytes: Array(value[$0..<($0 + 16)])).description }
                .joined(separator: ",")
        default:
            return value.isEmpty ? "" : quotedCharacterString(value)
        }
    }
}
