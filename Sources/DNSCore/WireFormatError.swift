// SPDX-License-Identifier: Apache-2.0

/// Why bytes could not be read as a DNS message. Every malformed input ends in one of these;
/// nothing in the reader traps on untrusted bytes.
public enum WireFormatError: Error, Sendable, Equatable {
    /// Needed `needed` more octets at `offset` than the message has.
    case truncated(offset: Int)
    /// A compression pointer at `offset` points at or after itself, or into the header.
    case badPointer(offset: Int)
    /// The label type bits 01 or 10 (RFC 6891 §5 retired extended labels).
    case badLabelType(offset: Int)
    /// The name is longer than 255 octets once decompressed.
    case nameTooLong(offset: Int)
    /// RDATA of a known type does not fill its RDLENGTH exactly or has bad contents.
    case badRData(type: RRType, offset: Int)
    /// More than one OPT record (RFC 6891 §6.1.1).
    case multipleOPT
    /// An OPT record outside the additional section, or with an owner other than the root.
    case misplacedOPT
    /// A message larger than 65535 octets cannot be written.
    case messageTooLarge
}
