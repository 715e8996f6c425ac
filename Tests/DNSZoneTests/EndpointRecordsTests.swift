// SPDX-License-Identifier: Apache-2.0
import DNSCore
import Testing

@testable import DNSZone

/// Table-driven checks of the names AWS gives each family of interface endpoint.
@Suite struct EndpointRecordsTests {
    static let twoAZs = [
        InterfaceEndpoint.ENI(availabilityZone: "us-east-1a", ipv4: [IPv4Address(10, 0, 1, 15)], ipv6: [IPv6Address(text: "fd00:1::15")!]),
        InterfaceEndpoint.ENI(availabilityZone: "us-east-1b", ipv4: [IPv4Address(10, 0, 2, 27)], ipv6: [IPv6Address(text: "fd00:2::27")!]),
    ]

    static func endpoint(_ service: String, privateDNS: Bool = true, ipType: InterfaceEndpoint.IPType = .ipv4,
        privateName: String? = nil) -> InterfaceEndpoint {
        InterfaceEndpoint(
            id: "vpce-0123456789abcdef0", dnsSuffix: "abcd1234", serviceName: service, privateDNS: privateDNS,
            privateDNSName: privateName.map { name($0) }, ipType: ipType, enis: twoAZs)
    }

    /// Answers of (name, type) across all the endpoint's zones, as sorted address text.
    static func answers(_ zones: [Zone], _ qname: String, _ type: RRType) -> [String] {
        let set = ZoneSet(zones)
        guard let zone = set.zone(enclosing: name(qname)) else { return ["<no zone>"] }
        switch zone.lookup(name(qname), type: type) {
        case .answer(let rrset, _), .cname(let rrset, _):
            #expect(rrset.ttl == 60)
            return rrset.rdatas.map(\.text).sorted()
        case .noData: return ["<nodata>"]
        case .nameError: return ["<nxdomain>"]
        default: return ["<other>"]
        }
    }

    struct Case: Sendable, CustomStringConvertible {
        var service: String
        var ipType: InterfaceEndpoint.IPType = .ipv4
        var privateDNS = true
        var privateName: String? = nil
        var expectations: [(String, RRType, [String])]
        var description: String { "\(service) \(ipType)" }
    }

    static let bothV4 = ["10.0.1.15", "10.0.2.27"]
    static let cases: [Case] = [
        Case(service: "com.amazonaws.us-east-1.execute-api", expectations: [
            ("vpce-0123456789abcdef0-abcd1234.execute-api.us-east-1.vpce.amazonaws.com.", .A, bothV4),
            ("vpce-0123456789abcdef0-abcd1234-us-east-1a.execute-api.us-east-1.vpce.amazonaws.com.", .A, ["10.0.1.15"]),
            ("vpce-0123456789abcdef0-abcd1234-us-east-1b.execute-api.us-east-1.vpce.amazonaws.com.", .A, ["10.0.2.27"]),
            ("execute-api.us-east-1.amazonaws.com.", .A, bothV4),
            ("abcdef1234.execute-api.us-east-1.amazonaws.com.", .A, bothV4),
            ("ABCDEF1234.Execute-Api.US-EAST-1.amazonaws.com.", .A, bothV4),
            ("abcdef1234.execute-api.us-east-1.amazonaws.com.", .AAAA, ["<nodata>"]),
            ("other-vpce.execute-api.us-east-1.vpce.amazonaws.com.", .A, ["<no zone>"]),
        ]),
        Case(service: "com.amazonaws.us-east-1.execute-api", privateDNS: false, expectations: [
            ("vpce-0123456789abcdef0-abcd1234.execute-api.us-east-1.vpce.amazonaws.com.", .A, bothV4),
            ("abcdef1234.execute-api.us-east-1.amazonaws.com.", .A, ["<no zone>"]),
        ]),
        Case(service: "com.amazonaws.eu-west-1.ssm", expectations: [
            ("ssm.eu-west-1.amazonaws.com.", .A, bothV4),
            ("vpce-0123456789abcdef0-abcd1234.ssm.eu-west-1.vpce.amazonaws.com.", .A, bothV4),
            ("x.ssm.eu-west-1.amazonaws.com.", .A, ["<nxdomain>"]),
        ]),
        Case(service: "com.amazonaws.us-east-1.s3", expectations: [
            ("s3.us-east-1.amazonaws.com.", .A, bothV4),
            ("my-bucket.s3.us-east-1.amazonaws.com.", .A, bothV4),
            ("123456789012.s3-control.us-east-1.amazonaws.com.", .A, bothV4),
            ("ap-123456789012.s3-accesspoint.us-east-1.amazonaws.com.", .A, bothV4),
            ("vpce-0123456789abcdef0-abcd1234.s3.us-east-1.vpce.amazonaws.com.", .A, bothV4),
            // S3's vpce names take a bucket in front (its DnsEntries are `*.vpce-…`).
            ("my-bucket.vpce-0123456789abcdef0-abcd1234.s3.us-east-1.vpce.amazonaws.com.", .A, bothV4),
            ("my-bucket.vpce-0123456789abcdef0-abcd1234-us-east-1b.s3.us-east-1.vpce.amazonaws.com.", .A, ["10.0.2.27"]),
        ]),
        Case(service: "com.amazonaws.us-east-1.ecr.dkr", expectations: [
            ("123456789012.dkr.ecr.us-east-1.amazonaws.com.", .A, bothV4),
            ("vpce-0123456789abcdef0-abcd1234.dkr.ecr.us-east-1.vpce.amazonaws.com.", .A, bothV4),
        ]),
        Case(service: "com.amazonaws.us-east-1.ecr.api", expectations: [
            ("api.ecr.us-east-1.amazonaws.com.", .A, bothV4),
            ("x.api.ecr.us-east-1.amazonaws.com.", .A, ["<nxdomain>"]),
            ("vpce-0123456789abcdef0-abcd1234.api.ecr.us-east-1.vpce.amazonaws.com.", .A, bothV4),
        ]),
        Case(service: "com.amazonaws.vpce.us-east-1.vpce-svc-0a1b2c3d4e5f67890", privateName: "api.partner.example.com.",
            expectations: [
                ("vpce-0123456789abcdef0-abcd1234.vpce-svc-0a1b2c3d4e5f67890.us-east-1.vpce.amazonaws.com.", .A, bothV4),
                ("api.partner.example.com.", .A,
                 ["vpce-0123456789abcdef0-abcd1234.vpce-svc-0a1b2c3d4e5f67890.us-east-1.vpce.amazonaws.com."]),
                ("other.partner.example.com.", .A, ["<no zone>"]),
            ]),
        Case(service: "com.amazonaws.us-east-1.sqs", ipType: .ipv6, expectations: [
            ("sqs.us-east-1.amazonaws.com.", .AAAA, ["fd00:1::15", "fd00:2::27"]),
            ("sqs.us-east-1.amazonaws.com.", .A, ["<nodata>"]),
            ("vpce-0123456789abcdef0-abcd1234-us-east-1b.sqs.us-east-1.vpce.amazonaws.com.", .AAAA, ["fd00:2::27"]),
        ]),
        Case(service: "com.amazonaws.us-east-1.sqs", ipType: .dualstack, expectations: [
            ("sqs.us-east-1.amazonaws.com.", .AAAA, ["fd00:1::15", "fd00:2::27"]),
            ("sqs.us-east-1.amazonaws.com.", .A, bothV4),
        ]),
        Case(service: "com.amazonaws.us-east-1.sqs", ipType: .serviceDefined, expectations: [
            ("sqs.us-east-1.amazonaws.com.", .A, bothV4),
            ("sqs.us-east-1.amazonaws.com.", .AAAA, ["<nodata>"]),
            ("vpce-0123456789abcdef0-abcd1234.sqs.us-east-1.vpce.amazonaws.com.", .AAAA, ["fd00:1::15", "fd00:2::27"]),
            ("vpce-0123456789abcdef0-abcd1234-us-east-1a.sqs.us-east-1.vpce.amazonaws.com.", .AAAA, ["fd00:1::15"]),
            ("vpce-0123456789abcdef0-abcd1234.sqs.us-east-1.vpce.amazonaws.com.", .A, bothV4),
        ]),
    ]

