// SPDX-License-Identifier: Apache-2.0

/// A whole DNS message (RFC 1035 §4.1). The OPT pseudo-record, if any, lives in `edns`, not in
/// `additional`.
public struct Message: Hashable, Sendable {
    public var header: Header
    public var questions: [Question]
    public var answers: [ResourceRecord]
    public var authority: [ResourceRecord]
    public var additional: [ResourceRecord]
    public var edns: EDNS?

    public init(
        header: Header = Header(), questions: [Question] = [], answers: [ResourceRecord] = [],
        authority: [ResourceRecord] = [], additional: [ResourceRecord] = [], edns: EDNS? = nil
    ) {
        self.header = header
        self.questions = questions
        self.answers = answers
        self.authority = authority
        self.additional = additional
        self.edns = edns
    }

    public static func == (l: Message, r: Message) -> Bool {
        l.header.id == r.header.id && l.header.flags == r.header.flags && l.questions == r.questions
            && l.answers == r.answers && l.authority == r.authority && l.additional == r.additional
            && l.edns == r.edns
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(header.id)
        hasher.combine(questions)
        hasher.combine(answers)
    }

    /// The full 12-bit RCODE: header bits plus the OPT extension (RFC 6891 §6.1.3).
    public var rcode: RCode {
        get { RCode(UInt16(edns?.extendedRCode ?? 0) << 4 | UInt16(header.rcodeLow)) }
        set {
            header.rcodeLow = UInt8(newValue.rawValue & 0x0F)
            if edns != nil { edns!.extendedRCode = UInt8(newValue.rawValue >> 4) }
        }
    }
}

// MARK: - Reading

extension Message {
    /// Parses a message from untrusted bytes.
    /// - Throws: `WireFormatError` for anything malformed; never traps.
    /// Decodes a message. With `skippingAdditional`, the additional section (and any OPT in it) is
    /// not read at all: for an upstream's reply, whose additional data a resolver drops anyway
    /// (RFC 5452 §6) and whose EDNS it does not use.
    public init(wire bytes: [UInt8], skippingAdditional: Bool = false) throws(WireFormatError) {
        var reader = WireReader(bytes)
        let header = Header(
            id: try reader.readUInt16(), flags: try reader.readUInt16(), questionCount: try reader.readUInt16(),
            answerCount: try reader.readUInt16(), authorityCount: try reader.readUInt16(),
            additionalCount: try reader.readUInt16())
        var questions: [Question] = []
        // Each entry takes at least 5 (question) or 11 (record) octets: reject impossible counts up front
        // instead of looping 65535 times over an empty tail.
        guard Int(header.questionCount) * 5 <= reader.remaining else { throw .truncated(offset: reader.offset) }
        for _ in 0..<header.questionCount {
            let name = try reader.readName()
            questions.append(Question(name: name, type: RRType(try reader.readUInt16()), qclass: RRClass(try reader.readUInt16())))
        }
        let additional = skippingAdditional ? 0 : header.additionalCount
        let records = Int(header.answerCount) + Int(header.authorityCount) + Int(additional)
        guard records * 11 <= reader.remaining else { throw .truncated(offset: reader.offset) }
        var edns: EDNS?
        var sections: [[ResourceRecord]] = [[], [], []]
        let counts = [header.answerCount, header.authorityCount, additional]
        for section in 0..<3 {
            for _ in 0..<counts[section] {
                let record = try reader.readRecordOrOPT()
                switch record {
                case .record(let rr): sections[section].append(rr)
                case .opt(let opt, let ownerIsRoot):
                    // RFC 6891 §6.1.1: one OPT, in the additional section, owned by the root.
                    guard section == 2, ownerIsRoot else { throw .misplacedOPT }
                    guard edns == nil else { throw .multipleOPT }
                    edns = opt
                }
            }
        }
        self.init(
            header: header, questions: questions, answers: sections[0], authority: sections[1],
            additional: sections[2], edns: edns)
    }
}

enum RecordOrOPT {
    case record(ResourceRecord)
    case opt(EDNS, ownerIsRoot: Bool)
}

extension WireReader {
    mutating func readRecordOrOPT() throws(WireFormatError) -> RecordOrOPT {
        let name = try readName()
        let type = RRType(try readUInt16())
        let rawClass = try readUInt16()
        let ttl = try readUInt32()
        let length = Int(try readUInt16())
        guard remaining >= length else { throw .truncated(offset: offset) }
        if type == .OPT {
            let end = offset + length
            var options: [EDNS.Option] = []
            while offset < end {
                guard end - offset >= 4 else { throw .badRData(type: .OPT, offset: offset) }
                let code = try readUInt16()
                let optionLength = Int(try readUInt16())
                guard end - offset >= optionLength else { throw .badRData(type: .OPT, offset: offset) }
                options.append(EDNS.Option(code: code, data: try readBytes(optionLength)))
            }
            let opt = EDNS(
                udpPayloadSize: rawClass, extendedRCode: UInt8(ttl >> 24), version: UInt8((ttl >> 16) & 0xFF),
                dnssecOK: ttl & 0x8000 != 0, otherFlags: UInt16(ttl & 0x7FFF), options: options)
            return .opt(opt, ownerIsRoot: name.isRoot)
        }
        let rdata = try readRData(type: type, length: length)
        return .record(ResourceRecord(name: name, type: type, rrClass: RRClass(rawClass), ttl: ttl, rdata: rdata))
    }

    /// Reads RDATA of `length` octets; known types are decoded and must fill it exactly.
    public mutating func readRData(type: RRType, length: Int) throws(WireFormatError) -> RData {
        let start = offset
        let end = start + length
        guard end <= limit else { throw .truncated(offset: start) }
        let outerLimit = limit
        limit = end
        defer { limit = outerLimit }
        let rdata: RData
        do throws(WireFormatError) {
            switch type {
            case .A:
                rdata = .a(IPv4Address(bytes: try readBytes(4)))
            case .AAAA:
                rdata = .aaaa(IPv6Address(bytes: try readBytes(16)))
            case .NS: rdata = .ns(try readName())
            case .CNAME: rdata = .cname(try readName())
            case .PTR: rdata = .ptr(try readName())
            case .SOA:
                rdata = .soa(
                    SOAData(
                        mname: try readName(), rname: try readName(), serial: try readUInt32(),
                        refresh: try readUInt32(), retry: try readUInt32(), expire: try readUInt32(),
                        minimum: try readUInt32()))
            case .MX:
                rdata = .mx(preference: try readUInt16(), exchange: try readName())
            case .TXT:
                var strings: [[UInt8]] = []
                while offset < end {
                    let count = Int(try readUInt8())
                    strings.append(try readBytes(count))
                }
                guard !strings.isEmpty else { throw WireFormatError.badRData(type: type, offset: start) }
                rdata = .txt(strings)
            case .SRV:
                rdata = .srv(
                    priority: try readUInt16(), weight: try readUInt16(), port: try readUInt16(), target: try readName())
            case .CAA:
                let flags = try readUInt8()
                let tagLength = Int(try readUInt8())
                guard tagLength >= 1 else { throw WireFormatError.badRData(type: type, offset: start) }
                let tag = try readBytes(tagLength)
                rdata = .caa(flags: flags, tag: tag, value: try readBytes(end - offset))
            default:
                rdata = .unknown(try readBytes(length))
            }
        } catch {
            if case .truncated = error { throw .badRData(type: type, offset: start) }
            throw error
        }
        guard offset == end else { throw .badRData(type: type, offset: start) }
        return rdata
    }
}
