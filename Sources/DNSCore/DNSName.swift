// SPDX-License-Identifier: Apache-2.0

/// Why a name could not be built.
public enum DNSNameError: Error, Sendable, Equatable {
    /// A label was empty or longer than 63 octets (RFC 1035 §2.3.4).
    case invalidLabelLength(Int)
    /// The name is longer than 255 octets in wire form (RFC 1035 §2.3.4).
    case nameTooLong(Int)
    /// The presentation form is malformed (bad escape, empty label).
    case invalidText(String)
}

/// A domain name, kept in uncompressed wire form (RFC 1035 §3.1): length-prefixed labels ending with
/// the root's zero octet. The original case is kept so answers can echo it; `==` and hashing ignore
/// ASCII case (RFC 4343 §3); `<` is canonical order (RFC 4034 §6.1).
public struct DNSName: Sendable {
    /// Wire form, always valid: every label 1...63 octets, total ≤ 255, ends with 0.
    public let wire: [UInt8]

    /// The root name `.`.
    public static let root = DNSName(validatedWire: [0])

    /// Builds a name from wire bytes already checked by the caller.
    @usableFromInline
    internal init(validatedWire: [UInt8]) { self.wire = validatedWire }

    /// Builds a name from labels, leftmost first; the root label is implicit.
    /// - Throws: `DNSNameError` if a label is not 1...63 octets or the name exceeds 255 octets.
    public init<S: Sequence>(labels: S) throws(DNSNameError) where S.Element: Collection, S.Element.Element == UInt8 {
        var bytes: [UInt8] = []
        for label in labels {
            guard (1...63).contains(label.count) else { throw .invalidLabelLength(label.count) }
            bytes.append(UInt8(label.count))
            bytes.append(contentsOf: label)
        }
        bytes.append(0)
        guard bytes.count <= 255 else { throw .nameTooLong(bytes.count) }
        self.wire = bytes
    }

    /// Checks and adopts an uncompressed wire-form name.
    /// - Throws: `DNSNameError` if the bytes are not exactly one valid name.
    public init(wire bytes: [UInt8]) throws(DNSNameError) {
        guard bytes.count <= 255 else { throw .nameTooLong(bytes.count) }
        var i = 0
        while i < bytes.count {
            let length = Int(bytes[i])
            if length == 0 {
                guard i == bytes.count - 1 else { throw .invalidText("bytes after the root label") }
                self.wire = bytes
                return
            }
            guard length <= 63 else { throw .invalidLabelLength(length) }
            i += 1 + length
        }
        throw .invalidText("missing root label")
    }

    /// Number of labels, not counting the root.
    public var labelCount: Int {
        var count = 0
        var i = 0
        while wire[i] != 0 {
            count += 1
            i += 1 + Int(wire[i])
        }
        return count
    }

    /// True for the root name.
    public var isRoot: Bool { wire.count == 1 }

    /// Calls `body` with the offset in `wire` of each label's length octet, left to right (the root
    /// excluded), kept on the stack: at most 127 labels, each starting below 255.
    public func withLabelStarts<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 128) { starts in
            var count = 0
            var i = 0
            while wire[i] != 0 {
                starts[count] = UInt8(truncatingIfNeeded: i)
                count += 1
                i += 1 + Int(wire[i])
            }
            return try body(UnsafeBufferPointer(rebasing: starts[0..<count]))
        }
    }

    /// The labels, leftmost first, without the root.
    public var labels: [ArraySlice<UInt8>] {
        var result: [ArraySlice<UInt8>] = []
        var i = 0
        while wire[i] != 0 {
            let length = Int(wire[i])
            result.append(wire[(i + 1)..<(i + 1 + length)])
            i += 1 + length
        }
        return result
    }

    /// The name without its leftmost label; nil for the root.
    public var parent: DNSName? {
        guard !isRoot else { return nil }
        return DNSName(validatedWire: Array(wire[(1 + Int(wire[0]))...]))
    }

    /// True when the leftmost label is exactly `*` (RFC 4592 §2.1.1).
    public var isWildcard: Bool { wire.count >= 3 && wire[0] == 1 && wire[1] == UInt8(ascii: "*") }

    /// This name with `label` put in front.
    /// - Throws: `DNSNameError` if the label or the result is too long.
    public func prepending<C: Collection>(_ label: C) throws(DNSNameError) -> DNSName where C.Element == UInt8 {
        guard (1...63).contains(label.count) else { throw .invalidLabelLength(label.count) }
        let total = wire.count + 1 + label.count
        guard total <= 255 else { throw .nameTooLong(total) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(total)
        bytes.append(UInt8(label.count))
        bytes.append(contentsOf: label)
        bytes.append(contentsOf: wire)
        return DNSName(validatedWire: bytes)
    }

    /// The wildcard `*.self`, if it fits.
    public var wildcard: DNSName? { try? prepending([UInt8(ascii: "*")]) }

    /// True when `self` equals `ancestor` or lies below it (label-wise, case-insensitive).
    public func isSubdomain(of ancestor: DNSName) -> Bool {
        let extra = wire.count - ancestor.wire.count
        guard extra >= 0 else { return false }
        return wire.withUnsafeBytes { wire in
            ancestor.wire.withUnsafeBytes { ancestor in
                // Walk to the label boundary `extra` octets in.
                var i = 0
                while i < extra { i += 1 + Int(wire[i]) }
                guard i == extra else { return false }
                return WireNameHash.equalIgnoringCase(wire, extra, ancestor, 0, count: ancestor.count)
            }
        }
    }

    /// The name with every ASCII letter lowered.
    public var lowercased: DNSName { DNSName(validatedWire: wire.map(asciiLower)) }
}

/// ASCII lower-casing of one octet; other octets unchanged (RFC 4343 §3).
@inlinable
public func asciiLower(_ byte: UInt8) -> UInt8 {
    (byte >= 0x41 && byte <= 0x5A) ? byte | 0x20 : byte
}
