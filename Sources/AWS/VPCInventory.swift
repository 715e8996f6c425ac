// SPDX-License-Identifier: Apache-2.0
import DNSCore
import Foundation
import Route53

/// What a sync reads from AWS for one VPC: its endpoints with their network interfaces and
/// subnets, and the private hosted zones associated with it, each value in the shape the AWS CLI
/// prints. It is compared whole (a sync that changes nothing rebuilds nothing), persisted as one
/// JSON document, and exported as the CLI's files.
public struct VPCInventory: Sendable, Equatable {
    public struct HostedZone: Sendable, Equatable {
        /// `Z0123…`, without `/hostedzone/`.
        public var id: String
        /// As Route 53 writes it: absolute, octal escapes and all.
        public var name: String
        public var recordSets: [RecordValue]

        public init(id: String, name: String, recordSets: [RecordValue]) {
            self.id = id
            self.name = name
            self.recordSets = recordSets
        }

        /// The zone's apex.
        public var origin: DNSName? { try? DNSName(parsing: Route53ZoneFile.presentation(name)) }
    }

    public var vpcID: String
    public var vpcEndpoints: [RecordValue]
    public var networkInterfaces: [RecordValue]
    public var subnets: [RecordValue]
    /// Sorted by name, then id.
    public var zones: [HostedZone]

    public init(vpcID: String, vpcEndpoints: [RecordValue], networkInterfaces: [RecordValue], subnets: [RecordValue], zones: [HostedZone]) {
        self.vpcID = vpcID
        self.vpcEndpoints = vpcEndpoints
        self.networkInterfaces = networkInterfaces
        self.subnets = subnets
        self.zones = zones.sorted { ($0.name, $0.id) < ($1.name, $1.id) }
    }

    public var recordSetCount: Int { zones.reduce(0) { $0 + $1.recordSets.count } }

    /// The endpoints vpcdnsd serves, joined as `endpoints_from` joins the CLI's files.
    public func endpoints() -> Result<EndpointInventory.Joined, InventoryJSON.Problem> {
        InventoryJSON.vpcEndpoints(items: vpcEndpoints).flatMap { endpoints in
            InventoryJSON.networkInterfaces(items: networkInterfaces).map { EndpointInventory.join(endpoints, $0) }
        }
    }

    /// Subnet CIDR → Availability Zone, from DescribeSubnets.
    public var subnetZones: [(cidr: String, availabilityZone: String)] {
        subnets.compactMap { subnet in
            guard let cidr = subnet["CidrBlock"]?.string, let az = subnet["AvailabilityZone"]?.string else { return nil }
            return (cidr, az)
        }
    }

    // MARK: Persisted form

    /// One JSON document: the three EC2 lists under the CLI's keys, the zones with their record sets.
    public func document(syncedAt: Date) -> RecordValue {
        .object([
            "VpcId": .string(vpcID),
            "SyncedAt": .string(ISO8601DateFormatter().string(from: syncedAt)),
            "VpcEndpoints": .list(vpcEndpoints), "NetworkInterfaces": .list(networkInterfaces), "Subnets": .list(subnets),
            "HostedZones": .list(
                zones.map { .object(["Id": .string($0.id), "Name": .string($0.name), "ResourceRecordSets": .list($0.recordSets)]) }),
        ])
    }

    /// Reads `document(syncedAt:)`'s form back; nil when the text is not that.
    public static func read(document bytes: [UInt8]) -> (inventory: VPCInventory, syncedAt: Date)? {
        guard case .success(let top) = RecordValue.parse(json: bytes), let vpcID = top["VpcId"]?.string,
            let syncedAt = top["SyncedAt"]?.string.flatMap({ ISO8601DateFormatter().date(from: $0) }),
            let endpoints = top["VpcEndpoints"]?.list, let interfaces = top["NetworkInterfaces"]?.list,
            let subnets = top["Subnets"]?.list, let zones = top["HostedZones"]?.list
        else { return nil }
        var hosted: [HostedZone] = []
        for zone in zones {
            guard let id = zone["Id"]?.string, let name = zone["Name"]?.string, let sets = zone["ResourceRecordSets"]?.list else {
                return nil
            }
            hosted.append(HostedZone(id: id, name: name, recordSets: sets))
        }
        return (
            VPCInventory(vpcID: vpcID, vpcEndpoints: endpoints, networkInterfaces: interfaces, subnets: subnets, zones: hosted),
            syncedAt
        )
    }

    // MARK: Exported form

    /// The files `vpcdnsd export` writes: the CLI's outputs, one Route 53 JSON per zone, and a
    /// configuration fragment that serves them (`endpoints_from` and `zones` with `format: route53`).
    public func exportFiles() -> [(path: String, contents: String)] {
        var files: [(String, String)] = [
            ("vpc-endpoints.json", RecordValue.object(["VpcEndpoints": .list(vpcEndpoints)]).json),
            ("network-interfaces.json", RecordValue.object(["NetworkInterfaces": .list(networkInterfaces)]).json),
            ("subnets.json", RecordValue.object(["Subnets": .list(subnets)]).json),
        ]
        var fragment = """
            # Written by vpcdnsd export from \(vpcID): the VPC's endpoints and its associated private hosted zones.
            # Paths are relative to this file; merge these keys into vpcdnsd.yaml, or point --config here.
            endpoints_from: {vpc_endpoints: vpc-endpoints.json, network_interfaces: network-interfaces.json}

            """
        if !zones.isEmpty { fragment += "zones:\n" }
        for zone in zones {
            let origin = zone.origin?.text ?? zone.name
            let file = "zones/\(origin.hasSuffix(".") ? String(origin.dropLast()) : origin)-\(zone.id).json"
            files.append((file, RecordValue.object(["ResourceRecordSets": .list(zone.recordSets)]).json))
            fragment += "  - {file: \(file), format: route53, origin: \"\(origin)\"}   # \(zone.id)\n"
        }
        files.append(("vpcdnsd-aws.yaml", fragment))
        return files
    }
}
