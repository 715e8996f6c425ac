// SPDX-License-Identifier: Apache-2.0

/// The text encodings RDATA uses for binary fields: hex, base64 (RFC 4648 §4) and base32hex without
/// padding (RFC 4648 §7, as NSEC3 writes it).
public enum BinaryText {
    static let hexDigits = Array("0123456789ABCDEF".utf8)
    static let base64Alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    static let base32HexAlphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUV".utf8)

    public static func hex(_ bytes: some Collection<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(hexDigits[Int(byte >> 4)])
            out.append(hexDigits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// nil for an odd count or a character that is not a hex digit.
    public static func hex(decoding text: some Collection<UInt8>) -> [UInt8]? {
        guard text.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(text.count / 2)
        var high: UInt8?
        for c in text {
            guard let v = hexValue(c) else { return nil }
            if let h = high {
                out.append(h << 4 | v)
                high = nil
            } else {
                high = v
            }
        }
        return out
    }

    public static func base64(_ bytes: some Collection<UInt8>) -> String {
        let input = Array(bytes)
        var out: [UInt8] = []
        out.reserveCapacity((input.count + 2) / 3 * 4)
        var i = 0
        while i < input.count {
            let chunk = min(3, input.count - i)
            let b0 = UInt32(input[i])
            let b1 = chunk > 1 ? UInt32(input[i + 1]) : 0
            let b2 = chunk > 2 ? UInt32(input[i + 2]) : 0
            let n = b0 << 16 | b1 << 8 | b2
            for k in 0..<4 {
                out.append(k <= chunk ? base64Alphabet[Int((n >> (18 - 6 * UInt32(k))) & 63)] : UInt8(ascii: "="))
            }
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// nil for a character outside the alphabet, misplaced padding, or a length not a multiple of 4.
    public static func base64(decoding text: some Collection<UInt8>) -> [UInt8]? {
        let input = Array(text)
        guard input.count % 4 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(input.count / 4 * 3)
        var i = 0
        while i < input.count {
            var n: UInt32 = 0
            var padding = 0
            for k in 0..<4 {
                let c = input[i + k]
                if c == UInt8(ascii: "=") {
                    guard k >= 2, i + 4 == input.count else { return nil }
                    padding += 1
                    n <<= 6
                    continue
                }
                guard padding == 0, let v = base64Value(c) else { return nil }
                n = n << 6 | UInt32(v)
            }
            out.append(UInt8(n >> 16))
            if padding < 2 { out.append(UInt8((n >> 8) & 0xFF)) }
            if padding < 1 { out.append(UInt8(n & 0xFF)) }
            i += 4
        }
        return out
    }

    public static func base32Hex(_ bytes: some Collection<UInt8>) -> String {
        var out: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for byte in bytes {
            buffer = buffer << 8 | UInt32(byte)
            bits += 8
            while bits >= 5 {
                out.append(base32HexAlphabet[Int((buffer >> UInt32(bits - 5)) & 31)])
                bits -= 5
            }
        }
        if bits > 0 { out.append(base32HexAlphabet[Int((buffer << UInt32(5 - bits)) & 31)]) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Case-insensitive, no padding; nil for another character or leftover bits that are not zero.
    public static func base32Hex(decoding text: some Collection<UInt8>) -> [UInt8]? {
        var out: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for c in text {
            let upper = c >= 97 && c <= 122 ? c - 32 : c
            let v: UInt8
            switch upper {
            case 48...57: v = upper - 48
            case 65...86: v = upper - 55
            default: return nil
            }
            buffer = buffer << 5 | UInt32(v)
            bits += 5
            if bits >= 8 {
                out.append(UInt8((buffer >> UInt32(bits - 8)) & 0xFF))
                bits -= 8
            }
        }
        guard buffer & ((1 << UInt32(bits)) - 1) == 0 else { return nil }
        return out
    }

    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: c - 48
        case 65...70: c - 55
        case 97...102: c - 87
        default: nil
        }
    }

    static func base64Value(_ c: UInt8) -> UInt8? {
        switch c {
        case 65...90: c - 65
        case 97...122: c - 71
        case 48...57: c + 4
        case UInt8(ascii: "+"): 62
        case UInt8(ascii: "/"): 63
        default: nil
        }
    }
}
