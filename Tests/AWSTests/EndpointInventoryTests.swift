// SPDX-License-Identifier: Apache-2.0
import AWS
import DNSCore
import DNSZone
import Foundation
import Testing

@Suite struct EndpointInventoryTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/aws")

    static func fixture(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: fixtures.appendingPathComponent(name)))
    }

    static func joined() throws -> EndpointInventory.Joined {
        let endpoints = try InventoryJSON.vpcEndpoints(fixture("describe-vpc-endpoints.json")).get()
        let enis = try InventoryJSON.networkInterfaces(fixture("describe-network-interfaces.json")).get()
        return EndpointInventory.join(endpoints, enis)
    }

    @Test func joinsOnTheENIAndTakesTheSuffixFromDnsEntries() throws {
        let joined = try Self.joined()
        #expect(joined.endpoints.map(\.id) == ["vpce-0123456789abcdef0", "vpce-0295a3caf8414c94a", "vpce-0a1b2c3d4e5f60718"])
        let api = joined.endpoints[0]
        #expect(api.dnsSuffix == "abcd1234" && api.serviceName == "com.amazonaws.us-east-1.execute-api" && api.privateDNS)
        #expect(api.enis.map(\.availabilityZone) == ["us-east-1a", "us-east-1b"])
        #expect(api.enis.flatMap(\.ipv4).map(\.description) == ["10.0.1.15", "10.0.2.27"])
        // State "Available" counts as available; the IP type comes from DnsOptions.
        let kms = joined.endpoints[1]
        #expect(kms.ipType == .dualstack && !kms.privateDNS && kms.dnsSuffix == "dfm9tr04")
        #expect(kms.enis[0].ipv6.map(\.description) == ["2600:1f18:1234:5601::25"])
        // S3 lists only wildcard entries: the suffix is read from behind the `*.`.
        #expect(joined.endpoints[2].dnsSuffix == "9hnenorg")
    }

    @Test func gatewayAndUnavailableEndpointsAreSkippedWithWhy() throws {
        #expect(try Self.joined().skipped == [
            "vpce-0bbbbbbbbbbbbbbbb (com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0): its state is pendingAcceptance, not available",
            "vpce-0ccccccccccccccccc (com.amazonaws.vpce.us-east-1.vpce-svc-0aaaaaaaaaaaaaaaa): a GatewayLoadBalancer endpoint has no DNS names of its own",
            "vpce-0fedcba9876543210 (com.amazonaws.us-east-1.dynamodb): a Gateway endpoint has no DNS names of its own",
        ])
    }

    @Test func theNamesComeFromTheServiceTableNotFromDnsEntries() throws {
        // moto's DnsEntries name is `vpce-…-suffix.com.amazonaws.us-east-1.execute-api`: only the suffix is used.
        let record = VPCEndpointRecord(
            id: "vpce-ef18ed539bf8b44d4", type: "Interface", state: "available", serviceName: "com.amazonaws.us-east-1.execute-api",
            privateDNSEnabled: true, dnsRecordIPType: nil, networkInterfaceIDs: ["eni-1"],
            dnsNames: ["vpce-ef18ed539bf8b44d4-a270200f.com.amazonaws.us-east-1.execute-api"])
        let joined = EndpointInventory.join([record], [NetworkInterfaceRecord(id: "eni-1", availabilityZone: "us-east-1a", ipv4: ["10.9.0.1"], ipv6: [])])
        #expect(joined.endpoints.map(\.dnsSuffix) == ["a270200f"])
        let zones = try EndpointRecords.zones(for: joined.endpoints).get().map(\.zone.origin.text)
        #expect(zones.contains("vpce-ef18ed539bf8b44d4-a270200f.execute-api.us-east-1.vpce.amazonaws.com."))
        #expect(zones.contains("execute-api.us-east-1.amazonaws.com."))
    }

    @Test func aMissingInterfaceOrSuffixSkipsTheEndpoint() {
        let record = VPCEndpointRecord(
            id: "vpce-0123456789abcdef0", type: "Interface", state: "available", serviceName: "com.amazonaws.us-east-1.sqs",
            privateDNSEnabled: true, dnsRecordIPType: "ipv4", networkInterfaceIDs: ["eni-gone"], dnsNames: ["sqs.us-east-1.amazonaws.com"])
        #expect(EndpointInventory.join([record], []).skipped == [
            "vpce-0123456789abcdef0 (com.amazonaws.us-east-1.sqs): no DnsEntries name of the form vpce-0123456789abcdef0-SUFFIX… tells its DNS suffix"
        ])
        var named = record
        named.dnsNames = ["vpce-0123456789abcdef0-abcd1234.sqs.us-east-1.vpce.amazonaws.com"]
        #expect(EndpointInventory.join([named], []).skipped == [
            "vpce-0123456789abcdef0 (com.amazonaws.us-east-1.sqs): its network interface eni-gone is not among the network interfaces"
        ])
    }

    @Test func filesThatAreNotTheListingSayWhat() {
        #expect(throws: InventoryJSON.Problem(line: 1, message: "no \"VpcEndpoints\" list (expected the output of aws ec2 describe-vpc-endpoints)")) {
            try InventoryJSON.vpcEndpoints(Array(#"{"NetworkInterfaces": []}"#.utf8)).get()
        }
        guard case .failure(let problem) = InventoryJSON.networkInterfaces(Array("{\n\"NetworkInterfaces\": [\n,]}".utf8)) else {
            Issue.record("bad JSON parsed"); return
        }
        #expect(problem.line == 3 && problem.message.hasPrefix("not valid JSON"))
    }
}
