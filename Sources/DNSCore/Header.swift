// SPDX-License-Identifier: Apache-2.0

/// The 12-octet message header (RFC 1035 §4.1.1). Flags are kept as the raw 16-bit word so a
/// pre-rendered answer can patch them in place.
public struct Header: Sendable, Equatable {
    public var id: UInt16
    /// QR, Opcode, AA, TC, RD, RA, Z, AD, CD and the low 4 bits of RCODE, as on the wire.
    public var flags: UInt16
    public var questionCount: UInt16
    public var answerCount: UInt16
    public var authorityCount: UInt16
    public var additionalCount: UInt16

    public init(
        id: UInt16 = 0, flags: UInt16 = 0, questionCount: UInt16 = 0, answerCount: UInt16 = 0,
        authorityCount: UInt16 = 0, additionalCount: UInt16 = 0
    ) {
        self.id = id
        self.flags = flags
        self.questionCount = questionCount
        self.answerCount = answerCount
        self.authorityCount = authorityCount
        self.additionalCount = additionalCount
    }

    /// Bit masks of the flags word.
    public enum Flag {
        public static let qr: UInt16 = 0x8000
        public static let aa: UInt16 = 0x0400
        public static let tc: UInt16 = 0x0200
        public static let rd: UInt16 = 0x0100
        public static let ra: UInt16 = 0x0080
        public static let z: UInt16 = 0x0040
        public static let ad: UInt16 = 0x0020
        public static let cd: UInt16 = 0x0010
    }

    private func bit(_ mask: UInt16) -> Bool { flags & mask != 0 }
    private mutating func set(_ mask: UInt16, _ on: Bool) { flags = on ? flags | mask : flags & ~mask }

    public var isResponse: Bool { get { bit(Flag.qr) } set { set(Flag.qr, newValue) } }
    public var authoritative: Bool { get { bit(Flag.aa) } set { set(Flag.aa, newValue) } }
    public var truncated: Bool { get { bit(Flag.tc) } set { set(Flag.tc, newValue) } }
    public var recursionDesired: Bool { get { bit(Flag.rd) } set { set(Flag.rd, newValue) } }
    public var recursionAvailable: Bool { get { bit(Flag.ra) } set { set(Flag.ra, newValue) } }
    public var authenticData: Bool { get { bit(Flag.ad) } set { set(Flag.ad, newValue) } }
    public var checkingDisabled: Bool { get { bit(Flag.cd) } set { set(Flag.cd, newValue) } }

    public var opcode: OpCode {
        get { OpCode(UInt8((flags >> 11) & 0x0F)) }
        set { flags = (flags & ~0x7800) | (UInt16(newValue.rawValue) << 11) }
    }

    /// The low 4 bits of the RCODE.
    public var rcodeLow: UInt8 {
        get { UInt8(flags & 0x000F) }
        set { flags = (flags & ~0x000F) | UInt16(newValue & 0x0F) }
    }

    /// Size on the wire.
    public static let size = 12
}
