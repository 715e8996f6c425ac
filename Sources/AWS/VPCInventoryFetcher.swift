// SPDX-License-Identifier: Apache-2.0
import Route53

/// Reads one VPC's inventory from the APIs, every page of every call:
/// - EC2 DescribeVpcEndpoints (filtered by the VPC), DescribeNetworkInterfaces (the endpoints'
///   ENIs, by id) and DescribeSubnets (the VPC's subnet → AZ map);
/// - Route 53 ListHostedZonesByVPC, then ListResourceRecordSets for each zone.
/// Any failed call fails the whole read: a sync never publishes part of an inventory.
public enum VPCInventoryFetcher {
    static let ec2Version = "2016-11-15"
    /// EC2 takes at most 200 values in one filter.
    static let filterValues = 200

    public static func fetch(_ client: AWSClient, vpcID: String) throws(AWSError) -> VPCInventory {
        let vpcFilter = [("Filter.1.Name", "vpc-id"), ("Filter.1.Value.1", vpcID)]
        let endpoints = try ec2Pages(client, "DescribeVpcEndpoints", vpcFilter, list: "VpcEndpoints")
        let eniIDs = Array(Set(endpoints.flatMap { $0["NetworkInterfaceIds"]?.list?.compactMap(\.string) ?? [] })).sorted()
        var interfaces: [RecordValue] = []
        for start in stride(from: 0, to: eniIDs.count, by: filterValues) {
            let chunk = eniIDs[start..<min(start + filterValues, eniIDs.count)]
            let filter = [("Filter.1.Name", "network-interface-id")]
                + chunk.enumerated().map { ("Filter.1.Value.\($0.offset + 1)", $0.element) }
            interfaces += try ec2Pages(client, "DescribeNetworkInterfaces", filter, list: "NetworkInterfaces")
        }
        let subnets = try ec2Pages(client, "DescribeSubnets", vpcFilter, list: "Subnets")
        var zones: [VPCInventory.HostedZone] = []
        for (id, name) in try hostedZones(client, vpcID: vpcID) {
            zones.append(VPCInventory.HostedZone(id: id, name: name, recordSets: try recordSets(client, zoneID: id)))
        }
        return VPCInventory(
            vpcID: vpcID, vpcEndpoints: endpoints, networkInterfaces: interfaces.sorted { id($0) < id($1) }, subnets: subnets,
            zones: zones)
    }

    private static func id(_ eni: RecordValue) -> String { eni["NetworkInterfaceId"]?.string ?? "" }

    /// Every page of an EC2 Describe call: `MaxResults`, then `NextToken` until there is none.
    static func ec2Pages(
        _ client: AWSClient, _ action: String, _ parameters: [(String, String)], list: String
    ) throws(AWSError) -> [RecordValue] {
        var items: [RecordValue] = []
        var token: String?
        var seen: Set<String> = []
        repeat {
            var page = parameters + [("MaxResults", "1000")]
            if let token { page.append(("NextToken", token)) }
            let response = AWSXML.ec2(try client.query(service: "ec2", action: action, version: ec2Version, parameters: page))
            guard let listed = response[list]?.list else { throw .malformed("\(action): no \(list) in the response") }
            items += listed
            token = response["NextToken"]?.string.flatMap { $0.isEmpty ? nil : $0 }
            if let token, !seen.insert(token).inserted { throw .malformed("\(action): NextToken \(token) came twice") }
        } while token != nil
        return items
    }

    /// The private hosted zones associated with the VPC: (id, name).
    static func hostedZones(_ client: AWSClient, vpcID: String) throws(AWSError) -> [(String, String)] {
        var zones: [(String, String)] = []
        var token: String?
        repeat {
            var query = [("maxitems", "100"), ("vpcid", vpcID), ("vpcregion", client.region)]
            if let token { query.append(("nexttoken", token)) }
            let response = AWSXML.route53(
                try client.get(service: "route53", call: "ListHostedZonesByVPC", path: "/2013-04-01/hostedzonesbyvpc", query: query))
            guard let summaries = response["HostedZoneSummaries"]?.list else {
                throw .malformed("ListHostedZonesByVPC: no HostedZoneSummaries in the response")
            }
            for summary in summaries {
                guard let id = summary["HostedZoneId"]?.string, let name = summary["Name"]?.string else {
                    throw .malformed("ListHostedZonesByVPC: a summary without HostedZoneId or Name")
                }
                zones.append((id.hasPrefix("/hostedzone/") ? String(id.dropFirst(12)) : id, name))
            }
            let next = response["NextToken"]?.string.flatMap { $0.isEmpty ? nil : $0 }
            if let next, next == token { throw .malformed("ListHostedZonesByVPC: NextToken \(next) came twice") }
            token = next
        } while token != nil
        return zones
    }

    /// Every record set of a zone: pages follow `NextRecordName`, `NextRecordType` and
    /// `NextRecordIdentifier` while `IsTruncated`.
    static func recordSets(_ client: AWSClient, zoneID: String) throws(AWSError) -> [RecordValue] {
        var sets: [RecordValue] = []
        var start: [(String, String)] = []
        while true {
            let response = AWSXML.route53(
                try client.get(
                    service: "route53", call: "ListResourceRecordSets", path: "/2013-04-01/hostedzone/\(zoneID)/rrset",
                    query: start + [("maxitems", "300")]))
            guard let page = response["ResourceRecordSets"]?.list else {
                throw .malformed("ListResourceRecordSets \(zoneID): no ResourceRecordSets in the response")
            }
            sets += page
            guard response["IsTruncated"]?.boolean == true else { return sets }
            guard let name = response["NextRecordName"]?.string else {
                throw .malformed("ListResourceRecordSets \(zoneID): IsTruncated without NextRecordName")
            }
            var next = [("name", name)]
            if let type = response["NextRecordType"]?.string { next.append(("type", type)) }
            if let identifier = response["NextRecordIdentifier"]?.string { next.append(("identifier", identifier)) }
            if next.elementsEqual(start, by: ==) {
                throw .malformed("ListResourceRecordSets \(zoneID): the next page starts where this one did")
            }
            start = next
        }
    }
}
