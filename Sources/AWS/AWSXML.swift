// SPDX-License-Identifier: Apache-2.0
import Foundation
import Route53

/// The XML the EC2 and Route 53 APIs answer with, turned into the JSON shape the AWS CLI prints
/// for the same call. One reader then serves the CLI's files, the API and the persisted state
/// (`InventoryJSON`, `Route53ZoneFile`).
public enum AWSXML {
    /// EC2's query protocol: `lowerCamel` elements, every list an `…Set` of `item`s, every value text.
    /// Lists are renamed to the CLI's names where vpcdnsd reads them; other elements keep EC2's
    /// name, capitalised.
    public static func ec2(_ node: XMLNode) -> RecordValue {
        guard !node.children.isEmpty else {
            let text = node.trimmedText
            return text == "true" ? .boolean(true) : text == "false" ? .boolean(false) : .string(text)
        }
        var fields: [String: RecordValue] = [:]
        for child in node.children {
            if child.name.hasSuffix("Set") {
                fields[ec2Lists[child.name] ?? capitalised(child.name)] = .list(child.all("item").map(ec2))
            } else {
                fields[capitalised(child.name)] = ec2(child)
            }
        }
        return .object(fields)
    }

    /// EC2's list elements and the CLI's names for them.
    static let ec2Lists = [
        "vpcEndpointSet": "VpcEndpoints", "networkInterfaceSet": "NetworkInterfaces", "subnetSet": "Subnets",
        "networkInterfaceIdSet": "NetworkInterfaceIds", "dnsEntrySet": "DnsEntries", "subnetIdSet": "SubnetIds",
        "privateIpAddressesSet": "PrivateIpAddresses", "ipv6AddressesSet": "Ipv6Addresses", "groupSet": "Groups",
        "routeTableIdSet": "RouteTableIds",
    ]

    /// Route 53's REST-XML: element names are the CLI's already; lists and the non-string values
    /// are known by name.
    public static func route53(_ node: XMLNode) -> RecordValue {
        if route53Lists.contains(node.name) { return .list(node.children.map(route53)) }
        guard !node.children.isEmpty else {
            let text = node.trimmedText
            if route53Integers.contains(node.name), let number = Int(text) { return .integer(number) }
            if route53Booleans.contains(node.name) { return .boolean(text == "true") }
            return .string(text)
        }
        var fields: [String: RecordValue] = [:]
        for child in node.children where fields[child.name] == nil { fields[child.name] = route53(child) }
        return .object(fields)
    }

    static let route53Lists: Set<String> = ["ResourceRecordSets", "ResourceRecords", "HostedZoneSummaries"]
    static let route53Integers: Set<String> = ["TTL", "Weight", "Bias"]
    static let route53Booleans: Set<String> = ["EvaluateTargetHealth", "MultiValueAnswer", "IsTruncated"]

    /// An error response's code and message: EC2's `<Response><Errors><Error>`, or the
    /// `<ErrorResponse><Error>` of Route 53 and STS.
    public static func error(_ root: XMLNode) -> (code: String, message: String)? {
        let error = root.name == "Error" ? root : root.child("Error") ?? root.child("Errors")?.child("Error")
        guard let error, let code = error.string("Code") else { return nil }
        return (code, error.string("Message") ?? "")
    }

    static func capitalised(_ name: String) -> String { name.prefix(1).uppercased() + name.dropFirst() }
}

extension XMLNode {
    var trimmedText: String { text.trimmingCharacters(in: .whitespacesAndNewlines) }
}
