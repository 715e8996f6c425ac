// SPDX-License-Identifier: Apache-2.0

/// A client's IP address held inline, for the access check on the hot path.
public struct ClientAddress: Sendable {
    /// The address octets in network order, first 8 and last 8 (IPv4 in the first 4).
    public var high: UInt64
    public var low: UInt64
    public var isIPv6: Bool

    public init(high: UInt64, low: UInt64, isIPv6: Bool) {
        self.high = high
        self.low = low
        self.isIPv6 = isIPv6
    }

    /// From 4 or 16 octets.
    public init(_ bytes: [UInt8]) {
        var h: UInt64 = 0
        var l: UInt64 = 0
        for (i, byte) in bytes.enumerated() {
            if i < 8 { h |= UInt64(byte) << (56 - 8 * UInt64(i)) } else { l |= UInt64(byte) << (56 - 8 * UInt64(i - 8)) }
        }
        self.init(high: h, low: l, isIPv6: bytes.count == 16)
    }
}
