// SPDX-License-Identifier: Apache-2.0
import Glibc

/// An IPv4 or IPv6 address with a port, held inline (no heap allocation: one is made per datagram).
public struct SocketAddress: Hashable, Sendable, CustomStringConvertible {
    /// The address octets in network order, first 8 and last 8 (IPv4 uses the first 4).
    public let high: UInt64
    public let low: UInt64
    public let isIPv6: Bool
    public let port: UInt16

    public init(ip: [UInt8], port: UInt16) {
        precondition(ip.count == 4 || ip.count == 16, "an IP address has 4 or 16 octets")
        var h: UInt64 = 0
        var l: UInt64 = 0
        for (i, byte) in ip.enumerated() {
            if i < 8 { h |= UInt64(byte) << (56 - 8 * UInt64(i)) } else { l |= UInt64(byte) << (56 - 8 * UInt64(i - 8)) }
        }
        self.init(high: h, low: l, isIPv6: ip.count == 16, port: port)
    }

    public init(high: UInt64, low: UInt64, isIPv6: Bool, port: UInt16) {
        self.high = high
        self.low = low
        self.isIPv6 = isIPv6
        self.port = port
    }

    /// 4 octets for IPv4, 16 for IPv6, network order.
    public var ip: [UInt8] {
        let count = isIPv6 ? 16 : 4
        return (0..<count).map { i in
            i < 8 ? UInt8(truncatingIfNeeded: high >> (56 - 8 * UInt64(i))) : UInt8(truncatingIfNeeded: low >> (56 - 8 * UInt64(i - 8)))
        }
    }

    /// 127.0.0.0/8 or ::1 (RFC 1122 §3.2.1.3, RFC 4291 §2.5.3).
    public var isLoopback: Bool { isIPv6 ? high == 0 && low == 1 : high >> 56 == 127 }

    /// Parses `1.2.3.4:53`, `[::1]:53`, or a bare address (then `defaultPort`).
    public init?(parsing text: String, defaultPort: UInt16? = nil) {
        var host = Substring(text)
        var port = defaultPort
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return nil }
            let rest = host[host.index(after: close)...]
            host = host[host.index(after: host.startIndex)..<close]
            if !rest.isEmpty {
                guard rest.hasPrefix(":"), let p = UInt16(rest.dropFirst()) else { return nil }
                port = p
            }
        } else if host.filter({ $0 == ":" }).count == 1, let colon = host.lastIndex(of: ":") {
            guard let p = UInt16(host[host.index(after: colon)...]) else { return nil }
            port = p
            host = host[..<colon]
        }
        guard let port, let ip = SocketAddress.parseIP(String(host)) else { return nil }
        self.init(ip: ip, port: port)
    }

    /// Parses an IPv4 or IPv6 address in text form.
    public static func parseIP(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { Array($0) }
        }
        return nil
    }

    /// The first address getaddrinfo(3) gives for `host` (the system's resolver: blocking), or
    /// its reason.
    public static func lookUp(_ host: String, port: UInt16) -> Result<SocketAddress, LookupFailure> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &list)
        defer { if let list { freeaddrinfo(list) } }
        guard status == 0, let first = list, let address = first.pointee.ai_addr,
            let found = SocketAddress(UnsafeRawPointer(address), length: Int(first.pointee.ai_addrlen))
        else {
            let reason = status == 0 ? "no address" : String(cString: gai_strerror(status))
            return .failure(LookupFailure(description: reason))
        }
        return .success(SocketAddress(ip: found.ip, port: port))
    }

    /// The address without the port, as text.
    public var ipText: String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        ip.withUnsafeBytes { raw in
            _ = inet_ntop(isIPv6 ? AF_INET6 : AF_INET, raw.baseAddress, &buffer, socklen_t(buffer.count))
        }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public var description: String { isIPv6 ? "[\(ipText)]:\(port)" : "\(ipText):\(port)" }

    var family: Int32 { isIPv6 ? AF_INET6 : AF_INET }

    /// Calls `body` with this address as a `sockaddr`.
    func withSockAddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        var storage = sockaddr_storage()
        let length = write(to: &storage)
        return withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) }
        }
    }

    /// Writes this address into `storage`; returns its length.
    func write(to storage: inout sockaddr_storage) -> socklen_t {
        withUnsafeMutableBytes(of: &storage) { raw in
            raw.initializeMemory(as: UInt8.self, repeating: 0)
            if isIPv6 {
                var sin6 = sockaddr_in6()
                sin6.sin6_family = sa_family_t(AF_INET6)
                sin6.sin6_port = port.bigEndian
                withUnsafeMutableBytes(of: &sin6.sin6_addr) { $0.copyBytes(from: ip) }
                raw.storeBytes(of: sin6, as: sockaddr_in6.self)
                return socklen_t(MemoryLayout<sockaddr_in6>.size)
            } else {
                var sin = sockaddr_in()
                sin.sin_family = sa_family_t(AF_INET)
                sin.sin_port = port.bigEndian
                withUnsafeMutableBytes(of: &sin.sin_addr) { $0.copyBytes(from: ip) }
                raw.storeBytes(of: sin, as: sockaddr_in.self)
                return socklen_t(MemoryLayout<sockaddr_in>.size)
            }
        }
    }

    /// Reads a `sockaddr` of family AF_INET or AF_INET6; nil for anything else.
    init?(_ address: UnsafeRawPointer, length: Int) {
        guard length >= MemoryLayout<sa_family_t>.size else { return nil }
        let family = Int32(address.loadUnaligned(as: sa_family_t.self))
        if family == AF_INET, length >= MemoryLayout<sockaddr_in>.size {
            // sin_port at 2, sin_addr at 4 (network order).
            let port = UInt16(address.load(fromByteOffset: 2, as: UInt8.self)) << 8
                | UInt16(address.load(fromByteOffset: 3, as: UInt8.self))
            var h: UInt64 = 0
            for i in 0..<4 { h |= UInt64(address.load(fromByteOffset: 4 + i, as: UInt8.self)) << (56 - 8 * UInt64(i)) }
            self.init(high: h, low: 0, isIPv6: false, port: port)
        } else if family == AF_INET6, length >= MemoryLayout<sockaddr_in6>.size {
            // sin6_port at 2, sin6_addr at 8.
            let port = UInt16(address.load(fromByteOffset: 2, as: UInt8.self)) << 8
                | UInt16(address.load(fromByteOffset: 3, as: UInt8.self))
            var h: UInt64 = 0
            var l: UInt64 = 0
            for i in 0..<8 {
                h |= UInt64(address.load(fromByteOffset: 8 + i, as: UInt8.self)) << (56 - 8 * UInt64(i))
                l |= UInt64(address.load(fromByteOffset: 16 + i, as: UInt8.self)) << (56 - 8 * UInt64(i))
            }
            self.init(high: h, low: l, isIPv6: true, port: port)
        } else {
            return nil
        }
    }
}

/// Why getaddrinfo(3) found no address.
public struct LookupFailure: Error, Sendable, CustomStringConvertible {
    public let description: String
}
