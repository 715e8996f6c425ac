// SPDX-License-Identifier: Apache-2.0

/// The question of one query, read once where the datagram or TCP message enters: the name's
/// extent, label offsets and the hash of every suffix, the type and class, the EDNS facts, and
/// whether the query is plain enough for the answers written straight from tables. Rate limiting,
/// routing, the zone writer, the caches, metrics and the query log all read this; none of them
/// walks the labels again.
///
/// Plain data: the label offsets and hashes live in a `QuestionScratch` slot, valid until that
/// slot is parsed into again (the next batch).
public struct QuestionView: @unchecked Sendable {
    /// The question name is `12..<nameEnd`, uncompressed; 0 when no question could be read.
    public let nameEnd: Int
    /// Just past the question's class.
    public let questionEnd: Int
    public let qtype: UInt16
    public let qclass: UInt16
    /// Labels of the name, the root not counted.
    public let labelCount: Int
    /// QR 0, opcode QUERY, one question of class IN whose type is not OPT or a meta-type, no
    /// answer or authority records, and nothing after the question but one well-formed OPT of
    /// version 0 (RFC 6891 §6.1). Anything else is the general path's.
    public let isPlain: Bool
    /// An OPT record follows the question (read only when `isPlain`).
    public let edns: Bool
    public let dnssecOK: Bool
    /// The client's EDNS UDP payload size.
    public let ednsPayload: UInt16
    // Inlinable, with what they read: the route's walk and the zone writer (in DNSEngine) read
    // them per label, and a call each would cost more than the read.
    @usableFromInline let labels: UnsafeMutablePointer<Int16>
    @usableFromInline let hashes: UnsafeMutablePointer<UInt64>

    /// Where label `i` starts (0 is the leftmost; `labelCount` is the root octet).
    @inlinable public func labelStart(_ i: Int) -> Int { Int(labels[i]) }

    /// `WireNameHash` of the suffix starting at label `i` (`labelCount`: the root's).
    @inlinable public func suffixHash(_ i: Int) -> UInt64 { hashes[i] }

    /// `WireNameHash` of the whole name (the root's without a readable question).
    @inlinable public var nameHash: UInt64 { hashes[0] }
    /// `WireNameHash` of the name's parent, where a wildcard's owner hangs.
    @inlinable public var parentHash: UInt64 { labelCount > 0 ? hashes[1] : hashes[0] }

    /// The largest response the client takes (RFC 1035 §4.2.1, RFC 6891 §6.2.5).
    @inlinable
    public func responseLimit(overTCP: Bool, ourPayload: UInt16) -> Int {
        if overTCP { return 65535 }
        return edns ? max(512, min(Int(ednsPayload), Int(ourPayload))) : 512
    }

