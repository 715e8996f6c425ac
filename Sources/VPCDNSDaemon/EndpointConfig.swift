// SPDX-License-Identifier: Apache-2.0
import DNSCore
import DNSZone
import Yams

/// The `endpoints:` entries of the config.
enum EndpointConfig {
    static func parse(_ node: Node, _ reader: inout YAMLReader) -> InterfaceEndpoint? {
        var id: String?
        var suffix: String?
        var service: String?
        var privateDNS = true
        var privateName: DNSName?
        var ipType = InterfaceEndpoint.IPType.ipv4
        var enis: [InterfaceEndpoint.ENI] = []
        let before = reader.errors.count
        for (key, value, _) in reader.mapping(node, "an endpoint", section: "endpoints[]") {
            switch key {
            case "id":
                guard let text = reader.string(value, "id") else { break }
                let hex = text.dropFirst(5)
                guard text.hasPrefix("vpce-"), [8, 17].contains(hex.count), hex.allSatisfy(\.isHexDigit) else {
                    reader.error(value, "id must be vpce- and 17 (or 8) hex digits, found \"\(text)\"")
                    break
                }
                id = text.lowercased()
            case "dns_suffix":
                guard let text = reader.string(value, "dns_suffix") else { break }
                guard text.count == 8, text.allSatisfy({ $0.isLetter || $0.isNumber }), text.allSatisfy(\.isASCII) else {
                    reader.error(value, "dns_suffix must be the 8 letters and digits AWS shows in the endpoint's DNS names, found \"\(text)\"")
                    break
                }
                suffix = text.lowercased()
            case "service":
                guard let text = reader.string(value, "service") else { break }
                guard EndpointService(text) != nil else {
                    reader.error(
                        value,
                        "service must be com.amazonaws.<region>.<service> or com.amazonaws.vpce.<region>.vpce-svc-<id>, found \"\(text)\"")
                    break
                }
                service = text.lowercased()
            case "private_dns": privateDNS = reader.bool(value, "private_dns") ?? privateDNS
            case "private_dns_name": privateName = ConfigLoader.domain(value, &reader, "private_dns_name")
            case "ip_type":
                guard let text = reader.string(value, "ip_type") else { break }
                guard let parsed = InterfaceEndpoint.IPType(rawValue: text) else {
                    reader.error(value, "ip_type must be one of ipv4, ipv6, dualstack, service-defined, found \"\(text)\"")
                    break
                }
                ipType = parsed
            case "enis":
                enis = reader.list(value, "enis").compactMap { eni($0, &reader) }
            default: break
            }
        }
        if id == nil && reader.errors.count == before { reader.error(node, "an endpoint needs an id") }
        if suffix == nil && reader.errors.count == before { reader.error(node, "an endpoint needs a dns_suffix") }
        if service == nil && reader.errors.count == before { reader.error(node, "an endpoint needs a service") }
        if enis.isEmpty && reader.errors.count == before { reader.error(node, "an endpoint needs at least one ENI") }
        guard reader.errors.count == before, let id, let suffix, let service else { return nil }
        return InterfaceEndpoint(
            id: id, dnsSuffix: suffix, serviceName: service, privateDNS: privateDNS, privateDNSName: privateName,
            ipType: ipType, enis: enis)
    }

    static func eni(_ node: Node, _ reader: inout YAMLReader) -> InterfaceEndpoint.ENI? {
        let before = reader.errors.count
        var az: String?
        var v4: [IPv4Address] = []
        var v6: [IPv6Address] = []
        for (key, value, _) in reader.mapping(node, "an ENI", section: "endpoints[].enis[]") {
            switch key {
            case "az":
                guard let text = reader.string(value, "az") else { break }
                guard !text.isEmpty, text.allSatisfy({ $0.isLowercase || $0.isNumber || $0 == "-" }), text.allSatisfy(\.isASCII) else {
                    reader.error(value, "az must be an Availability Zone name like us-east-1a, found \"\(text)\"")
                    break
                }
                az = text
            case "ipv4":
                for item in reader.list(value, "ipv4") {
                    guard let text = reader.string(item, "an IPv4 address") else { continue }
                    guard let address = IPv4Address(text: text) else {
                        reader.error(item, "expected an IPv4 address, found \"\(text)\"")
                        continue
                    }
                    v4.append(address)
                }
            case "ipv6":
                for item in reader.list(value, "ipv6") {
                    guard let text = reader.string(item, "an IPv6 address") else { continue }
                    guard let address = IPv6Address(text: text) else {
                        reader.error(item, "expected an IPv6 address, found \"\(text)\"")
                        continue
                    }
                    v6.append(address)
                }
            default: break
            }
        }
        guard let az else {
            reader.error(node, "an ENI needs its az")
            return nil
        }
        if v4.isEmpty && v6.isEmpty && reader.errors.count == before {
            reader.error(node, "the ENI in \(az) needs an ipv4 or ipv6 address")
            return nil
        }
        return InterfaceEndpoint.ENI(availabilityZone: az, ipv4: v4, ipv6: v6)
    }
}
