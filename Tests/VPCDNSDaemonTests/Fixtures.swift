// SPDX-License-Identifier: Apache-2.0
import DNSCore
import DNSZone
import EventIO

enum InterfaceEndpointFixture {
    static let seed = InterfaceEndpoint(
        id: "vpce-0123456789abcdef0", dnsSuffix: "abcd1234", serviceName: "com.amazonaws.us-east-1.execute-api",
        privateDNS: true, enis: [InterfaceEndpoint.ENI(availabilityZone: "us-east-1a", ipv4: [IPv4Address(10, 0, 1, 15)])])
}

enum EventIOAddress {
    static func parse(_ text: String) -> SocketAddress? { SocketAddress(parsing: text) }
}
