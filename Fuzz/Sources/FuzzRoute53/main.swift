// SPDX-License-Identifier: Apache-2.0
// Any bytes as a Route 53 listing: the reader returns a zone or located errors, never traps; a zone
// it returns answers every name it holds (routed sets and aliases chosen) without trapping.
import DNSCore
import DNSEngine
import DNSZone
import Route53

let origin = try! DNSName(parsing: "corp.example.")
let health = HealthStatus(ids: ["hc-1", "hc-2"])

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    // Half the inputs see hc-1 down, so failover and weighted choices take both branches.
    health.checks["hc-1"]!.set(up: size % 2 == 0)
    switch Route53ZoneFile.load(json: bytes, file: "fuzz.json", origin: origin, healthChecks: ["hc-1", "hc-2"]) {
    case .failure(let errors):
        precondition(!errors.errors.isEmpty && errors.errors.allSatisfy { $0.file == "fuzz.json" })
    case .success(let loaded):
        let engine = QueryEngine(zones: ZoneSet([loaded.zone]), health: health, region: AWSRegion.all["us-east-1"])
        loaded.zone.forEachName { name, _, rrsets, _ in
            for type in [RRType.A, .AAAA, .CNAME, .TXT, .ANY] + rrsets.map(\.type) {
                let query = Message(header: Header(id: 1), questions: [Question(name: name, type: type)])
                _ = engine.respond(to: query.encode(), context: QueryContext(transport: .udp, clientAddress: [127, 0, 0, 1]))
            }
        }
    }
    return 0
}
