// SPDX-License-Identifier: Apache-2.0

/// A resource record TYPE (RFC 1035 §3.2.2). Any 16-bit value round-trips (RFC 3597); the known
/// ones have their RFC mnemonic as a static member.
public struct RRType: RawRepresentable, Hashable, Sendable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public init(_ rawValue: UInt16) { self.rawValue = rawValue }

    public static let A = RRType(1)
    public static let NS = RRType(2)
    public static let MD = RRType(3)
    public static let MF = RRType(4)
    public static let CNAME = RRType(5)
    public static let SOA = RRType(6)
    public static let MB = RRType(7)
    public static let MG = RRType(8)
    public static let MR = RRType(9)
    public static let NULL = RRType(10)
    public static let WKS = RRType(11)
    public static let PTR = RRType(12)
    public static let HINFO = RRType(13)
    public static let MINFO = RRType(14)
    public static let MX = RRType(15)
    public static let TXT = RRType(16)
    public static let RP = RRType(17)
    public static let AFSDB = RRType(18)
    public static let AAAA = RRType(28)
    public static let LOC = RRType(29)
    public static let SRV = RRType(33)
    public static let NAPTR = RRType(35)
    public static let CERT = RRType(37)
    public static let DNAME = RRType(39)
    public static let OPT = RRType(41)
    public static let DS = RRType(43)
    public static let SSHFP = RRType(44)
    public static let RRSIG = RRType(46)
    public static let NSEC = RRType(47)
    public static let DNSKEY = RRType(48)
    public static let NSEC3 = RRType(50)
    public static let NSEC3PARAM = RRType(51)
    public static let TLSA = RRType(52)
    public static let SMIMEA = RRType(53)
    public static let CDS = RRType(59)
    public static let CDNSKEY = RRType(60)
    public static let OPENPGPKEY = RRType(61)
    public static let ZONEMD = RRType(63)
    public static let SVCB = RRType(64)
    public static let HTTPS = RRType(65)
    public static let SPF = RRType(99)
    public static let IXFR = RRType(251)
    public static let AXFR = RRType(252)
    public static let ANY = RRType(255)
    public static let URI = RRType(256)
    public static let CAA = RRType(257)
    static let mnemonics: [(RRType, String)] = [
        (.A, "A"), (.NS, "NS"), (.MD, "MD"), (.MF, "MF"), (.CNAME, "CNAME"), (.SOA, "SOA"), (.MB, "MB"),
        (.MG, "MG"), (.MR, "MR"), (.NULL, "NULL"), (.WKS, "WKS"), (.PTR, "PTR"), (.HINFO, "HINFO"),
        (.MINFO, "MINFO"), (.MX, "MX"), (.TXT, "TXT"), (.RP, "RP"), (.AFSDB, "AFSDB"), (.AAAA, "AAAA"),
        (.LOC, "LOC"), (.SRV, "SRV"), (.NAPTR, "NAPTR"), (.CERT, "CERT"), (.DNAME, "DNAME"), (.OPT, "OPT"),
        (.DS, "DS"), (.SSHFP, "SSHFP"), (.RRSIG, "RRSIG"), (.NSEC, "NSEC"), (.DNSKEY, "DNSKEY"), (.NSEC3, "NSEC3"),
        (.NSEC3PARAM, "NSEC3PARAM"), (.TLSA, "TLSA"), (.SMIMEA, "SMIMEA"), (.CDS, "CDS"), (.CDNSKEY, "CDNSKEY"),
        (.OPENPGPKEY, "OPENPGPKEY"), (.ZONEMD, "ZONEMD"), (.SVCB, "SVCB"), (.HTTPS, "HTTPS"), (.SPF, "SPF"),
        (.IXFR, "IXFR"), (.AXFR, "AXFR"), (.ANY, "ANY"), (.URI, "URI"), (.CAA, "CAA"),
    ]
    /// Mnemonics packed into a UInt64 (upper-cased octets, at most 8): a lookup without allocating.
    static let packed: [UInt64: RRType] = {
        var table: [UInt64: RRType] = [:]
        for (type, name) in mnemonics {
            if let key = packMnemonic(ArraySlice(name.utf8)) { table[key] = type }  // longer ones: `init(mnemonic:)`
        }
        return table
    }()

    /// Parses a mnemonic or `TYPEnnn` from raw octets without allocating (the zone parser's path).
    public init?(mnemonicBytes bytes: ArraySlice<UInt8>) {
        if let key = packMnemonic(bytes), let type = RRType.common(key) ?? RRType.packed[key] {
            self = type
            return
        }
        guard bytes.count > 4, bytes.count <= 10 else { return nil }  // TYPE65535, NSEC3PARAM, OPENPGPKEY
        self.init(mnemonic: String(decoding: bytes, as: UTF8.self))
    }

    /// The types zone files are mostly made of, from their packed mnemonic, without a dictionary.
    private static func common(_ key: UInt64) -> RRType? {
        switch key {
        case 0x41: .A
        case 0x4141_4141: .AAAA
        case 0x43_4E41_4D45: .CNAME
        case 0x4E53: .NS
        case 0x4D58: .MX
        case 0x54_5854: .TXT
        case 0x50_5452: .PTR
        default: nil
        }
    }

    /// Parses a mnemonic or the RFC 3597 `TYPEnnn` form, case-insensitively.
    public init?(mnemonic: some StringProtocol) {
        let upper = mnemonic.uppercased()
        if let found = RRType.mnemonics.first(where: { $0.1 == upper }) {
            self = found.0
        } else if upper.hasPrefix("TYPE"), let value = UInt16(upper.dropFirst(4)) {
            self.rawValue = value
        } else {
            return nil
        }
    }

    /// True for QTYPEs that name no single RRset (RFC 1035 §3.2.3, RFC 6895 §3.1).
    public var isMetaType: Bool { rawValue == 41 || (128...255).contains(rawValue) }
}

