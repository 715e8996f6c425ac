// SPDX-License-Identifier: Apache-2.0
@testable import AWS
import DNSCore
import DNSZone
import Foundation
import Route53
import Testing

/// The APIs' XML reads as the CLI's JSON of the same call, so one reader serves both.
@Suite struct AWSXMLTests {
    static func xml(_ text: String) throws -> XMLNode { try #require(XMLNode.parse(Data(text.utf8))) }

    /// The same endpoint and ENI as `route53-semantics.md` §2's JSON example, in EC2's XML.
    static let endpointXML = """
        <?xml version="1.0" encoding="UTF-8"?>
        <DescribeVpcEndpointsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
          <requestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</requestId>
          <vpcEndpointSet><item>
            <vpcEndpointId>vpce-0295a3caf8414c94a</vpcEndpointId><vpcEndpointType>Interface</vpcEndpointType>
            <vpcId>vpc-1a2b3c4d</vpcId><serviceName>com.amazonaws.us-east-1.kms</serviceName><state>available</state>
            <subnetIdSet><item>subnet-aaa111</item><item>subnet-bbb222</item></subnetIdSet>
            <dnsOptions><dnsRecordIpType>dualstack</dnsRecordIpType></dnsOptions>
            <privateDnsEnabled>true</privateDnsEnabled><requesterManaged>false</requesterManaged>
            <networkInterfaceIdSet><item>eni-0aaa1111aaaa1111a</item></networkInterfaceIdSet>
            <dnsEntrySet>
              <item><dnsName>vpce-0295a3caf8414c94a-dfm9tr04.kms.us-east-1.vpce.amazonaws.com</dnsName><hostedZoneId>Z7HUB22UULQXV</hostedZoneId></item>
              <item><dnsName>kms.us-east-1.amazonaws.com</dnsName><hostedZoneId>Z1K56Z6FNPJRR</hostedZoneId></item>
            </dnsEntrySet>
          </item></vpcEndpointSet>
          <nextToken>page-2</nextToken>
        </DescribeVpcEndpointsResponse>
        """
    static let endpointJSON = """
        {"VpcEndpoints": [{"VpcEndpointId": "vpce-0295a3caf8414c94a", "VpcEndpointType": "Interface", "VpcId": "vpc-1a2b3c4d",
          "ServiceName": "com.amazonaws.us-east-1.kms", "State": "available", "SubnetIds": ["subnet-aaa111", "subnet-bbb222"],
          "DnsOptions": {"DnsRecordIpType": "dualstack"}, "PrivateDnsEnabled": true, "RequesterManaged": false,
          "NetworkInterfaceIds": ["eni-0aaa1111aaaa1111a"],
          "DnsEntries": [{"DnsName": "vpce-0295a3caf8414c94a-dfm9tr04.kms.us-east-1.vpce.amazonaws.com", "HostedZoneId": "Z7HUB22UULQXV"},
                         {"DnsName": "kms.us-east-1.amazonaws.com", "HostedZoneId": "Z1K56Z6FNPJRR"}]}]}
        """

    @Test func ec2XMLReadsAsTheCLIsJSON() throws {
        let response = AWSXML.ec2(try Self.xml(Self.endpointXML))
        let fromXML = try InventoryJSON.vpcEndpoints(items: try #require(response["VpcEndpoints"]?.list)).get()
        let fromJSON = try InventoryJSON.vpcEndpoints(Array(Self.endpointJSON.utf8)).get()
        #expect(fromXML == fromJSON)
        #expect(fromXML[0].privateDNSEnabled && fromXML[0].dnsRecordIPType == "dualstack")
        #expect(response["NextToken"]?.string == "page-2")
        // Item lists of plain text become lists of strings, as the CLI prints them.
        #expect(response["VpcEndpoints"]?.list?[0]["SubnetIds"] == .list([.string("subnet-aaa111"), .string("subnet-bbb222")]))
    }

    @Test func ec2NetworkInterfaces() throws {
        let response = AWSXML.ec2(
            try Self.xml("""
                <DescribeNetworkInterfacesResponse><networkInterfaceSet><item>
                  <networkInterfaceId>eni-0aaa1111aaaa1111a</networkInterfaceId><availabilityZone>us-east-1a</availabilityZone>
                  <interfaceType>vpc_endpoint</interfaceType><privateIpAddress>10.0.1.25</privateIpAddress>
                  <privateIpAddressesSet><item><privateIpAddress>10.0.1.25</privateIpAddress><primary>true</primary></item></privateIpAddressesSet>
                  <ipv6AddressesSet><item><ipv6Address>2600:1f18:1234:5601::25</ipv6Address></item></ipv6AddressesSet>
                  <tagSet/>
                </item></networkInterfaceSet></DescribeNetworkInterfacesResponse>
                """))
        let enis = try InventoryJSON.networkInterfaces(items: try #require(response["NetworkInterfaces"]?.list)).get()
        #expect(enis == [NetworkInterfaceRecord(id: "eni-0aaa1111aaaa1111a", availabilityZone: "us-east-1a", ipv4: ["10.0.1.25"], ipv6: ["2600:1f18:1234:5601::25"])])
    }

    @Test func route53RecordSetsLoadAsAZone() throws {
        let response = AWSXML.route53(
            try Self.xml("""
                <ListResourceRecordSetsResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/">
                  <ResourceRecordSets>
                    <ResourceRecordSet><Name>corp.internal.</Name><Type>SOA</Type><TTL>900</TTL><ResourceRecords><ResourceRecord>
                      <Value>ns-1536.awsdns-00.co.uk. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400</Value></ResourceRecord></ResourceRecords></ResourceRecordSet>
                    <ResourceRecordSet><Name>\\052.corp.internal.</Name><Type>TXT</Type><TTL>60</TTL><ResourceRecords><ResourceRecord>
                      <Value>"v=spf1 -all"</Value></ResourceRecord></ResourceRecords></ResourceRecordSet>
                    <ResourceRecordSet><Name>api.corp.internal.</Name><Type>A</Type><SetIdentifier>blue</SetIdentifier><Weight>3</Weight>
                      <TTL>60</TTL><ResourceRecords><ResourceRecord><Value>10.0.1.10</Value></ResourceRecord></ResourceRecords></ResourceRecordSet>
                    <ResourceRecordSet><Name>corp.internal.</Name><Type>A</Type><AliasTarget><HostedZoneId>Z1</HostedZoneId>
                      <DNSName>api.corp.internal.</DNSName><EvaluateTargetHealth>true</EvaluateTargetHealth></AliasTarget></ResourceRecordSet>
                  </ResourceRecordSets>
                  <IsTruncated>false</IsTruncated><MaxItems>300</MaxItems>
                </ListResourceRecordSetsResponse>
                """))
        #expect(response["IsTruncated"] == .boolean(false))
        let sets = try #require(response["ResourceRecordSets"]?.list)
        #expect(sets[2]["Weight"] == .integer(3) && sets[2]["TTL"] == .integer(60))
        #expect(sets[3]["AliasTarget"]?["EvaluateTargetHealth"] == .boolean(true))
        let origin = try DNSName(parsing: "corp.internal.")
        let loaded = try Route53ZoneFile.load(
            recordSets: sets.enumerated().map { RecordSetSource(value: $1, place: .recordSet($0 + 1)) }, file: "api", origin: origin,
            valueOrigin: .root
        ).get()
        #expect(loaded.zone.origin == origin && loaded.zone.recordCount >= 2)
    }

    @Test func errorsAreClassedAndCarryNoSecret() {
        func classify(_ status: Int, _ body: String) -> AWSError? {
            do {
                _ = try AWSResponse.xml(HTTPResponse(status: status, body: Data(body.utf8)), call: "Call", secrets: ["AKIDSECRETID", "s3cr3t-key"])
                return nil
            } catch { return error }
        }
        let ec2 = { (code: String, message: String) in
            "<Response><Errors><Error><Code>\(code)</Code><Message>\(message)</Message></Error></Errors><RequestID>1</RequestID></Response>"
        }
        let route53 = { (code: String) in "<ErrorResponse><Error><Type>Sender</Type><Code>\(code)</Code><Message>m</Message></Error></ErrorResponse>" }
        #expect(classify(503, ec2("RequestLimitExceeded", "Request limit exceeded.")) == .throttled("Call: RequestLimitExceeded: Request limit exceeded."))
        #expect(classify(400, route53("Throttling")) == .throttled("Call: Throttling: m"))
        #expect(classify(400, route53("PriorRequestNotComplete"))?.backsOff == true)
        #expect(classify(500, route53("InternalFailure")) == .server(500, "Call: InternalFailure: m"))
        #expect(classify(502, "<html>bad gateway</html") == .server(502, "Call: HTTP 502"))
        #expect(classify(401, ec2("AuthFailure", "key AKIDSECRETID with s3cr3t-key refused")) == .auth("Call: AuthFailure: key <redacted> with <redacted> refused"))
        #expect(classify(403, route53("InvalidClientTokenId"))?.backsOff == false)
        #expect(classify(400, ec2("InvalidVpcID.NotFound", "no vpc")) == .client(400, "Call: InvalidVpcID.NotFound: no vpc"))
        if case .malformed = classify(200, "<ListResourceRecordSetsResponse><ResourceRecordSets><Resou") {} else {
            Issue.record("a cut-off body is malformed")
        }
        #expect(classify(200, "<ok/>") == nil)
    }
}
