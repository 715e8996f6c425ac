// SPDX-License-Identifier: Apache-2.0
import DNSCore
import DNSZone

/// A VPC endpoint as EC2 describes it: the fields its DNS names depend on.
public struct VPCEndpointRecord: Sendable, Equatable {
    public var id: String
    /// `Interface`, `Gateway`, `GatewayLoadBalancer`, `Resource`, `ServiceNetwork`.
    public var type: String
    /// Lower-case on the wire (`available`), capitalised in the model: compared case-insensitively.
    public var state: String
    public var serviceName: String
    public var privateDNSEnabled: Bool
    /// `DnsOptions.DnsRecordIpType`.
    public var dnsRecordIPType: String?
    public var networkInterfaceIDs: [String]
    /// `DnsEntries[].DnsName`: only the DNS suffix is read from them.
    public var dnsNames: [String]

    public init(
        id: String, type: String, state: String, serviceName: String, privateDNSEnabled: Bool, dnsRecordIPType: String?,
        networkInterfaceIDs: [String], dnsNames: [String]
    ) {
        self.id = id
        self.type = type
        self.state = state
        self.serviceName = serviceName
        self.privateDNSEnabled = privateDNSEnabled
        self.dnsRecordIPType = dnsRecordIPType
        self.networkInterfaceIDs = networkInterfaceIDs
        self.dnsNames = dnsNames
    }
}

/// A network interface as EC2 describes it: where it is and its addresses.
public struct NetworkInterfaceRecord: Sendable, Equatable {
    public var id: String
    public var availabilityZone: String
    public var ipv4: [String]
    public var ipv6: [String]

    public init(id: String, availabilityZone: String, ipv4: [String], ipv6: [String]) {
        self.id = id
        self.availabilityZone = availabilityZone
        self.ipv4 = ipv4
        self.ipv6 = ipv6
    }
}

/// Joins EC2's endpoints and network interfaces into the endpoints vpcdnsd serves
/// (`route53-semantics.md` §2, §7 item 10). The names served come from vpcdnsd's own service table
/// (`EndpointRecords`); from `DnsEntries` only the 8-character suffix is taken, which AWS chooses
/// and nothing else tells.
public enum EndpointInventory {
    public struct Joined: Sendable, Equatable {
        public var endpoints: [InterfaceEndpoint]
        /// Endpoints left out, each with why (a gateway endpoint, one not available…).
        public var skipped: [String]
    }

    public static func join(_ endpoints: [VPCEndpointRecord], _ interfaces: [NetworkInterfaceRecord]) -> Joined {
        var byID: [String: NetworkInterfaceRecord] = [:]
        for eni in interfaces { byID[eni.id] = eni }
        var joined = Joined(endpoints: [], skipped: [])
        for record in endpoints.sorted(by: { $0.id < $1.id }) {
            func skip(_ why: String) { joined.skipped.append("\(record.id) (\(record.serviceName)): \(why)") }
            guard record.type.caseInsensitiveCompare("Interface") == .orderedSame else {
                skip("a \(record.type) endpoint has no DNS names of its own")
                continue
            }
            guard record.state.caseInsensitiveCompare("available") == .orderedSame else {
                skip("its state is \(record.state), not available")
                continue
            }
            guard EndpointService(record.serviceName) != nil else {
                skip("the service name is neither com.amazonaws.REGION.SERVICE nor com.amazonaws.vpce.REGION.vpce-svc-ID")
                continue
            }
            guard let suffix = dnsSuffix(of: record) else {
                skip("no DnsEntries name of the form \(record.id)-SUFFIX… tells its DNS suffix")
                continue
            }
            var enis: [InterfaceEndpoint.ENI] = []
            for id in record.networkInterfaceIDs {
                guard let eni = byID[id] else {
                    skip("its network interface \(id) is not among the network interfaces")
                    enis = []
                    break
                }
                enis.append(
                    InterfaceEndpoint.ENI(
                        availabilityZone: eni.availabilityZone, ipv4: eni.ipv4.compactMap { IPv4Address(textBytes: ArraySlice($0.utf8)) },
                        ipv6: eni.ipv6.compactMap { IPv6Address(text: $0) }))
            }
            guard !enis.isEmpty else {
                if record.networkInterfaceIDs.isEmpty { skip("it has no network interfaces") }
                continue
            }
            let ipType = InterfaceEndpoint.IPType(rawValue: record.dnsRecordIPType?.lowercased() ?? "ipv4") ?? .ipv4
            joined.endpoints.append(
                InterfaceEndpoint(
                    id: record.id.lowercased(), dnsSuffix: suffix, serviceName: record.serviceName.lowercased(),
                    privateDNS: record.privateDNSEnabled, ipType: ipType, enis: enis.sorted { $0.availabilityZone < $1.availabilityZone }))
        }
        return joined
    }

    /// The 8 letters and digits after `<id>-` in the first label of a `DnsEntries` name: the regional
    /// `vpce-…-abcd1234.svc…`, a zonal `vpce-…-abcd1234-us-east-1a.svc…`, or S3's `*.vpce-…`.
    static func dnsSuffix(of record: VPCEndpointRecord) -> String? {
        let prefix = record.id.lowercased() + "-"
        for name in record.dnsNames {
            var first = Substring(name.lowercased().split(separator: ".").first ?? "")
            if first == "*", let second = name.lowercased().split(separator: ".").dropFirst().first { first = second }
            guard first.hasPrefix(prefix) else { continue }
            let suffix = first.dropFirst(prefix.count).prefix { $0 != "-" }
            if suffix.count == 8, suffix.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) { return String(suffix) }
        }
        return nil
    }
}