    /// Reads `query` into `slot` of `scratch`. Never traps: any octets give a view, at worst one
    /// with no question (`nameEnd` 0) and not plain.
    public static func parse(_ query: UnsafeRawBufferPointer, slot: Int, in scratch: QuestionScratch) -> QuestionView {
        let labels = scratch.labels(slot)
        let hashes = scratch.hashes(slot)
        hashes[0] = WireNameHash.seed
        let n = query.count
        let noQuestion = QuestionView(
            nameEnd: 0, questionEnd: 0, qtype: 0, qclass: 0, labelCount: 0, isPlain: false, edns: false, dnssecOK: false,
            ednsPayload: 0, labels: labels, hashes: hashes)
        guard n >= 17, query[4] == 0, query[5] >= 1 else { return noQuestion }
        var labelCount = 0
        var p = 12
        while true {
            guard p < n, p < 12 + 255 else { return noQuestion }
            let length = Int(query[p])
            if length == 0 { break }
            guard length <= 63, labelCount < QuestionScratch.maxLabels - 1 else { return noQuestion }
            labels[labelCount] = Int16(p)
            labelCount += 1
            p += 1 + length
        }
        let nameEnd = p + 1
        labels[labelCount] = Int16(p)  // the root
        guard nameEnd - 12 <= 255, nameEnd + 4 <= n else { return noQuestion }
        hashes[labelCount] = WireNameHash.seed
        var i = labelCount - 1
        while i >= 0 {
            hashes[i] = WireNameHash.mix(hashes[i + 1], query, Int(labels[i]))
            i -= 1
        }
        let qtype = UInt16(query[nameEnd]) << 8 | UInt16(query[nameEnd + 1])
        let qclass = UInt16(query[nameEnd + 2]) << 8 | UInt16(query[nameEnd + 3])
        let questionEnd = nameEnd + 4
        let opt = questionEnd
        // The DO bit and payload of an OPT right after the question, read loosely for a prefetch
        // even when the query is not plain; `isPlain` checks the OPT whole.
        let hasOPT = query[11] == 1 && opt + 11 <= n && query[opt] == 0 && query[opt + 1] == 0 && query[opt + 2] == 41
        let dnssecOK = hasOPT && query[opt + 7] & 0x80 != 0
        let payload = hasOPT ? UInt16(query[opt + 3]) << 8 | UInt16(query[opt + 4]) : 0
        var plain = query[2] & 0xF8 == 0 && query[5] == 1 && query[6] == 0 && query[7] == 0 && query[8] == 0 && query[9] == 0
            && query[10] == 0 && query[11] <= 1 && qclass == 1 && qtype != RRType.OPT.rawValue && !(128...255).contains(qtype)
        if plain {
            if query[11] == 1 {
                // OPT: root owner, type 41, version 0, each option's length inside the RDATA
                // (RFC 6891 §6.1.2), nothing after it.
                plain = hasOPT && query[opt + 6] == 0 && opt + 11 + (Int(query[opt + 9]) << 8 | Int(query[opt + 10])) == n
                var option = opt + 11
                while plain && option + 4 <= n {
                    option += 4 + (Int(query[option + 2]) << 8 | Int(query[option + 3]))
                }
                plain = plain && option == n
            } else {
                plain = questionEnd == n
            }
        }
        return QuestionView(
            nameEnd: nameEnd, questionEnd: questionEnd, qtype: qtype, qclass: qclass, labelCount: labelCount, isPlain: plain,
            edns: hasOPT, dnssecOK: dnssecOK, ednsPayload: payload, labels: labels, hashes: hashes)
    }

    private init(
        nameEnd: Int, questionEnd: Int, qtype: UInt16, qclass: UInt16, labelCount: Int, isPlain: Bool, edns: Bool,
        dnssecOK: Bool, ednsPayload: UInt16, labels: UnsafeMutablePointer<Int16>, hashes: UnsafeMutablePointer<UInt64>
    ) {
        self.nameEnd = nameEnd
        self.questionEnd = questionEnd
        self.qtype = qtype
        self.qclass = qclass
        self.labelCount = labelCount
        self.isPlain = isPlain
        self.edns = edns
        self.dnssecOK = dnssecOK
        self.ednsPayload = ednsPayload
        self.labels = labels
        self.hashes = hashes
    }
}

/// The label offsets and suffix hashes of a batch of `QuestionView`s, owned by one thread and
/// allocated once: parsing a question allocates nothing.
public final class QuestionScratch {
    /// A name has at most 127 labels, and the root.
    public static let maxLabels = 128
    public let slots: Int
    private let labelStorage: UnsafeMutablePointer<Int16>
    private let hashStorage: UnsafeMutablePointer<UInt64>

    public init(slots: Int) {
        self.slots = max(slots, 1)
        labelStorage = .allocate(capacity: self.slots * QuestionScratch.maxLabels)
        hashStorage = .allocate(capacity: self.slots * QuestionScratch.maxLabels)
    }

    deinit {
        labelStorage.deallocate()
        hashStorage.deallocate()
    }

    fileprivate func labels(_ slot: Int) -> UnsafeMutablePointer<Int16> {
        labelStorage + (slot % slots) * QuestionScratch.maxLabels
    }

    fileprivate func hashes(_ slot: Int) -> UnsafeMutablePointer<UInt64> {
        hashStorage + (slot % slots) * QuestionScratch.maxLabels
    }
}
