// SPDX-License-Identifier: Apache-2.0
import DNSCore

/// Field parsers shared by the zone parser and the config loader.
public enum ZoneText {
    /// Largest TTL a record may carry (RFC 2181 §8).
    public static let maxTTL: UInt32 = 0x7FFF_FFFF

    /// Parses a TTL: plain seconds or BIND units (`1h30m`, `2d`, `1w`, case-insensitive).
    /// - Returns: the seconds, or nil when the text is not a TTL.
    public static func ttl(_ text: some StringProtocol) -> UInt64? { ttl(bytes: text.utf8) }

    /// `ttl(_:)` over raw octets.
    public static func ttl(bytes text: some Sequence<UInt8>) -> UInt64? {
        var total: UInt64 = 0
        var value: UInt64 = 0
        var digits = 0
        var sawUnit = false
        for c in text {
            if c >= 48 && c <= 57 {
                value = value * 10 + UInt64(c - 48)
                digits += 1
                guard value <= UInt64(UInt32.max) * 2 else { return nil }
                continue
            }
            guard digits > 0 else { return nil }
            let multiplier: UInt64
            switch c | 0x20 {
            case UInt8(ascii: "s"): multiplier = 1
            case UInt8(ascii: "m"): multiplier = 60
            case UInt8(ascii: "h"): multiplier = 3600
            case UInt8(ascii: "d"): multiplier = 86400
            case UInt8(ascii: "w"): multiplier = 604800
            default: return nil
            }
            total += value * multiplier
            value = 0
            digits = 0
            sawUnit = true
        }
        if digits > 0 {
            // A bare number after units (`1h30`) is seconds, as BIND reads it.
            total += value
        } else if !sawUnit {
            return nil
        }
        return total
    }

    /// Interprets `\X` and `\DDD` escapes in a character-string (RFC 1035 §5.1).
    /// - Returns: the octets, or nil for a malformed escape.
    /// A plain decimal number (no sign, no units); nil when not one or above 2^63.
    public static func decimal(_ bytes: some Collection<UInt8>) -> UInt64? {
        guard !bytes.isEmpty, bytes.count <= 19 else { return nil }
        var value: UInt64 = 0
        for c in bytes {
            guard c >= 48 && c <= 57 else { return nil }
            value = value * 10 + UInt64(c - 48)
        }
        return value
    }

    public static func unescape(_ input: some Collection<UInt8>) -> [UInt8]? {
        let bytes = ContiguousArray(input)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "\\") {
                guard i + 1 < bytes.count else { return nil }
                let d = bytes[i + 1]
                if d >= 48 && d <= 57 {
                    guard i + 3 < bytes.count else { return nil }
                    let e = bytes[i + 2]
                    let f = bytes[i + 3]
                    guard e >= 48 && e <= 57 && f >= 48 && f <= 57 else { return nil }
                    let v = Int(d - 48) * 100 + Int(e - 48) * 10 + Int(f - 48)
                    guard v <= 255 else { return nil }
                    out.append(UInt8(v))
                    i += 4
                } else {
                    out.append(d)
                    i += 2
                }
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return out
    }
}
