// SPDX-License-Identifier: Apache-2.0
import DNSCore
import DNSEngine
import DNSZone
import Foundation
import Testing

@testable import VPCDNSDaemon

/// A reload that changed nothing the engine is built from keeps the engine (and its fast path's
/// tables); any change to the zones, `allow_query` or the forwarding rules builds a new one.
@Suite struct SnapshotReuseTests {
    private func build(_ config: Config, _ cache: ZoneFileCache, after previous: Snapshot?) throws -> Snapshot {
        switch SnapshotBuilder.build(config, zoneFiles: cache, previous: previous) {
        case .success(let snapshot): return snapshot
        case .failure(let errors): throw errors
        }
    }

    private func zoneIDs(_ snapshot: Snapshot) -> Set<ObjectIdentifier> {
        Set(snapshot.engine.zones.all.map(ObjectIdentifier.init))
    }

    @Test func keepsTheEngineOnlyWhenNothingChanged() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("reuse-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("corp.zone").path
        try "$TTL 300\nhost A 10.0.0.1\n".write(toFile: path, atomically: false, encoding: .utf8)
        // A clock a minute ahead: every file is old enough to be trusted by its stamp.
        let cache = ZoneFileCache(now: { FileStamp.now + 60_000_000_000 })
        var config = Config()
        config.zones = [
            Config.ZoneFile(path: path, origin: name("corp."), options: ZoneOptions(), location: SourceLocation(file: "c", line: 1))
        ]
        config.endpoints = [InterfaceEndpointFixture.seed]
        config.forwarding.upstreams = [Upstream(ip: [127, 0, 0, 1], port: 53)]

        let first = try build(config, cache, after: nil)
        let same = try build(config, cache, after: first)
        #expect(!first.reusedEngine && same.reusedEngine)
        #expect(same.engine === first.engine)

        var narrower = config
        narrower.allowQuery = AccessControlList([CIDR(parsing: "127.0.0.0/8")!])
        let acl = try build(narrower, cache, after: same)
        #expect(!acl.reusedEngine && acl.engine !== first.engine)
        #expect(zoneIDs(acl) == zoneIDs(first))  // the file's zone and the endpoint's zones are reused

        var rerouted = config
        rerouted.forwarding.upstreams = [Upstream(ip: [127, 0, 0, 2], port: 53)]
        #expect(try !build(rerouted, cache, after: first).reusedEngine)

        var moreEndpoints = config
        var second = InterfaceEndpointFixture.seed
        second.id = "vpce-0123456789abcdef1"
        second.dnsSuffix = "efgh5678"
        second.privateDNS = false  // one endpoint per service may take the service's own name
        moreEndpoints.endpoints.append(second)
        moreEndpoints.endpointLocations = []
        #expect(try !build(moreEndpoints, cache, after: first).reusedEngine)

        try "$TTL 300\nhost A 10.0.0.2\n".write(toFile: path, atomically: false, encoding: .utf8)
        let edited = try build(config, cache, after: same)
        #expect(!edited.reusedEngine)
        let answer = edited.engine.zones.zone(enclosing: name("host.corp."))?.rrsets(at: name("host.corp."))
        #expect(answer?.first?.rdatas == [.a(IPv4Address(10, 0, 0, 2))])
    }
}

private func name(_ text: String) -> DNSName { try! DNSName(parsing: text) }
