// SPDX-License-Identifier: Apache-2.0
import DNSCore
import DNSZone
import Testing

@testable import DNSEngine

func name(_ text: String) -> DNSName { try! DNSName(parsing: text) }

/// Builds a zone from inline text.
func zone(_ text: String, origin: String) -> Zone {
    let parsed = ZoneFileParser(allowInclude: false).parse(text: Array(text.utf8), file: "inline", origin: name(origin))
    precondition(parsed.errors.isEmpty, "\(parsed.errors)")
    return try! ZoneBuilder.build(origin: name(origin), records: parsed.records).get()
}

let loopback: [UInt8] = [127, 0, 0, 1]

/// Sends a query through the engine and decodes the reply.
func ask(
    _ engine: QueryEngine, _ qname: String, _ qtype: RRType, edns: EDNS? = nil, transport: QueryContext.Transport = .udp,
    client: [UInt8] = loopback, rd: Bool = true, rotation: Int = 0
) -> Message? {
    var header = Header(id: 0xBEEF)
    header.recursionDesired = rd
    let query = Message(header: header, questions: [Question(name: name(qname), type: qtype)], edns: edns)
    guard case .reply(let bytes) = engine.respond(
        to: query.encode(), context: QueryContext(transport: transport, clientAddress: client, rotation: rotation))
    else { return nil }
    return try? Message(wire: bytes)
}

/// The section as presentation lines.
func lines(_ records: [ResourceRecord]) -> [String] { records.map(\.description) }
