// SPDX-License-Identifier: Apache-2.0

/// A response code, 12 bits with EDNS (RFC 6891 §6.1.3): the low 4 in the header, the high 8 in OPT.
public struct RCode: RawRepresentable, Hashable, Sendable {
    public let rawValue: UInt16
    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue & 0x0FFF }
    @inlinable public init(_ rawValue: UInt16) { self.init(rawValue: rawValue) }

    // Computed and inlinable rather than stored: the hot path in other modules then reads a
    // constant, not an accessor.
    @inlinable public static var noError: RCode { RCode(0) }
    @inlinable public static var formErr: RCode { RCode(1) }
    @inlinable public static var servFail: RCode { RCode(2) }
    @inlinable public static var nxDomain: RCode { RCode(3) }
    @inlinable public static var notImp: RCode { RCode(4) }
    @inlinable public static var refused: RCode { RCode(5) }
    /// RFC 6891 §6.1.3; needs EDNS to be expressed.
    @inlinable public static var badVers: RCode { RCode(16) }
}

extension RCode: CustomStringConvertible {
    /// The name `dig` prints.
    public var description: String {
        switch rawValue {
        case 0: "NOERROR"
        case 1: "FORMERR"
        case 2: "SERVFAIL"
        case 3: "NXDOMAIN"
        case 4: "NOTIMP"
        case 5: "REFUSED"
        case 6: "YXDOMAIN"
        case 7: "YXRRSET"
        case 8: "NXRRSET"
        case 9: "NOTAUTH"
        case 10: "NOTZONE"
        case 16: "BADVERS"
        default: "RESERVED\(rawValue)"
        }
    }
}

/// A header OPCODE (RFC 1035 §4.1.1).
public struct OpCode: RawRepresentable, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue & 0x0F }
    public init(_ rawValue: UInt8) { self.init(rawValue: rawValue) }

    public static let query = OpCode(0)
    public static let iquery = OpCode(1)
    public static let status = OpCode(2)
    public static let notify = OpCode(4)
    public static let update = OpCode(5)
}
