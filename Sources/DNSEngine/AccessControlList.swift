// SPDX-License-Identifier: Apache-2.0
import DNSCore

/// An address prefix, IPv4 or IPv6 (RFC 4632 / RFC 4291 §2.3).
public struct CIDR: Hashable, Sendable, CustomStringConvertible {
    /// Network octets (4 or 16), with host bits cleared.
    public let network: [UInt8]
    public let prefixLength: Int

    /// Parses `10.0.0.0/8`, `fc00::/7` or a bare address (a host prefix).
    public init?(parsing text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        let bytes: [UInt8]
        if let v4 = IPv4Address(text: parts[0]) {
            bytes = v4.array
        } else if let v6 = IPv6Address(text: parts[0]) {
            bytes = v6.array
        } else {
            return nil
        }
        let length: Int
        if parts.count == 2 {
            guard let n = Int(parts[1]), (0...(bytes.count * 8)).contains(n) else { return nil }
            length = n
        } else {
            length = bytes.count * 8
        }
        self.init(network: bytes, prefixLength: length)
    }

    public init(network: [UInt8], prefixLength: Int) {
        var masked = network
        for i in 0..<masked.count {
            let bitsHere = max(0, min(8, prefixLength - i * 8))
            masked[i] &= bitsHere == 0 ? 0 : UInt8(truncatingIfNeeded: 0xFF << (8 - bitsHere))
        }
        self.network = masked
        self.prefixLength = prefixLength
    }

    /// True when `address` (4 or 16 octets) lies inside. An IPv4-mapped IPv6 address
    /// (`::ffff:a.b.c.d`) is matched as the IPv4 address it carries.
    public func contains(_ address: [UInt8]) -> Bool {
        let ip = CIDR.unmapped(address)
        guard ip.count == network.count else { return false }
        var remaining = prefixLength
        var i = 0
        while remaining > 0 {
            let bits = min(8, remaining)
            let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
            if ip[i] & mask != network[i] { return false }
            remaining -= bits
            i += 1
        }
        return true
    }

    static func unmapped(_ address: [UInt8]) -> [UInt8] {
        if address.count == 16, address[0..<10].allSatisfy({ $0 == 0 }), address[10] == 0xFF, address[11] == 0xFF {
            return Array(address[12..<16])
        }
        return address
    }

    public var description: String {
        let text = network.count == 4 ? IPv4Address(bytes: network).description : IPv6Address(bytes: network).description
        return "\(text)/\(prefixLength)"
    }
}

/// Which clients may query (`allow_query`). Everyone else gets REFUSED.
public struct AccessControlList: Sendable {
    public let allowed: [CIDR]
    /// The prefixes as (IPv6?, network high/low, mask high/low), for the allocation-free check.
    private let masks: [(isIPv6: Bool, high: UInt64, low: UInt64, maskHigh: UInt64, maskLow: UInt64)]

    public init(_ allowed: [CIDR]) {
        self.allowed = allowed
        masks = allowed.map { cidr in
            let address = ClientAddress(cidr.network)
            let bits = cidr.prefixLength
            let maskHigh: UInt64 = bits == 0 ? 0 : (bits >= 64 ? ~0 : ~0 << (64 - UInt64(bits)))
            let maskLow: UInt64 = bits <= 64 ? 0 : (bits >= 128 ? ~0 : ~0 << (128 - UInt64(bits)))
            return (cidr.network.count == 16, address.high, address.low, maskHigh, maskLow)
        }
    }

    /// The same check as `allows(_:)` on an inline address (IPv4-mapped IPv6 counts as IPv4).
    public func allows(_ client: ClientAddress) -> Bool {
        var address = client
        if address.isIPv6 && address.high == 0 && address.low >> 32 == 0xFFFF {
            address = ClientAddress(high: address.low << 32, low: 0, isIPv6: false)
        }
        // By index: iterating would retain the array, which every worker shares.
        for i in masks.indices {
            let m = masks[i]
            if m.isIPv6 == address.isIPv6 && address.high & m.maskHigh == m.high && address.low & m.maskLow == m.low {
                return true
            }
        }
        return false
    }

    /// Loopback, RFC 1918, RFC 6598 shared space, IPv6 ULA and link-local: never an open resolver.
    public static let privateNetworks = AccessControlList(
        ["127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16",
         "::1/128", "fc00::/7", "fe80::/10"].map { CIDR(parsing: $0)! })

    public func allows(_ address: [UInt8]) -> Bool {
        allowed.contains { $0.contains(address) }
    }
}
