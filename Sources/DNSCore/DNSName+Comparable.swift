// SPDX-License-Identifier: Apache-2.0

extension DNSName: Hashable {
    /// Case-insensitive equality (RFC 4343 §3). Length octets are < 64, so lowering them is harmless.
    public static func == (lhs: DNSName, rhs: DNSName) -> Bool {
        equalIgnoringCase(lhs.wire[...], rhs.wire[...])
    }

    public func hash(into hasher: inout Hasher) {
        for byte in wire { hasher.combine(asciiLower(byte)) }
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
