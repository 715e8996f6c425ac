// SPDX-License-Identifier: Apache-2.0

/// The header of a response written over a query's, in place: the one statement of which flags a
/// response copies (RFC 1035 §4.1.1; RD and CD per RFC 6840 §5.9).
public enum ResponseFlags {
    /// ID copied; QR and RA set (we are a resolver); opcode, RD and CD copied; AA and TC as given;
    /// the low four bits of `rcode`. Writes octets 0–3 of `out`.
    @inlinable
    public static func write(
        into out: UnsafeMutableRawBufferPointer, query: UnsafeRawBufferPointer, authoritative: Bool, truncated: Bool = false,
        rcode: RCode
    ) {
        out[0] = query[0]
        out[1] = query[1]
        out[2] = 0x80 | (query[2] & 0x79) | (authoritative ? 0x04 : 0) | (truncated ? 0x02 : 0)
        out[3] = 0x80 | (query[3] & 0x10) | UInt8(truncatingIfNeeded: rcode.rawValue & 0x0F)
    }
}

/// Our OPT record in a response (RFC 6891 §6.1.2): root owner, our UDP payload size, version 0,
/// the DO bit echoed, no options.
public enum EDNSRecord {
    public static let size = 11

    /// Writes it at `offset`; returns the end.
    @inlinable
    public static func write(into out: UnsafeMutableRawBufferPointer, at offset: Int, payload: UInt16, dnssecOK: Bool) -> Int {
        let w = offset
        out[w] = 0
        out[w + 1] = 0
        out[w + 2] = 41
        out[w + 3] = UInt8(payload >> 8)
        out[w + 4] = UInt8(payload & 0xFF)
        out[w + 5] = 0
        out[w + 6] = 0
        out[w + 7] = dnssecOK ? 0x80 : 0
        out[w + 8] = 0
        out[w + 9] = 0
        out[w + 10] = 0
        return w + size
    }
}
