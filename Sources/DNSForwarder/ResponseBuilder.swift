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
        // Owners equal to the asked name take the asker's spelling.
        let asked = request.question.name
        response.answers = request.prefix + answers.map { record in
            guard record.name == asked else { return record }
            var copy = record
            copy.name = asked
            return copy
        }
        response.authority = authority
        response.rcode = rcode
        if rcode.rawValue > 15 && response.edns == nil { response.rcode = .servFail }
        return response.encode(maxSize: request.sizeLimit)
    }
}