    @Test(arguments: cases)
    func names(_ c: Case) throws {
        let zones = try EndpointRecords.zones(
            for: [EndpointRecordsTests.endpoint(c.service, privateDNS: c.privateDNS, ipType: c.ipType, privateName: c.privateName)]
        ).get().map(\.zone)
        for (qname, type, expected) in c.expectations {
            #expect(EndpointRecordsTests.answers(zones, qname, type) == expected, "\(qname) \(type)")
        }
    }

    @Test func privateZoneHasRoute53SOAAndNS() throws {
        let zones = try EndpointRecords.zones(for: [EndpointRecordsTests.endpoint("com.amazonaws.us-east-1.execute-api")]).get().map(\.zone)
        let zone = try #require(ZoneSet(zones).zone(enclosing: name("execute-api.us-east-1.amazonaws.com.")))
        #expect(zone.rrsets(at: zone.origin)?.map(\.type) == [.A, .NS, .SOA])
        #expect(zone.negativeTTL == 900)
    }

    @Test func problemsAreReported() {
        let bad = InterfaceEndpoint(id: "vpce-1", dnsSuffix: "x", serviceName: "com.example.nope", privateDNS: true, enis: [])
        let a = EndpointRecordsTests.endpoint("com.amazonaws.us-east-1.execute-api")
        let custom = EndpointRecordsTests.endpoint("com.amazonaws.vpce.us-east-1.vpce-svc-0a1b2c3d4e5f67890")
        guard case .failure(let problems) = EndpointRecords.zones(for: [bad, a, a, custom]) else {
            Issue.record("expected problems")
            return
        }
        #expect(problems.problems.map(\.endpointIndex) == [0, 2, 2, 2, 2, 3])
        #expect(problems.problems[0].message.contains("com.example.nope"))
        #expect(problems.problems[1].message.contains("already served for endpoint vpce-0123456789abcdef0"))
        #expect(problems.problems[5].message.contains("private_dns_name"))
    }

    @Test(arguments: ["us-east-1", "eu-central-2", "us-gov-west-1", "ap-southeast-4", "cn-north-1"])
    func regions(_ region: String) {
        #expect(isRegion(region))
    }

    @Test(arguments: ["us-east", "useast-1", "US-EAST-1", "us--1", "u-east-1"])
    func notRegions(_ region: String) {
        #expect(!isRegion(region))
    }
}
