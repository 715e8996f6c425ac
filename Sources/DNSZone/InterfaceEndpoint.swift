// SPDX-License-Identifier: Apache-2.0
import DNSCore

/// An interface VPC endpoint as declared in the config: what AWS knows about it that decides its
/// DNS names.
public struct InterfaceEndpoint: Sendable, Equatable {
    /// Which address families its names answer with.
    public enum IPType: String, Sendable, CaseIterable {
        case ipv4, ipv6, dualstack
        case serviceDefined = "service-defined"
    }

    /// One network interface: its Availability Zone and addresses.
    public struct ENI: Sendable, Equatable {
        public var availabilityZone: String
        public var ipv4: [IPv4Address]
        public var ipv6: [IPv6Address]
        public init(availabilityZone: String, ipv4: [IPv4Address] = [], ipv6: [IPv6Address] = []) {
            self.availabilityZone = availabilityZone
            self.ipv4 = ipv4
            self.ipv6 = ipv6
        }
    }

    /// `vpce-` followed by 17 hex digits (older ids have 8).
    public var id: String
    /// The 8-character DNS suffix AWS appends to the id in the endpoint's names.
    public var dnsSuffix: String
    /// `com.amazonaws.<region>.<service>` or `com.amazonaws.vpce.<region>.vpce-svc-<id>`.
    public var serviceName: String
    public var privateDNS: Bool
    /// For an endpoint service of your own: the private DNS name its provider set.
    public var privateDNSName: DNSName?
    public var ipType: IPType
    public var enis: [ENI]

    public init(
        id: String, dnsSuffix: String, serviceName: String, privateDNS: Bool, privateDNSName: DNSName? = nil,
        ipType: IPType = .ipv4, enis: [ENI]
    ) {
        self.id = id
        self.dnsSuffix = dnsSuffix
        self.serviceName = serviceName
        self.privateDNS = privateDNS
        self.privateDNSName = privateDNSName
        self.ipType = ipType
        self.enis = enis
    }
}

/// A parsed service name.
public enum EndpointService: Sendable, Equatable {
    /// `com.amazonaws.<region>.<labels…>`, e.g. `execute-api` or `ecr.dkr`.
    case aws(region: String, service: String)
    /// `com.amazonaws.vpce.<region>.vpce-svc-<id>`: an endpoint service behind a Network Load Balancer.
    case custom(region: String, serviceID: String)

    /// Parses a service name; nil when it has neither form.
    public init?(_ name: String) {
        let labels = name.lowercased().split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard labels.count >= 4, labels[0] == "com", labels[1] == "amazonaws", !labels.contains("") else { return nil }
        if labels[2] == "vpce" {
            guard labels.count == 5, isRegion(labels[3]), labels[4].hasPrefix("vpce-svc-"), labels[4].count > 9 else {
                return nil
            }
            self = .custom(region: labels[3], serviceID: labels[4])
        } else {
            guard isRegion(labels[2]) else { return nil }
            self = .aws(region: labels[2], service: labels[3...].joined(separator: "."))
        }
    }

    public var region: String {
        switch self {
        case .aws(let region, _), .custom(let region, _): region
        }
    }
}

/// `us-east-1`, `eu-central-2`, `us-gov-west-1`, `cn-north-1`, `ap-southeast-4`…
func isRegion(_ text: String) -> Bool {
    let parts = text.split(separator: "-", omittingEmptySubsequences: false)
    guard (3...4).contains(parts.count), parts[0].count == 2, parts[0].allSatisfy(\.isLowercase),
        let last = parts.last, !last.isEmpty, last.allSatisfy(\.isNumber)
    else { return false }
    return parts.dropFirst().dropLast().allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isLowercase) }
}
