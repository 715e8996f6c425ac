// SPDX-License-Identifier: Apache-2.0

extension DNSName: Hashable {
    /// Case-insensitive equality (RFC 4343 §3). Length octets are < 64, so lowering them is harmless.
    public static func == (lhs: DNSName, rhs: DNSName) -> Bool {
        guard lhs.wire.count == rhs.wire.count else { return false }
        return lhs.wire.withUnsafeBufferPointer { a in
            rhs.wire.withUnsafeBufferPointer { b in
                for i in 0..<a.count where a[i] != b[i] && asciiLower(a[i]) != asciiLower(b[i]) { return false }
                return true
            }
        }
    }

    /// FNV-1a over the lower-cased octets, fed to the hasher once (per-octet `combine` is slow).
    public func hash(into hasher: inout Hasher) {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        wire.withUnsafeBufferPointer { bytes in
            for byte in bytes { h = (h ^ UInt64(asciiLower(byte))) &* 0x0000_0100_0000_01B3 }
        }
        hasher.combine(h)
    }
}

extension DNSName: Comparable {
    /// Canonical DNS name order (RFC 4034 §6.1): compare labels right to left, each label as a
    /// lower-cased octet string, a shorter label sorting first when it is a prefix of the other.
    public static func < (lhs: DNSName, rhs: DNSName) -> Bool {
        let left = lhs.labels
        let right = rhs.labels
        var i = left.count - 1
        var j = right.count - 1
        while i >= 0 && j >= 0 {
            let order = compareLabels(left[i], right[j])
            if order != 0 { return order < 0 }
            i -= 1
            j -= 1
        }
        return left.count < right.count
    }

    private static func compareLabels(_ a: ArraySlice<UInt8>, _ b: ArraySlice<UInt8>) -> Int {
        var i = a.startIndex
        var j = b.startIndex
        while i < a.endIndex && j < b.endIndex {
            let x = asciiLower(a[i])
            let y = asciiLower(b[j])
            if x != y { return x < y ? -1 : 1 }
            i += 1
            j += 1
        }
        return a.count - b.count
    }
}
