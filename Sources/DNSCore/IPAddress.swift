// SPDX-License-Identifier: Apache-2.0

/// An IPv4 address in network order (RDATA of A, RFC 1035 §3.4.1).
public struct IPv4Address: Hashable, Sendable {
    public var bytes: (UInt8, UInt8, UInt8, UInt8)

    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) { bytes = (a, b, c, d) }

    public init(bytes list: some Collection<UInt8>) {
        let a = Array(list)
        precondition(a.count == 4, "IPv4Address needs 4 octets")
        bytes = (a[0], a[1], a[2], a[3])
    }

    /// Parses dotted-quad text: exactly four decimal parts 0...255, no leading `+`, at most 3 digits.
    public init?(text: some StringProtocol) { self.init(textBytes: ArraySlice(text.utf8)) }

    /// `init?(text:)` over raw octets, without allocating.
    public init?(textBytes: ArraySlice<UInt8>) {
        var parts: (UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0)
        var count = 0
        var value = 0
        var digits = 0
        func store(_ v: UInt8) {
            switch count {
            case 0: parts.0 = v
            case 1: parts.1 = v
            case 2: parts.2 = v
            default: parts.3 = v
            }
            count += 1
        }
        for c in textBytes {
            if c >= 48 && c <= 57 {
                value = value * 10 + Int(c - 48)
                digits += 1
                guard digits <= 3, value <= 255 else { return nil }
            } else if c == UInt8(ascii: ".") {
                guard digits > 0, count < 3 else { return nil }
                store(UInt8(value))
                value = 0
                digits = 0
            } else {
                return nil
            }
        }
        guard digits > 0, count == 3 else { return nil }
        store(UInt8(value))
        bytes = parts
    }

    public var array: [UInt8] { [bytes.0, bytes.1, bytes.2, bytes.3] }

    /// The four octets as one number, network order: compared and hashed without allocating.
    public var value: UInt32 {
        UInt32(bytes.0) << 24 | UInt32(bytes.1) << 16 | UInt32(bytes.2) << 8 | UInt32(bytes.3)
    }
    public static func == (l: IPv4Address, r: IPv4Address) -> Bool { l.value == r.value }
    public func hash(into hasher: inout Hasher) { hasher.combine(value) }
}

extension IPv4Address: CustomStringConvertible {
    public var description: String { "\(bytes.0).\(bytes.1).\(bytes.2).\(bytes.3)" }
}

/// An IPv6 address (RDATA of AAAA, RFC 3596 §2.2).
public struct IPv6Address: Hashable, Sendable {
    /// 16 octets, network order.
    public let array: [UInt8]

    public init(bytes: some Collection<UInt8>) {
        let a = Array(bytes)
        precondition(a.count == 16, "IPv6Address needs 16 octets")
        array = a
    }

    /// Parses RFC 4291 §2.2 text: up to eight hex groups, one `::`, an optional trailing IPv4 part.
    public init?(text: some StringProtocol) {
        let s = String(text)
        var head: [UInt16] = []
        var tail: [UInt16] = []
        var sawGap = false
        let halves = splitAtDoubleColon(s)
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String, allowIPv4: Bool) -> [UInt16]? {
            if part.isEmpty { return [] }
            var out: [UInt16] = []
            let fields = part.split(separator: ":", omittingEmptySubsequences: false)
            for (index, field) in fields.enumerated() {
                if allowIPv4, index == fields.count - 1, field.contains(".") {
                    guard let v4 = IPv4Address(text: field) else { return nil }
                    out.append(UInt16(v4.bytes.0) << 8 | UInt16(v4.bytes.1))
                    out.append(UInt16(v4.bytes.2) << 8 | UInt16(v4.bytes.3))
                    continue
                }
                guard (1...4).contains(field.count), let value = UInt16(field, radix: 16) else { return nil }
                out.append(value)
            }
            return out
        }
        if halves.count == 2 {
            sawGap = true
            guard let h = groups(halves[0], allowIPv4: false), let t = groups(halves[1], allowIPv4: true) else {
                return nil
            }
            head = h
            tail = t
            guard head.count + tail.count <= 7 else { return nil }
        } else {
            guard let h = groups(halves[0], allowIPv4: true), h.count == 8 else { return nil }
            head = h
        }
        let fill = sawGap ? [UInt16](repeating: 0, count: 8 - head.count - tail.count) : []
        var out: [UInt8] = []
        for group in head + fill + tail {
            out.append(UInt8(group >> 8))
            out.append(UInt8(group & 0xFF))
        }
        self.init(bytes: out)
    }
}

/// Splits at every `::`; a valid address yields one or two parts.
private func splitAtDoubleColon(_ s: String) -> [String] {
    let bytes = Array(s.utf8)
    var parts: [String] = []
    var start = 0
    var i = 0
    while i + 1 < bytes.count {
        if bytes[i] == UInt8(ascii: ":") && bytes[i + 1] == UInt8(ascii: ":") {
            parts.append(String(decoding: bytes[start..<i], as: UTF8.self))
            i += 2
            start = i
        } else {
            i += 1
        }
    }
    parts.append(String(decoding: bytes[start...], as: UTF8.self))
    return parts
}

extension IPv6Address: CustomStringConvertible {
    /// RFC 5952 §4 text: lower-case hex, no leading zeros, the longest run (≥ 2) of zero groups as `::`.
    public var description: String {
        var groups: [UInt16] = []
        for i in stride(from: 0, to: 16, by: 2) { groups.append(UInt16(array[i]) << 8 | UInt16(array[i + 1])) }
        var bestStart = -1
        var bestLength = 0
        var i = 0
        while i < 8 {
            if groups[i] == 0 {
                var j = i
                while j < 8 && groups[j] == 0 { j += 1 }
                if j - i > bestLength && j - i >= 2 {
                    bestStart = i
                    bestLength = j - i
                }
                i = j
            } else {
                i += 1
            }
        }
        func hex(_ range: Range<Int>) -> String {
            groups[range].map { String($0, radix: 16) }.joined(separator: ":")
        }
        // RFC 5952 §5: an IPv4-mapped address keeps its dotted tail.
        if bestStart == 0 && bestLength == 5 && groups[5] == 0xFFFF {
            return "::ffff:\(array[12]).\(array[13]).\(array[14]).\(array[15])"
        }
        if bestStart < 0 { return hex(0..<8) }
        return hex(0..<bestStart) + "::" + hex((bestStart + bestLength)..<8)
    }
}
