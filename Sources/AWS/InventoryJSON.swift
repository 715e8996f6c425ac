// SPDX-License-Identifier: Apache-2.0
import Route53

/// `aws ec2 describe-vpc-endpoints` and `describe-network-interfaces` output, as files.
public enum InventoryJSON {
    /// Why a file does not describe what it should.
    public struct Problem: Error, Sendable, Equatable {
        public var line: Int
        public var message: String

        public init(line: Int, message: String) {
            self.line = line
            self.message = message
        }
    }

    public static func vpcEndpoints(_ bytes: [UInt8]) -> Result<[VPCEndpointRecord], Problem> {
        listed(bytes, key: "VpcEndpoints", command: "aws ec2 describe-vpc-endpoints").flatMap(vpcEndpoints(items:))
    }

    /// The items of a `VpcEndpoints` list, however they were read (a file, the API).
    public static func vpcEndpoints(items: [RecordValue]) -> Result<[VPCEndpointRecord], Problem> {
        var records: [VPCEndpointRecord] = []
        for (index, item) in items.enumerated() {
            guard let id = item["VpcEndpointId"]?.string, let service = item["ServiceName"]?.string else {
                return .failure(Problem(line: 1, message: "VpcEndpoints[\(index)] has no VpcEndpointId or ServiceName"))
            }
            records.append(
                VPCEndpointRecord(
                    id: id, type: item["VpcEndpointType"]?.string ?? "Interface", state: item["State"]?.string ?? "",
                    serviceName: service, privateDNSEnabled: item["PrivateDnsEnabled"]?.boolean ?? false,
                    dnsRecordIPType: item["DnsOptions"]?["DnsRecordIpType"]?.string,
                    networkInterfaceIDs: item["NetworkInterfaceIds"]?.list?.compactMap(\.string) ?? [],
                    dnsNames: item["DnsEntries"]?.list?.compactMap { $0["DnsName"]?.string } ?? []))
        }
        return .success(records)
    }

    public static func networkInterfaces(_ bytes: [UInt8]) -> Result<[NetworkInterfaceRecord], Problem> {
        listed(bytes, key: "NetworkInterfaces", command: "aws ec2 describe-network-interfaces").flatMap(networkInterfaces(items:))
    }

    /// The items of a `NetworkInterfaces` list, however they were read.
    public static func networkInterfaces(items: [RecordValue]) -> Result<[NetworkInterfaceRecord], Problem> {
        var records: [NetworkInterfaceRecord] = []
        for (index, item) in items.enumerated() {
            guard let id = item["NetworkInterfaceId"]?.string, let az = item["AvailabilityZone"]?.string else {
                return .failure(Problem(line: 1, message: "NetworkInterfaces[\(index)] has no NetworkInterfaceId or AvailabilityZone"))
            }
            var ipv4 = item["PrivateIpAddresses"]?.list?.compactMap { $0["PrivateIpAddress"]?.string } ?? []
            if ipv4.isEmpty, let primary = item["PrivateIpAddress"]?.string { ipv4 = [primary] }
            let ipv6 = item["Ipv6Addresses"]?.list?.compactMap { $0["Ipv6Address"]?.string } ?? []
            records.append(NetworkInterfaceRecord(id: id, availabilityZone: az, ipv4: ipv4, ipv6: ipv6))
        }
        return .success(records)
    }

    /// The list under `key`, of one output or of a JSON list of pages.
    private static func listed(_ bytes: [UInt8], key: String, command: String) -> Result<[RecordValue], Problem> {
        switch RecordValue.parse(json: bytes) {
        case .failure(let error):
            return .failure(Problem(line: error.line, message: "not valid JSON: \(error.message)"))
        case .success(let top):
            var items: [RecordValue] = []
            for page in top.list ?? [top] {
                guard let list = page[key]?.list else {
                    return .failure(Problem(line: 1, message: "no \"\(key)\" list (expected the output of \(command))"))
                }
                items += list
            }
            return .success(items)
        }
    }
}
