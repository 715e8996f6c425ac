// SPDX-License-Identifier: Apache-2.0
import DNSCore
import DNSZone
import Route53
import Testing

@Suite struct Route53ZoneFileTests {
    let origin = try! DNSName(parsing: "corp.example.")

    func load(_ json: String, healthChecks: Set<String> = ["hc-1"]) -> Result<Route53ZoneFile.Loaded, ZoneFileErrors> {
        Route53ZoneFile.load(json: Array(json.utf8), file: "corp.json", origin: origin, healthChecks: healthChecks)
    }

    func zone(_ json: String) throws -> Zone {
        switch load(json) {
        case .success(let loaded): return loaded.zone
        case .failure(let errors): Issue.record("\(errors)"); throw errors
        }
    }

    func errors(_ json: String) -> [String] {
        guard case .failure(let errors) = load(json) else { return [] }
        return errors.errors.map(\.description)
    }

    @Test func octalEscapesInNamesAndQuotedTXT() throws {
        let z = try zone(#"""
            {"ResourceRecordSets": [
             {"Name": "\\052.apps.corp.example.", "Type": "CNAME", "TTL": 300, "ResourceRecords": [{"Value": "ingress.corp.example"}]},
             {"Name": "a\\100b.corp.example.", "Type": "A", "TTL": 60, "ResourceRecords": [{"Value": "10.0.0.1"}]},
             {"Name": "web.corp.example", "Type": "TXT", "TTL": 300, "ResourceRecords": [{"Value": "\"owner=team-a\" \"env=prod\""}]}
            ]}
            """#)
        // \052 octal is `*` (decimal 42), and \100 octal is `@`; a name without its dot is absolute.
        guard case .cname(let set, let wildcard) = z.lookup(try DNSName(parsing: "x.apps.corp.example."), type: .A) else {
            Issue.record("no wildcard CNAME"); return
        }
        #expect(wildcard == (try DNSName(parsing: "*.apps.corp.example.")))
        #expect(set.rdatas == [.cname(try DNSName(parsing: "ingress.corp.example."))])
        #expect(z.rrsets(at: try DNSName(parsing: "a\\064b.corp.example.")) != nil)
        guard case .answer(let txt, _) = z.lookup(try DNSName(parsing: "web.corp.example."), type: .TXT) else {
            Issue.record("no TXT"); return
        }
        #expect(txt.rdatas[0].text(type: .TXT) == #""owner=team-a" "env=prod""#)
    }

    @Test func rawPagesAndAnArrayOfThem() throws {
        let page1 = #"{"ResourceRecordSets": [{"Name": "a.corp.example.", "Type": "A", "TTL": 60, "ResourceRecords": [{"Value": "10.0.0.1"}]}], "IsTruncated": true, "MaxItems": "1", "NextRecordName": "b.corp.example.", "NextRecordType": "A"}"#
        let page2 = #"{"ResourceRecordSets": [{"Name": "b.corp.example.", "Type": "A", "TTL": 60, "ResourceRecords": [{"Value": "10.0.0.2"}]}], "IsTruncated": false, "MaxItems": "1"}"#
        let z = try zone("[\(page1), \(page2)]")
        #expect(z.rrsets(at: try DNSName(parsing: "a.corp.example.")) != nil)
        #expect(z.rrsets(at: try DNSName(parsing: "b.corp.example.")) != nil)
        _ = try zone(page1)
    }

    @Test func routedSetsAndAliasesBecomeGroups() throws {
        let z = try zone(#"""
            {"ResourceRecordSets": [
             {"Name": "api.corp.example.", "Type": "A", "SetIdentifier": "blue", "Weight": 1, "TTL": 60, "ResourceRecords": [{"Value": "10.0.1.10"}], "HealthCheckId": "hc-1"},
             {"Name": "api.corp.example.", "Type": "A", "SetIdentifier": "green", "Weight": 3, "TTL": 60, "ResourceRecords": [{"Value": "10.0.2.10"}]},
             {"Name": "corp.example.", "Type": "A", "AliasTarget": {"HostedZoneId": "Z1", "DNSName": "api.corp.example.", "EvaluateTargetHealth": true}}
            ]}
            """#)
        let api = z.routedGroups(at: try DNSName(parsing: "api.corp.example."))
        #expect(api.count == 1)
        #expect(api[0].members.map(\.policy) == [.weighted(1), .weighted(3)])
        #expect(api[0].members.map(\.healthCheck) == ["hc-1", nil])
        let apex = z.routedGroups(at: origin)
        #expect(apex.first?.members.first?.content == .alias(AliasTarget(name: try DNSName(parsing: "api.corp.example."), evaluateTargetHealth: true)))
        let unknown = load(#"{"ResourceRecordSets": [{"Name": "api.corp.example.", "Type": "A", "SetIdentifier": "x", "Weight": 1, "TTL": 60, "ResourceRecords": [{"Value": "10.0.1.10"}], "HealthCheckId": "hc-2"}]}"#)
        guard case .failure(let errors) = unknown else { Issue.record("an unknown HealthCheckId loaded"); return }
        #expect(errors.errors.map(\.description) == [
            "corp.json: record set 1 (api.corp.example. A): HealthCheckId \"hc-2\" is not in health_checks (configured: hc-1)"
        ])
    }

    @Test func eachProblemNamesItsRecordSet() {
        let found = errors(#"""
            {"ResourceRecordSets": [
             {"Name": "a.corp.example.", "Type": "A", "ResourceRecords": [{"Value": "10.0.0.1"}]},
             {"Name": "b.corp.example.", "Type": "A", "TTL": 60, "ResourceRecords": [{"Value": "10.0.0.300"}]},
             {"Name": "c.corp.example.", "Type": "A", "SetIdentifier": "x", "Weight": 300, "TTL": 60, "ResourceRecords": [{"Value": "10.0.0.1"}]},
             {"Name": "d.corp.example.", "Type": "CNAME", "SetIdentifier": "m", "MultiValueAnswer": true, "TTL": 60, "ResourceRecords": [{"Value": "x.example."}]},
             {"Name": "e.corp.example.", "Type": "A", "SetIdentifier": "p1", "Failover": "PRIMARY", "TTL": 60, "ResourceRecords": [{"Value": "10.0.0.1"}]},
             {"Name": "e.corp.example.", "Type": "A", "SetIdentifier": "p2", "Failover": "PRIMARY", "TTL": 60, "ResourceRecords": [{"Value": "10.0.0.2"}]},
             {"Name": "f.other.example.", "Type": "A", "TTL": 60, "ResourceRecords": [{"Value": "10.0.0.1"}]},
             {"Type": "A"}
            ]}
            """#)
        #expect(found == [
            "corp.json: record set 1 (a.corp.example. A): no TTL, and no AliasTarget (a record set without a TTL is an alias)",
            "corp.json: record set 2 (b.corp.example. A): ResourceRecords[0] \"10.0.0.300\": expected an IPv4 address, found \"10.0.0.300\" (at octet 1)",
            "corp.json: record set 3 (c.corp.example. A): Weight must be a number from 0 to 255, found 300",
            "corp.json: record set 4 (d.corp.example. CNAME): a multivalue answer record set cannot be of type CNAME",
            "corp.json: record set 6 (e.corp.example. A): a second PRIMARY failover record set for e.corp.example. A",
            "corp.json: record set 7 (f.other.example. A): \"f.other.example.\" is outside the zone \"corp.example.\"",
            "corp.json: record set 8 (A): no \"Name\"",
        ])
    }

    @Test func notJSONOrNotAListing() {
        #expect(errors("{\"ResourceRecordSets\": [\n{\"Name\": }]}").first?.hasPrefix("corp.json:2: not valid JSON") == true)
        #expect(errors(#"{"HostedZones": []}"#) == [
            "corp.json:1: the file holds no \"ResourceRecordSets\" list (expected the output of aws route53 list-resource-record-sets)"
        ])
    }

    @Test func ipBasedLoadsWithAWarning() throws {
        guard case .success(let loaded) = load(#"{"ResourceRecordSets": [{"Name": "a.corp.example.", "Type": "A", "SetIdentifier": "x", "CidrRoutingConfig": {"CollectionId": "c", "LocationName": "*"}, "TTL": 60, "ResourceRecords": [{"Value": "10.0.0.1"}]}]}"#) else {
            Issue.record("did not load"); return
        }
        #expect(loaded.warnings.map(\.description) == [
            "corp.json: record set 1 (a.corp.example. A): IP-based routing (CidrRoutingConfig) is not supported in private zones; the default location \"*\" answers"
        ])
    }

    @Test func originFromTheSOA() {
        let json = #"{"ResourceRecordSets": [{"Name": "corp.example.", "Type": "SOA", "TTL": 900, "ResourceRecords": [{"Value": "ns. h. 1 2 3 4 5"}]}]}"#
        #expect(Route53ZoneFile.origin(ofJSON: Array(json.utf8)) == origin)
    }
}
