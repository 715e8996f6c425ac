// SPDX-License-Identifier: Apache-2.0
// A fuzzed query against a fixed zone set: the response (fast or general path) must parse, and
// the fast path must agree with the general one when it answers.
import DNSCore
import DNSEngine
import DNSZone

let origin = try! DNSName(parsing: "internal.corp.")
let zoneText = """
    $TTL 60
    web A 10.0.0.1
    web A 10.0.0.2
    www CNAME web
    *.k8s A 10.0.5.5
    big TXT "\(String(repeating: "x", count: 250))" "\(String(repeating: "y", count: 250))"
    sub NS ns.sub
    ns.sub A 10.9.9.9
    """
let zone = try! ZoneBuilder.build(
    origin: origin,
    records: ZoneFileParser(allowInclude: false).parse(text: Array(zoneText.utf8), file: "z", origin: origin).records
).get()
let engine = QueryEngine(
    zones: ZoneSet([zone]),
    forwarding: ForwardingRules(defaultGroup: UpstreamGroup([Upstream(ip: [127, 0, 0, 1], port: 53)])))
nonisolated(unsafe) let out = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 16)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    for transport in [QueryContext.Transport.udp, .tcp] {
        let general = engine.respond(to: bytes, context: QueryContext(transport: transport, clientAddress: [127, 0, 0, 1]))
        if case .reply(let reply) = general {
            guard (try? Message(wire: reply)) != nil else { fatalError("unparseable response to \(bytes)") }
            if transport == .udp && reply.count > 512 && !bytes.isEmpty {
                // Without a usable OPT, a UDP answer never exceeds 512 octets.
                if (try? Message(wire: bytes))?.edns == nil { fatalError("oversized UDP answer to \(bytes)") }
            }
        }
        let fast = bytes.withUnsafeBytes {
            engine.fastPath.answer($0, client: ClientAddress([127, 0, 0, 1]), tcp: transport == .tcp, rotation: 0, into: out)
        }
        if case .written(let length, _) = fast {
            let mine = try? Message(wire: Array(UnsafeRawBufferPointer(rebasing: out[0..<length])))
            guard case .reply(let reply) = general, let mine, mine == (try? Message(wire: reply)) else {
                fatalError("fast path disagrees on \(bytes)")
            }
        }
    }
    return 0
}
