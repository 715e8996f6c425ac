// SPDX-License-Identifier: Apache-2.0
import DNSCore
import Route53
import Yams

/// Reads a zone's `records:`, record sets written in the configuration for users without Route 53,
/// into Route 53's own shape: the one loader reads them as it reads a `list-resource-record-sets`
/// listing, routing policies and aliases included. Names (`@` the apex) and names in values are
/// relative to the zone's origin unless they end with a dot.
enum ZoneRecordsConfig {
    static func parse(_ node: Node, _ reader: inout YAMLReader, origin: DNSName) -> [RecordSetSource] {
        reader.list(node, "records").compactMap { item in
            recordSet(item, &reader, origin: origin).map { RecordSetSource(value: .object($0), place: .line(reader.line(item))) }
        }
    }

    private static func absolute(_ text: String, origin: DNSName) -> String {
        if text == "@" { return origin.text }
        if text.hasSuffix(".") { return text }
        return origin == .root ? text + "." : text + "." + origin.text
    }

    private static func recordSet(_ node: Node, _ reader: inout YAMLReader, origin: DNSName) -> [String: RecordValue]? {
        var fields: [String: RecordValue] = [:]
        for (key, value, _) in reader.mapping(node, "a record", section: "zones[].records[]") {
            switch key {
            case "name": reader.string(value, "name").map { fields["Name"] = .string(absolute($0, origin: origin)) }
            case "type": reader.string(value, "type").map { fields["Type"] = .string($0.uppercased()) }
            case "ttl": reader.duration(value, ConfigTable.recordTTL).map { fields["TTL"] = .integer(Int($0)) }
            case "values":
                let texts = reader.list(value, "values").compactMap { reader.string($0, "a value") }
                fields["ResourceRecords"] = .list(texts.map { .object(["Value": .string($0)]) })
            case "alias":
                var target: String?
                var evaluate = false
                if case .scalar = value {
                    target = reader.string(value, "alias")
                } else {
                    for (aliasKey, aliasValue, _) in reader.mapping(value, "alias", section: "zones[].records[].alias") {
                        switch aliasKey {
                        case "target": target = reader.string(aliasValue, "target")
                        case "evaluate_target_health": evaluate = reader.bool(aliasValue, "evaluate_target_health") ?? false
                        default: break
                        }
                    }
                }
                guard let target else {
                    reader.error(value, "alias needs a target")
                    continue
                }
                fields["AliasTarget"] = .object([
                    "DNSName": .string(absolute(target, origin: origin)), "HostedZoneId": .string("vpcdnsd"),
                    "EvaluateTargetHealth": .boolean(evaluate),
                ])
            case "set_identifier": reader.string(value, "set_identifier").map { fields["SetIdentifier"] = .string($0) }
            case "weight": reader.int(value, ConfigTable.recordWeight).map { fields["Weight"] = .integer($0) }
            case "failover": reader.choice(value, ConfigTable.recordFailover).map { fields["Failover"] = .string($0.uppercased()) }
            case "multivalue": reader.bool(value, "multivalue").map { fields["MultiValueAnswer"] = .boolean($0) }
            case "region": reader.choice(value, ConfigTable.recordRegion).map { fields["Region"] = .string($0) }
            case "geolocation":
                var location: [String: RecordValue] = [:]
                for (geoKey, geoValue, _) in reader.mapping(value, "geolocation", section: "zones[].records[].geolocation") {
                    let field = ["continent": "ContinentCode", "country": "CountryCode", "subdivision": "SubdivisionCode"][geoKey]
                    if let field, let text = reader.string(geoValue, geoKey) { location[field] = .string(text) }
                }
                fields["GeoLocation"] = .object(location)
            case "health_check": reader.string(value, "health_check").map { fields["HealthCheckId"] = .string($0) }
            default: break
            }
        }
        return fields
    }
}
