// SPDX-License-Identifier: Apache-2.0

extension RData {
    /// The presentation form for a record of `type`: the table's form for types kept as octets
    /// (`RDataSchema`), else `text`; octets that do not decode as the type print as RFC 3597 `\#`.
    public func text(type: RRType) -> String {
        guard case .unknown(let bytes) = self, let fields = RDataSchema.fields(for: type) else { return text }
        return RDataSchema.presentation(bytes, fields: fields) ?? text
    }
}

extension RDataSchema {
    /// The text form of `bytes` laid out as `fields`, or nil when they do not fit the layout.
    public static func presentation(_ bytes: [UInt8], fields: [RDataField]) -> String? {
        var p = 0
        var parts: [String] = []
        func take(_ n: Int) -> ArraySlice<UInt8>? {
            guard n >= 0, p + n <= bytes.count else { return nil }
            defer { p += n }
            return bytes[p..<(p + n)]
        }
        func number(_ n: Int) -> UInt32? {
            take(n).map { $0.reduce(UInt32(0)) { $0 << 8 | UInt32($1) } }
        }
        for field in fields {
            switch field {
            case .u8: guard let v = number(1) else { return nil }; parts.append("\(v)")
            case .u16: guard let v = number(2) else { return nil }; parts.append("\(v)")
            case .u32: guard let v = number(4) else { return nil }; parts.append("\(v)")
            case .named(let names): guard let v = number(names.octets) else { return nil }; parts.append("\(v)")
            case .rrType: guard let v = number(2) else { return nil }; parts.append(RRType(UInt16(v)).description)
            case .time: guard let v = number(4) else { return nil }; parts.append(timestampText(v))
            case .name:
                guard let (name, end) = uncompressedName(bytes, at: p) else { return nil }
                p = end
                parts.append(name.text)
            case .characterString:
                guard let length = number(1), let s = take(Int(length)) else { return nil }
                parts.append(quotedCharacterString(Array(s)))
            case .characterStrings:
                repeat {
                    guard let length = number(1), let s = take(Int(length)) else { return nil }
                    parts.append(quotedCharacterString(Array(s)))
                } while p < bytes.count
            case .hex:
                guard p < bytes.count else { return nil }
                parts.append(BinaryText.hex(bytes[p...]))
                p = bytes.count
            case .base64:
                guard p < bytes.count else { return nil }
                parts.append(BinaryText.base64(bytes[p...]))
                p = bytes.count
            case .ipv4:
                guard let a = take(4) else { return nil }
                parts.append(IPv4Address(bytes: Array(a)).description)
            case .ipv6:
                guard let a = take(16) else { return nil }
                parts.append(IPv6Address(bytes: Array(a)).description)
            case .typeBitmap:
                guard let types = typeBitmap(bytes[p...]) else { return nil }
                p = bytes.count
                parts += types.map(\.description)
            case .salt:
                guard let length = number(1), let s = take(Int(length)) else { return nil }
                parts.append(s.isEmpty ? "-" : BinaryText.hex(s))
            case .base32hex:
                guard let length = number(1), let s = take(Int(length)), !s.isEmpty else { return nil }
                parts.append(BinaryText.base32Hex(s))
            case .quotedRest:
                parts.append(quotedCharacterString(Array(bytes[p...])))
                p = bytes.count
            case .svcParams:
                guard let params = SvcParams.presentation(bytes[p...]) else { return nil }
                p = bytes.count
                parts += params
            case .location:
                guard let text = Location.text(bytes[p...]) else { return nil }
                p = bytes.count
                parts.append(text)
            case .portBitmap:
                for (i, octet) in bytes[p...].enumerated() {
                    for bit in 0..<8 where octet & (0x80 >> UInt8(bit)) != 0 { parts.append("\(i * 8 + bit)") }
                }
                p = bytes.count
            }
        }
        return p == bytes.count ? parts.joined(separator: " ") : nil
    }

    /// The priority and target of SVCB or HTTPS RDATA (RFC 9460 §2.2).
    public static func serviceTarget(_ bytes: [UInt8]) -> (priority: UInt16, target: DNSName)? {
        guard bytes.count >= 3, let (target, _) = uncompressedName(bytes, at: 2) else { return nil }
        return (UInt16(bytes[0]) << 8 | UInt16(bytes[1]), target)
    }

    /// A name that is not compressed, from `bytes[start...]`, and where it ends.
    static func uncompressedName(_ bytes: [UInt8], at start: Int) -> (DNSName, Int)? {
        var p = start
        while p < bytes.count {
            let length = Int(bytes[p])
            if length == 0 {
                guard let name = try? DNSName(wire: Array(bytes[start...p])) else { return nil }
                return (name, p + 1)
            }
            guard length <= 63 else { return nil }
            p += 1 + length
        }
        return nil
    }

    /// The types in an NSEC-style bitmap (RFC 4034 §4.1.2), or nil when it is malformed.
    static func typeBitmap(_ bytes: ArraySlice<UInt8>) -> [RRType]? {
        var types: [RRType] = []
        var p = bytes.startIndex
        var lastWindow = -1
        while p < bytes.endIndex {
            guard p + 2 <= bytes.endIndex else { return nil }
            let window = Int(bytes[p])
            let length = Int(bytes[p + 1])
            guard window > lastWindow, (1...32).contains(length), p + 2 + length <= bytes.endIndex else { return nil }
            lastWindow = window
            for i in 0..<length {
                let octet = bytes[p + 2 + i]
                for bit in 0..<8 where octet & (0x80 >> UInt8(bit)) != 0 {
                    types.append(RRType(UInt16(window * 256 + i * 8 + bit)))
                }
            }
            p += 2 + length
        }
        return types
    }

    /// `YYYYMMDDHHmmSS` in UTC (RFC 4034 §3.2), from seconds since 1970.
    static func timestampText(_ seconds: UInt32) -> String {
        let days = Int(seconds / 86400)
        let rest = Int(seconds % 86400)
        // Days to a civil date (proleptic Gregorian), after Howard Hinnant's days_from_civil inverse.
        let z = days + 719_468
        let era = z / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(year)\(two(month))\(two(day))\(two(rest / 3600))\(two(rest / 60 % 60))\(two(rest % 60))"
    }

    /// Seconds since 1970 from `YYYYMMDDHHmmSS` (UTC), or nil.
    public static func timestamp(_ text: some Collection<UInt8>) -> UInt32? {
        let digits = Array(text)
        guard digits.count == 14, digits.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        func value(_ from: Int, _ count: Int) -> Int { digits[from..<(from + count)].reduce(0) { $0 * 10 + Int($1 - 48) } }
        let (year, month, day) = (value(0, 4), value(4, 2), value(6, 2))
        let (hour, minute, second) = (value(8, 2), value(10, 2), value(12, 2))
        guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61, year >= 1970 else { return nil }
        // days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = y / 400
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        let total = days * 86400 + hour * 3600 + minute * 60 + second
        return total >= 0 && total <= Int(UInt32.max) ? UInt32(total) : nil
    }
}