extension RRType: CustomStringConvertible {
    /// The mnemonic, or `TYPEnnn` (RFC 3597 §5).
    public var description: String {
        RRType.mnemonics.first(where: { $0.0 == self })?.1 ?? "TYPE\(rawValue)"
    }
}

/// Up to 8 octets, upper-cased, packed into an integer; nil when longer or empty.
func packMnemonic(_ bytes: ArraySlice<UInt8>) -> UInt64? {
    guard !bytes.isEmpty, bytes.count <= 8 else { return nil }
    var key: UInt64 = 0
    for byte in bytes {
        let upper = (byte >= 0x61 && byte <= 0x7A) ? byte - 0x20 : byte
        key = key << 8 | UInt64(upper)
    }
    return key
}

/// A resource record CLASS (RFC 1035 §3.2.4).
public struct RRClass: RawRepresentable, Hashable, Sendable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public init(_ rawValue: UInt16) { self.rawValue = rawValue }

    public static let IN = RRClass(1)
    public static let CH = RRClass(3)
    public static let HS = RRClass(4)
    public static let NONE = RRClass(254)
    public static let ANY = RRClass(255)

    /// As `init?(mnemonic:)`, from raw octets; allocates only for the rare `CLASSnnn` form.
    public init?(mnemonicBytes bytes: ArraySlice<UInt8>) {
        switch packMnemonic(bytes) {
        case 0x494E?: self = .IN
        case 0x4348?, 0x4353?: self = .CH
        case 0x4853?: self = .HS
        case 0x4E4F4E45?: self = .NONE
        case 0x414E59?: self = .ANY
        default:
            guard bytes.count > 5, bytes.count <= 10, (bytes.first.map { $0 | 0x20 }) == UInt8(ascii: "c") else { return nil }
            self.init(mnemonic: String(decoding: bytes, as: UTF8.self))
        }
    }

    /// Parses `IN`, `CH`, `HS`, `ANY` or `CLASSnnn`, case-insensitively.
    public init?(mnemonic: some StringProtocol) {
        switch mnemonic.uppercased() {
        case "IN": self = .IN
        case "CH", "CS": self = .CH
        case "HS": self = .HS
        case "NONE": self = .NONE
        case "ANY": self = .ANY
        case let upper where upper.hasPrefix("CLASS"):
            guard let value = UInt16(upper.dropFirst(5)) else { return nil }
            self.rawValue = value
        default: return nil
        }
    }
}

extension RRClass: CustomStringConvertible {
    public var description: String {
        switch self {
        case .IN: "IN"
        case .CH: "CH"
        case .HS: "HS"
        case .NONE: "NONE"
        case .ANY: "ANY"
        default: "CLASS\(rawValue)"
        }
    }
}
