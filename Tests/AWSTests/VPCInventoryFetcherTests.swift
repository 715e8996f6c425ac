// SPDX-License-Identifier: Apache-2.0
@testable import AWS
import Foundation
import Route53
import Testing

/// A transport that answers from a script, keyed by the call, and records what was asked.
final class ScriptedTransport: HTTPTransport, @unchecked Sendable {
    private let lock = NSLock()
    private var pages: [String: [String]]
    private(set) var sent: [HTTPRequest] = []

    /// `pages[call]`: the bodies to answer that call with, in order (the last one repeats).
    init(_ pages: [String: [String]]) { self.pages = pages }

    func send(_ request: HTTPRequest, timeout: Double) throws(AWSError) -> HTTPResponse {
        lock.lock()
        defer { lock.unlock() }
        sent.append(request)
        let body = String(decoding: request.body, as: UTF8.self)
        let call = body.firstMatch(of: /Action=(\w+)/).map { String($0.1) }
            ?? (request.url.path.hasSuffix("/rrset") ? "rrset" : request.url.path.hasSuffix("hostedzonesbyvpc") ? "byvpc" : "?")
        guard var queue = pages[call], !queue.isEmpty else { return HTTPResponse(status: 404, body: Data()) }
        let page = queue.count > 1 ? queue.removeFirst() : queue[0]
        pages[call] = queue
        return HTTPResponse(status: 200, body: Data(page.utf8))
    }

    var queries: [String] { lock.withLock { sent.map { ($0.url.query ?? "") + String(decoding: $0.body, as: UTF8.self) } } }
}

@Suite struct VPCInventoryFetcherTests {
    static func client(_ transport: ScriptedTransport) -> AWSClient {
        AWSClient(
            region: "us-east-1",
            credentials: CredentialChain(
                environment: ["AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_EC2_METADATA_DISABLED": "true"],
                region: "us-east-1"),
            endpointURLs: ["ec2": URL(string: "http://127.0.0.1:9/")!, "route53": URL(string: "http://127.0.0.1:9/")!],
            transport: transport)
    }

    static func endpoint(_ id: String, eni: String) -> String {
        "<item><vpcEndpointId>\(id)</vpcEndpointId><vpcEndpointType>Interface</vpcEndpointType><serviceName>com.amazonaws.us-east-1.kms</serviceName><state>available</state><privateDnsEnabled>false</privateDnsEnabled><networkInterfaceIdSet><item>\(eni)</item></networkInterfaceIdSet><dnsEntrySet><item><dnsName>\(id)-abcd1234.kms.us-east-1.vpce.amazonaws.com</dnsName></item></dnsEntrySet></item>"
    }

    static func set(_ name: String, _ address: String) -> String {
        "<ResourceRecordSet><Name>\(name)</Name><Type>A</Type><TTL>60</TTL><ResourceRecords><ResourceRecord><Value>\(address)</Value></ResourceRecord></ResourceRecords></ResourceRecordSet>"
    }

    static let fullScript: [String: [String]] = [
        "DescribeVpcEndpoints": [
            "<R><vpcEndpointSet>\(endpoint("vpce-0000000000000000a", eni: "eni-a"))</vpcEndpointSet><nextToken>t2</nextToken></R>",
            "<R><vpcEndpointSet>\(endpoint("vpce-0000000000000000b", eni: "eni-b"))</vpcEndpointSet></R>",
        ],
        "DescribeNetworkInterfaces": [
            "<R><networkInterfaceSet><item><networkInterfaceId>eni-b</networkInterfaceId><availabilityZone>us-east-1b</availabilityZone><privateIpAddress>10.0.2.2</privateIpAddress></item><item><networkInterfaceId>eni-a</networkInterfaceId><availabilityZone>us-east-1a</availabilityZone><privateIpAddress>10.0.1.1</privateIpAddress></item></networkInterfaceSet></R>"
        ],
        "DescribeSubnets": [
            "<R><subnetSet><item><subnetId>subnet-1</subnetId><cidrBlock>10.0.1.0/24</cidrBlock><availabilityZone>us-east-1a</availabilityZone></item></subnetSet></R>"
        ],
        "byvpc": [
            "<R><HostedZoneSummaries><HostedZoneSummary><HostedZoneId>Z1</HostedZoneId><Name>corp.internal.</Name></HostedZoneSummary></HostedZoneSummaries><NextToken>z2</NextToken></R>",
            "<R><HostedZoneSummaries><HostedZoneSummary><HostedZoneId>/hostedzone/Z2</HostedZoneId><Name>a.internal.</Name></HostedZoneSummary></HostedZoneSummaries></R>",
        ],
        "rrset": [
            "<R><ResourceRecordSets>\(set("db.corp.internal.", "10.0.3.5"))</ResourceRecordSets><IsTruncated>true</IsTruncated><NextRecordName>w.corp.internal.</NextRecordName><NextRecordType>A</NextRecordType></R>",
            "<R><ResourceRecordSets>\(set("w.corp.internal.", "10.0.3.6"))</ResourceRecordSets><IsTruncated>false</IsTruncated></R>",
            "<R><ResourceRecordSets>\(set("x.a.internal.", "10.0.4.1"))</ResourceRecordSets><IsTruncated>false</IsTruncated></R>",
        ],
    ]

