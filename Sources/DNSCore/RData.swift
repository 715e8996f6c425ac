// SPDX-License-Identifier: Apache-2.0

/// SOA RDATA (RFC 1035 §3.3.13).
public struct SOAData: Hashable, Sendable {
    public var mname: DNSName
    public var rname: DNSName
    public var serial: UInt32
    public var refresh: UInt32
    public var retry: UInt32
    public var expire: UInt32
    public var minimum: UInt32

    public init(
        mname: DNSName, rname: DNSName, serial: UInt32, refresh: UInt32, retry: UInt32, expire: UInt32,
        minimum: UInt32
    ) {
        self.mname = mname
        self.rname = rname
        self.serial = serial
        self.refresh = refresh
        self.retry = retry
        self.expire = expire
        self.minimum = minimum
    }
}

/// The data of one resource record. Types without a case here are kept as opaque octets that
/// round-trip unchanged (RFC 3597 §2). The two large payloads are boxed (`indirect`), so the enum
/// is 17 bytes, not 37: a zone keeps one inline in each RRset, and SOA and CAA records are few.
public enum RData: Hashable, Sendable {
    case a(IPv4Address)
    case aaaa(IPv6Address)
    case ns(DNSName)
    case cname(DNSName)
    case ptr(DNSName)
    indirect case soa(SOAData)
    case mx(preference: UInt16, exchange: DNSName)
    /// One or more character-strings of at most 255 octets each (RFC 1035 §3.3.14).
    case txt([[UInt8]])
    /// RFC 2782.
    case srv(priority: UInt16, weight: UInt16, port: UInt16, target: DNSName)
    /// RFC 8659 §4.1.
    indirect case caa(flags: UInt8, tag: [UInt8], value: [UInt8])
    /// Any other type, as it was on the wire.
    case unknown([UInt8])

    /// The single name a CNAME/NS/PTR record points to, if any.
    public var targetName: DNSName? {
        switch self {
        case .cname(let n), .ns(let n), .ptr(let n): n
        case .mx(_, let n): n
        case .srv(_, _, _, let n): n
        default: nil
        }
    }
}

/// One resource record (RFC 1035 §4.1.3). OPT records are not kept here but in `EDNS`.
public struct ResourceRecord: Hashable, Sendable {
    public var name: DNSName
    public var type: RRType
    public var rrClass: RRClass
    public var ttl: UInt32
    public var rdata: RData

    public init(name: DNSName, type: RRType, rrClass: RRClass = .IN, ttl: UInt32, rdata: RData) {
        self.name = name
        self.type = type
        self.rrClass = rrClass
        self.ttl = ttl
        self.rdata = rdata
    }
}

/// One question (RFC 1035 §4.1.2).
public struct Question: Hashable, Sendable {
    public var name: DNSName
    public var type: RRType
    public var qclass: RRClass

    public init(name: DNSName, type: RRType, qclass: RRClass = .IN) {
        self.name = name
        self.type = type
        self.qclass = qclass
    }
}

/// The EDNS(0) pseudo-record (RFC 6891 §6.1).
public struct EDNS: Hashable, Sendable {
    public struct Option: Hashable, Sendable {
        public var code: UInt16
        public var data: [UInt8]
        public init(code: UInt16, data: [UInt8]) {
            self.code = code
            self.data = data
        }
    }

    /// Requestor's UDP payload size (the OPT CLASS field).
    public var udpPayloadSize: UInt16
    /// The upper 8 bits of the 12-bit RCODE.
    public var extendedRCode: UInt8
    public var version: UInt8
    /// DNSSEC OK (RFC 3225).
    public var dnssecOK: Bool
    /// The other 15 flag bits, kept so they round-trip.
    public var otherFlags: UInt16
    public var options: [Option]

    public init(
        udpPayloadSize: UInt16 = 1232, extendedRCode: UInt8 = 0, version: UInt8 = 0, dnssecOK: Bool = false,
        otherFlags: UInt16 = 0, options: [Option] = []
    ) {
        self.udpPayloadSize = udpPayloadSize
        self.extendedRCode = extendedRCode
        self.version = version
        self.dnssecOK = dnssecOK
        self.otherFlags = otherFlags & 0x7FFF
        self.options = options
    }

    /// The OPT TTL field: extended RCODE, version, DO and the other flags.
    var ttlField: UInt32 {
        UInt32(extendedRCode) << 24 | UInt32(version) << 16 | (dnssecOK ? 0x8000 : 0) | UInt32(otherFlags & 0x7FFF)
    }

    /// Octets this OPT takes on the wire.
    public var wireSize: Int { 11 + options.reduce(0) { $0 + 4 + $1.data.count } }
}
