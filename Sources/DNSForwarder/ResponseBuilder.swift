// SPDX-License-Identifier: Apache-2.0
import DNSCore
import DNSEngine

/// Builds the client's response to a forwarded query.
enum ResponseBuilder {
    /// The client's ID, opcode, RD and CD; QR and RA set; AA clear (the data is not ours); the
    /// client's question byte for byte; private CNAMEs first; EDNS answered when asked; truncated to
    /// what the client can take (TC=1).
    static func build(_ request: ForwardRequest, rcode: RCode, answers: [ResourceRecord], authority: [ResourceRecord])
        -> [UInt8]
    {
        let query = request.query
        var header = Header(id: query.header.id)
        header.isResponse = true
        header.opcode = query.header.opcode
        header.recursionDesired = query.header.recursionDesired
        header.checkingDisabled = query.header.checkingDisabled
        header.recursionAvailable = true
        var response = Message(header: header, questions: query.questions)
        if let edns = query.edns { response.edns = EDNS(udpPayloadSize: 1232, dnssecOK: edns.dnssecOK) }
        var rcode = rcode
        if let alias = request.alias {
            let found = flattened(answers, type: request.question.type, owner: alias.owner)
            response.answers = request.prefix + found
            // The alias's name is ours (Route 53 answers it authoritatively), and it exists whatever
            // its target's fate: no data is NODATA with our SOA, never the target's NXDOMAIN.
            if rcode == .noError || rcode == .nxDomain {
                response.header.authoritative = true
                rcode = .noError
                if found.isEmpty { response.authority = [alias.negativeSOA] }
            }
        } else {
            // Owners equal to the asked name take the asker's spelling.
            let asked = request.question.name
            response.answers = request.prefix + answers.map { record in
                guard record.name == asked else { return record }
                var copy = record
                copy.name = asked
                return copy
            }
            response.authority = authority
        }
        response.rcode = rcode
        if rcode.rawValue > 15 && response.edns == nil { response.rcode = .servFail }
        return response.encode(maxSize: request.sizeLimit)
    }

    /// An alias's answer from its target's (Route 53's flattening): the records of the type asked
    /// for, wherever the target's CNAMEs led, under the alias's name, at the least TTL on the way;
    /// no CNAME.
    static func flattened(_ answers: [ResourceRecord], type: RRType, owner: DNSName) -> [ResourceRecord] {
        guard let ttl = answers.map(\.ttl).min() else { return [] }
        return answers.filter { $0.type == type }.map { record in
            var copy = record
            copy.name = owner
            copy.ttl = ttl
            return copy
        }
    }

    /// The response to `request` straight from a cached answer's wire form (no message built), or
    /// nil when the general `build` is needed: a private CNAME prefix or an alias, an extended RCODE, no wire
    /// form, or too big for the client (truncation).
    static func fromWire(_ request: ForwardRequest, entry: CachedAnswer, now: Double) -> [UInt8]? {
        guard request.prefix.isEmpty, request.alias == nil, entry.rcode.rawValue <= 15, let body = entry.packed,
            request.query.questions.count == 1
        else { return nil }
        let query = request.query
        let question = query.questions[0]
        let nameWire = question.name.wire
        let questionLength = nameWire.count + 4
        let edns = query.edns != nil
        let total = Header.size + questionLength + body.byteCount + (edns ? 11 : 0)
        guard total <= request.sizeLimit, total <= 65535 else { return nil }
        var questionBytes = nameWire
        questionBytes.append(UInt8(question.type.rawValue >> 8))
        questionBytes.append(UInt8(question.type.rawValue & 0xFF))
        questionBytes.append(UInt8(question.qclass.rawValue >> 8))
        questionBytes.append(UInt8(question.qclass.rawValue & 0xFF))
        return [UInt8](unsafeUninitializedCapacity: total) { buffer, count in
            count = questionBytes.withUnsafeBytes { question in
                writeCached(
                    into: UnsafeMutableRawBufferPointer(buffer), id: query.header.id, queryFlags: query.header.flags,
                    question: question, rcode: UInt8(entry.rcode.rawValue), storedAt: entry.storedAt, body: body, now: now,
                    edns: edns ? (dnssecOK: query.edns?.dnssecOK ?? false, payload: 1232) : nil)
            }
        }
    }

    /// Writes a response from a cached wire body: the query's ID; QR, RA, and the query's opcode, RD
    /// and CD (AA clear: the data is not ours); the question as given; the body with its TTLs counted
    /// down to `now`; an OPT record when the client sent one. `out` must hold it all.
    /// - Returns: the length written.
    static func writeCached(
        into out: UnsafeMutableRawBufferPointer, id: UInt16, queryFlags: UInt16, question: UnsafeRawBufferPointer,
        rcode: UInt8, storedAt: Double, body: PackedWire, now: Double, edns: (dnssecOK: Bool, payload: UInt16)?
    ) -> Int {
        let flags: UInt16 = 0x8080 | (queryFlags & 0x7910) | UInt16(rcode & 0x0F)
        func put(_ value: UInt16, at offset: Int) {
            out[offset] = UInt8(value >> 8)
            out[offset + 1] = UInt8(value & 0xFF)
        }
        put(id, at: 0)
        put(flags, at: 2)
        put(1, at: 4)
        put(body.answerCount, at: 6)
        put(body.authorityCount, at: 8)
        put(edns == nil ? 0 : 1, at: 10)
        let base = Header.size + question.count
        UnsafeMutableRawBufferPointer(rebasing: out[Header.size..<base]).copyMemory(from: question)
        UnsafeMutableRawBufferPointer(rebasing: out[base..<(base + body.byteCount)]).copyMemory(from: body.bytes)
        let elapsed = UInt32(max(0, min(Double(UInt32.max), now - storedAt)))
        if elapsed > 0 {
            for i in 0..<body.ttlCount {
                let (offset, ttl) = body.ttl(i)
                let value = ttl > elapsed ? ttl - elapsed : 0
                out[base + offset] = UInt8(truncatingIfNeeded: value >> 24)
                out[base + offset + 1] = UInt8(truncatingIfNeeded: value >> 16)
                out[base + offset + 2] = UInt8(truncatingIfNeeded: value >> 8)
                out[base + offset + 3] = UInt8(truncatingIfNeeded: value)
            }
        }
        var w = base + body.byteCount
        if let edns {
            // Root owner, type OPT, our payload size, ext-RCODE 0, version 0, DO echoed, no options.
            out[w] = 0
            put(41, at: w + 1)
            put(edns.payload, at: w + 3)
            put(0, at: w + 5)
            put(edns.dnssecOK ? 0x8000 : 0, at: w + 7)
            put(0, at: w + 9)
            w += 11
        }
        return w
    }
}
