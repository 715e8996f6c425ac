// SPDX-License-Identifier: Apache-2.0
// A fuzzed query against a fixed zone set, through the stages the worker's pipeline runs: the
// question parsed once, routed once, then the zone's tables; and through the general engine. Every
// response must parse; where the tables answer, the general engine must give the same message; where
// the route says forward, so must the general engine. At exit it prints how many inputs each path
// answered (run.sh fails the smoke run when either is a small share: the check must not be vacuous).
import DNSCore
import DNSEngine
import DNSZone
import Glibc

func zone(_ text: String, _ origin: String) -> Zone {
    let name = try! DNSName(parsing: origin)
    return try! ZoneBuilder.build(
        origin: name, records: ZoneFileParser(allowInclude: false).parse(text: Array(text.utf8), file: "z", origin: name).records
    ).get()
}

// No delegation here, so the tables answer its names.
let flat = zone(
    """
    $TTL 60
    web A 10.0.0.1
    web A 10.0.0.2
    web AAAA fd00::1
    db AAAA fd00::2
    www CNAME web
    *.k8s A 10.0.5.5
    big TXT "\(String(repeating: "x", count: 250))" "\(String(repeating: "y", count: 250))"
    """, "internal.corp.")
// A delegation: every name in this zone takes the general path.
let cut = zone(
    """
    $TTL 60
    host A 10.1.0.1
    sub NS ns.sub
    ns.sub A 10.9.9.9
    """, "cut.corp.")
let engine = QueryEngine(
    zones: ZoneSet([flat, cut]),
    forwarding: ForwardingRules(
        rules: [try! DNSName(parsing: "fwd.internal.corp."): .forward(UpstreamGroup([Upstream(ip: [127, 0, 0, 2], port: 53)]))],
        defaultGroup: UpstreamGroup([Upstream(ip: [127, 0, 0, 1], port: 53)])))
nonisolated(unsafe) let out = UnsafeMutableRawBufferPointer.allocate(byteCount: 65535, alignment: 16)
nonisolated(unsafe) let scratch = QuestionScratch(slots: 1)
nonisolated(unsafe) var inputs = 0
nonisolated(unsafe) var fastAnswers = 0
nonisolated(unsafe) var generalAnswers = 0
nonisolated(unsafe) var forwards = 0

@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> CInt {
    atexit {
        print("stat::engine_inputs: \(inputs)")
        print("stat::engine_fast_answers: \(fastAnswers)")
        print("stat::engine_general_answers: \(generalAnswers)")
        print("stat::engine_forwards: \(forwards)")
    }
    return 0
}

let labels = ["web", "WWW", "db", "k8s", "p1", "x", "fwd", "host", "sub", "ns", "big", "nope", "*", "Internal", "a-b"]
let suffixes = ["internal.corp.", "cut.corp.", "fwd.internal.corp.", "k8s.internal.corp.", "example.com.", "corp.", "."]
let types: [RRType] = [.A, .AAAA, .TXT, .CNAME, .ANY, .SOA, .NS, .MX, RRType(65000), .A, .AAAA]

/// An input whose first octet is odd stands for a well-formed query over the zones' names (random
/// bytes seldom make one): labels, a suffix, a type, flags and EDNS, each picked by the next octet.
func structuredQuery(_ input: [UInt8]) -> [UInt8] {
    var i = 1
    func next() -> Int {
        defer { i += 1 }
        return i < input.count ? Int(input[i]) : 0
    }
    let count = next() % 4
    var text = (0..<count).map { _ in labels[next() % labels.count] }.joined(separator: ".")
    let suffix = suffixes[next() % suffixes.count]
    text = text.isEmpty ? suffix : (suffix == "." ? text + "." : text + "." + suffix)
    guard let name = try? DNSName(parsing: text) else { return input }
    var header = Header(id: UInt16(next()) << 8 | UInt16(next()))
    let flags = next()
    header.recursionDesired = flags & 1 != 0
    header.checkingDisabled = flags & 2 != 0
    let type = flags & 4 != 0 ? RRType(UInt16(next()) << 8 | UInt16(next())) : types[next() % types.count]
    let ednsChoice = next() % 4
    let edns = ednsChoice == 0 ? nil : EDNS(udpPayloadSize: UInt16(next() * 16), dnssecOK: ednsChoice == 2)
    return Message(header: header, questions: [Question(name: name, type: type)], edns: edns).encode()
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    let bytes = size > 0 && input[0] & 1 == 1 ? structuredQuery(input) : input
    inputs += 1
    for transport in [QueryContext.Transport.udp, .tcp] {
        let general = engine.respond(to: bytes, context: QueryContext(transport: transport, clientAddress: [127, 0, 0, 1]))
        if case .reply(let reply) = general {
            if transport == .udp { generalAnswers += 1 }
            guard (try? Message(wire: reply)) != nil else { fatalError("unparseable response to \(bytes)") }
            if transport == .udp && reply.count > 512 && !bytes.isEmpty {
                // Without a usable OPT, a UDP answer never exceeds 512 octets.
                if (try? Message(wire: bytes))?.edns == nil { fatalError("oversized UDP answer to \(bytes)") }
            }
        }
        bytes.withUnsafeBytes { query in
            let view = QuestionView.parse(query, slot: 0, in: scratch)
            guard view.isPlain else { return }
            let limit = view.responseLimit(overTCP: transport == .tcp, ourPayload: engine.udpPayloadSize)
            switch engine.fastPath.route(view, in: query) {
            case .zone(let zone):
                guard let written = engine.fastPath.writeZoneAnswer(view, query, in: zone, limit: limit, rotation: 0, into: out)
                else { return }
                if transport == .udp { fastAnswers += 1 }
                let mine = try? Message(wire: Array(UnsafeRawBufferPointer(rebasing: out[0..<written.length])))
                guard case .reply(let reply) = general, let mine, mine == (try? Message(wire: reply)) else {
                    fatalError("the zone's tables disagree with the general engine on \(bytes)")
                }
            case .forward(let group):
                guard case .forward(let request) = general, request.upstreams == engine.fastPath.upstreams(group),
                    request.prefix.isEmpty
                else { fatalError("the route says forward, the general engine does not, on \(bytes)") }
                if transport == .udp { forwards += 1 }
            case .refuse:
                fatalError("refused with default upstreams on \(bytes)")
            }
        }
    }
    return 0
}
