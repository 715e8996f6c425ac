// SPDX-License-Identifier: Apache-2.0

/// One field of an RDATA layout, in the order it sits on the wire and in the text form.
public enum RDataField: Sendable, Equatable {
    case u8, u16, u32
    /// A number that the text form may also give by name; printed as the number.
    case named(NumberNames)
    /// A domain name, never compressed (RFC 3597 §4).
    case name
    /// One <character-string> (RFC 1035 §3.3).
    case characterString
    /// One or more character-strings, to the end.
    case characterStrings
    /// The rest of the RDATA as hex; in text it may be split by white space (RFC 4034 §5.3).
    case hex
    /// The rest as base64, likewise (RFC 4034 §2.2).
    case base64
    case ipv4, ipv6
    /// A type covered, as a mnemonic (RRSIG, RFC 4034 §3.2).
    case rrType
    /// Seconds since 1970 on the wire; `YYYYMMDDHHmmSS` (UTC) in text (RFC 4034 §3.2).
    case time
    /// The rest: a bitmap of types in windows (RFC 4034 §4.1.2); a list of mnemonics in text.
    case typeBitmap
    /// A length octet and that many octets, as hex; `-` for none (NSEC3 salt, RFC 5155 §3.3).
    case salt
    /// A length octet and that many octets, as base32hex without padding (RFC 5155 §3.3).
    case base32hex
    /// The rest as one quoted string (URI's target, RFC 7553 §4.4).
    case quotedRest
    /// The rest: SvcParams in key order (RFC 9460 §2.1).
    case svcParams
    /// The rest: a bitmap of port numbers (WKS, RFC 1035 §3.4.2); the numbers in text.
    case portBitmap
    /// The whole of LOC's 16 octets (RFC 1876 §2, §3): latitude, longitude, altitude, size, precisions.
    case location
}

/// Numbers some fields take by name in text.
public enum NumberNames: Sendable, Equatable {
    /// CERT's certificate type (RFC 4398 §2.1), 16 bits.
    case certificateType
    /// CERT's algorithm (RFC 4398 §2.2, the DNSSEC algorithm numbers), 8 bits.
    case certificateAlgorithm
    /// WKS's protocol (RFC 1035 §3.4.2), 8 bits.
    case ipProtocol

    public var octets: Int { self == .certificateType ? 2 : 1 }

    /// The number a name stands for (case-insensitive), or nil.
    public func value(of name: String) -> UInt16? {
        let upper = name.uppercased()
        switch self {
        case .certificateType:
            return ["PKIX": 1, "SPKI": 2, "PGP": 3, "IPKIX": 4, "ISPKI": 5, "IPGP": 6, "ACPKIX": 7, "IACPKIX": 8, "URI": 253,
                "OID": 254][upper]
        case .certificateAlgorithm:
            return ["RSAMD5": 1, "DH": 2, "DSA": 3, "RSASHA1": 5, "RSASHA256": 8, "RSASHA512": 10, "ECDSAP256SHA256": 13,
                "ECDSAP384SHA384": 14, "ED25519": 15, "ED448": 16][upper]
        case .ipProtocol:
            return ["TCP": 6, "UDP": 17][upper]
        }
    }
}

/// The RDATA layouts of the types that have no case of their own in `RData`: the one table the
/// zone parser (text to wire) and the presentation form (wire to text) read. Records of these types
/// are kept as their wire octets (`RData.unknown`), which round-trip as they are.
public enum RDataSchema {
    public static func fields(for type: RRType) -> [RDataField]? {
        switch type {
        // RFC 1035 §3.3.
        case .MD, .MF, .MB, .MG, .MR: [.name]
        case .HINFO: [.characterString, .characterString]
        case .MINFO, .RP: [.name, .name]
        case .WKS: [.ipv4, .named(.ipProtocol), .portBitmap]
        // RFC 1183, 3403, 4398, 4034, 4255, 5155, 6698, 7344, 7553, 7929, 8162, 8976, 9460.
        case .AFSDB: [.u16, .name]
        case .NAPTR: [.u16, .u16, .characterString, .characterString, .characterString, .name]
        case .CERT: [.named(.certificateType), .u16, .named(.certificateAlgorithm), .base64]
        case .DS, .CDS: [.u16, .u8, .u8, .hex]
        case .SSHFP: [.u8, .u8, .hex]
        case .RRSIG: [.rrType, .u8, .u8, .u32, .time, .time, .u16, .name, .base64]
        case .NSEC: [.name, .typeBitmap]
        case .DNSKEY, .CDNSKEY: [.u16, .u8, .u8, .base64]
        case .NSEC3: [.u8, .u8, .u16, .salt, .base32hex, .typeBitmap]
        case .NSEC3PARAM: [.u8, .u8, .u16, .salt]
        case .TLSA, .SMIMEA: [.u8, .u8, .u8, .hex]
        case .OPENPGPKEY: [.base64]
        case .ZONEMD: [.u32, .u8, .u8, .hex]
        case .SVCB, .HTTPS: [.u16, .name, .svcParams]
        case .URI: [.u16, .u16, .quotedRest]
        case .LOC: [.location]
        default: nil
        }
    }

    /// Types that must not be served here, with why: a record of one in a zone file is an error.
    public static func unservable(_ type: RRType) -> String? {
        switch type {
        case .DNAME: "DNAME cannot be served: Route 53 has no form for it, and its answers would need synthesised CNAMEs (RFC 6672)"
        default: nil
        }
    }
}