    @Test func everyPageOfEveryCall() throws {
        let transport = ScriptedTransport(Self.fullScript)
        let inventory = try VPCInventoryFetcher.fetch(Self.client(transport), vpcID: "vpc-1")
        #expect(inventory.vpcEndpoints.count == 2 && inventory.networkInterfaces.count == 2)
        #expect(inventory.zones.map(\.id) == ["Z2", "Z1"])  // by name: a.internal. first; /hostedzone/ dropped
        #expect(inventory.zones[1].recordSets.count == 2)
        #expect(inventory.subnetZones.map(\.availabilityZone) == ["us-east-1a"])
        let joined = try inventory.endpoints().get()
        #expect(joined.endpoints.map { $0.enis.flatMap(\.ipv4).map(\.description) } == [["10.0.1.1"], ["10.0.2.2"]])
        let queries = transport.queries
        #expect(queries.contains { $0.contains("Action=DescribeVpcEndpoints") && $0.contains("NextToken=t2") })
        #expect(queries.contains { $0.contains("Filter.1.Name=network-interface-id") && $0.contains("Filter.1.Value.2=eni-b") })
        #expect(queries.contains { $0.contains("nexttoken=z2") && $0.contains("vpcid=vpc-1") && $0.contains("vpcregion=us-east-1") })
        #expect(queries.contains { $0.contains("name=w.corp.internal.") && $0.contains("type=A") })
        // Every request is signed.
        #expect(transport.sent.allSatisfy { request in request.headers.contains { $0.name == "Authorization" && $0.value.hasPrefix("AWS4-HMAC-SHA256 Credential=AKIDTEST/") } })
    }

    @Test func aPageThatGoesNowhereIsMalformed() {
        var script = Self.fullScript
        script["rrset"] = ["<R><ResourceRecordSets/><IsTruncated>true</IsTruncated></R>"]
        #expect(throws: AWSError.self) { try VPCInventoryFetcher.fetch(Self.client(ScriptedTransport(script)), vpcID: "vpc-1") }
        script = Self.fullScript
        script["DescribeVpcEndpoints"] = ["<R><vpcEndpointSet/><nextToken>same</nextToken></R>"]
        #expect(throws: AWSError.self) { try VPCInventoryFetcher.fetch(Self.client(ScriptedTransport(script)), vpcID: "vpc-1") }
    }

    @Test func thePersistedDocumentAndTheExportReadBack() throws {
        let inventory = try VPCInventoryFetcher.fetch(Self.client(ScriptedTransport(Self.fullScript)), vpcID: "vpc-1")
        let when = Date(timeIntervalSince1970: 1_800_000_000)
        let (back, syncedAt) = try #require(VPCInventory.read(document: Array(inventory.document(syncedAt: when).json.utf8)))
        #expect(back == inventory && syncedAt == when)
        let files = Dictionary(uniqueKeysWithValues: inventory.exportFiles().map { ($0.path, $0.contents) })
        let endpoints = try InventoryJSON.vpcEndpoints(Array(try #require(files["vpc-endpoints.json"]).utf8)).get()
        #expect(endpoints.map(\.id) == ["vpce-0000000000000000a", "vpce-0000000000000000b"])
        #expect(files["zones/corp.internal-Z1.json"] != nil)
        #expect(try #require(files["vpcdnsd-aws.yaml"]).contains("{file: zones/corp.internal-Z1.json, format: route53, origin: \"corp.internal.\"}"))
    }
}
