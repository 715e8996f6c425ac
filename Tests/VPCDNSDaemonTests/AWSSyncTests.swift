// SPDX-License-Identifier: Apache-2.0
import AWS
import DNSCore
import DNSEngine
import Foundation
import Route53
import Testing

@testable import VPCDNSDaemon

@Suite struct AWSSyncTests {
    @Test func theSectionAndItsMistakes() throws {
        let (config, errors) = ConfigLoader.read(
            """
            state_directory: state
            aws:
              vpc_id: vpc-0abc1234def567890
              region: eu-west-1
              interval: 5m
              profile: dns
              endpoint_url: {ec2: "http://127.0.0.1:5000", route53: "https://route53.example"}
            """, file: "/etc/vpcdnsd/t.yaml")
        #expect(errors.isEmpty, "\(errors)")
        let aws = try #require(config.aws)
        #expect(aws.vpcID == "vpc-0abc1234def567890" && aws.region == "eu-west-1" && aws.interval == 300 && aws.profile == "dns")
        #expect(aws.endpointURLs == ["ec2": "http://127.0.0.1:5000", "route53": "https://route53.example"])
        #expect(config.stateDirectory == "/etc/vpcdnsd/state")
        #expect(AWSSync.stateFile(config) == "/etc/vpcdnsd/state/aws-inventory.json")
        #expect(AWSSync.stateFile(Config(), environment: ["STATE_DIRECTORY": "/var/lib/vpcdnsd"]) == "/var/lib/vpcdnsd/aws-inventory.json")

        func problems(_ yaml: String) -> [String] { ConfigLoader.read(yaml, file: "t.yaml").1.map(\.description) }
        #expect(problems("aws: {region: us-east-1}") == ["t.yaml:1: aws needs vpc_id: the VPC whose endpoints and private hosted zones are served"])
        #expect(problems("aws: {vpc_id: subnet-1}") == ["t.yaml:1: aws.vpc_id: expected a VPC id like vpc-0abc1234def567890, found \"subnet-1\""])
        #expect(problems("aws:\n  vpc_id: vpc-1\n  endpoint_url: ftp://x") == ["t.yaml:3: endpoint_url: expected an http:// or https:// URL, found \"ftp://x\""])
        #expect(problems("aws:\n  vpc_id: vpc-1\n  endpoint_url: {s3: \"http://x\"}").first?.contains("unknown key \"s3\"") == true)
    }

    @Test func theRegionComesFromTheEnvironmentWhenNotConfigured() throws {
        let settings = Config.AWSSync(vpcID: "vpc-1", location: SourceLocation(file: "t.yaml", line: 4))
        let none = ["AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": "/nonexistent", "HOME": "/nonexistent"]
        #expect(try AWSSync.client(settings, environment: none.merging(["AWS_REGION": "ap-south-1"]) { $1 }).get().region == "ap-south-1")
        #expect(try AWSSync.client(settings, environment: none.merging(["AWS_DEFAULT_REGION": "sa-east-1"]) { $1 }).get().region == "sa-east-1")
        guard case .failure(let error) = AWSSync.client(settings, environment: none) else {
            Issue.record("no Region anywhere must be an error")
            return
        }
        #expect(error.description == "t.yaml:4: aws: no Region: set aws.region (or AWS_REGION, or region in the profile)")
    }

    @Test(arguments: [(1, 1.0), (2, 2.0), (3, 4.0), (7, 60.0), (40, 60.0)])
    func backOffDoublesUpToTheInterval(_ failures: Int, _ ceiling: Double) {
        #expect(AWSSync.backOff(failures: failures, interval: 60, random: 1) == ceiling)
        #expect(AWSSync.backOff(failures: failures, interval: 60, random: 0.5) == ceiling / 2)
        let drawn = AWSSync.backOff(failures: failures, interval: 60)
        #expect(drawn >= ceiling / 2 && drawn <= ceiling)
    }
}

/// What a synced inventory brings into a snapshot's views.
@Suite struct SyncedInventoryInViewsTests {
    static let inventory = VPCInventory(
        vpcID: "vpc-1",
        vpcEndpoints: [
            .object([
                "VpcEndpointId": .string("vpce-0123456789abcdef0"), "VpcEndpointType": .string("Interface"),
                "ServiceName": .string("com.amazonaws.us-east-1.execute-api"), "State": .string("available"),
                "PrivateDnsEnabled": .boolean(true), "NetworkInterfaceIds": .list([.string("eni-a"), .string("eni-b")]),
                "DnsEntries": .list([.object(["DnsName": .string("vpce-0123456789abcdef0-abcd1234.execute-api.us-east-1.vpce.amazonaws.com")])]),
            ])
        ],
        networkInterfaces: [
            .object(["NetworkInterfaceId": .string("eni-a"), "AvailabilityZone": .string("us-east-1a"), "PrivateIpAddress": .string("10.0.1.15")]),
            .object(["NetworkInterfaceId": .string("eni-b"), "AvailabilityZone": .string("us-east-1b"), "PrivateIpAddress": .string("10.0.2.27")]),
        ],
        subnets: [
            .object(["CidrBlock": .string("10.0.1.0/24"), "AvailabilityZone": .string("us-east-1a")]),
            .object(["CidrBlock": .string("10.0.2.0/24"), "AvailabilityZone": .string("us-east-1b")]),
        ],
        zones: [])

    @Test func aViewWithoutSubnetsTakesTheVPCsAndServesItsEndpoints() throws {
        var config = Config()
        config.forwarding.upstreams = []
        config.views = [
            Config.View(name: "vpc", clients: [CIDR(parsing: "10.0.0.0/16")!], azAffinity: .prefer, location: SourceLocation(file: "t", line: 1)),
            Config.View(
                name: "site", clients: [CIDR(parsing: "192.168.0.0/16")!], subnets: [(CIDR(parsing: "192.168.1.0/24")!, "us-east-1b")],
                azAffinity: .only, location: SourceLocation(file: "t", line: 2)),
        ]
        let snapshot = try SnapshotBuilder.build(config, inventory: Self.inventory).get()
        let vpc = snapshot.views[0].engine, site = snapshot.views[1].engine
        #expect(vpc.affinity.availabilityZone(of: [10, 0, 2, 9]) == "us-east-1b")
        #expect(site.affinity.availabilityZone(of: [10, 0, 2, 9]) == nil)  // its own subnets, not the VPC's
        #expect(site.affinity.availabilityZone(of: [192, 168, 1, 9]) == "us-east-1b")
        // Both serve the synced endpoint (no endpoints: means every one), routed by ENI.
        for engine in [vpc, site] {
            #expect(engine.endpointOrigins.contains(try DNSName(parsing: "execute-api.us-east-1.amazonaws.com.")))
        }
    }
}
