// SPDX-License-Identifier: Apache-2.0
import DNSCore
import DNSZone

/// Turns Route 53 record sets into a zone, one at a time, collecting every problem.
struct RecordSetReader {
    let file: String
    let origin: DNSName
    /// What relative names in values are relative to: the root for Route 53's JSON (it takes every
    /// name as absolute), the origin for the daemon's YAML records.
    let valueOrigin: DNSName
    private var assembly: ZoneAssembly
    private var errors: [ZoneFileError] = []
    private var warnings: [ZoneFileError] = []
    /// The configured health checks, which a `HealthCheckId` must name.
    let healthChecks: Set<String>
    /// A `HealthCheckId` outside `healthChecks` is an error (files a user wrote), or a warning and
    /// a record set without a check (zones synced from Route 53, whose checks live in AWS).
    let unknownHealthCheckIsError: Bool

    init(
        file: String, origin: DNSName, valueOrigin: DNSName = .root, healthChecks: Set<String>,
        unknownHealthCheckIsError: Bool = true, capacity: Int
    ) {
        self.unknownHealthCheckIsError = unknownHealthCheckIsError
        self.file = file
        self.origin = origin
        self.valueOrigin = valueOrigin
        self.healthChecks = healthChecks
        assembly = ZoneAssembly(origin: origin, capacity: capacity + 1)
    }

    /// Why a record set cannot load.
    private struct Problem: Error {
        var message: String
    }

    mutating func read(_ source: RecordSetSource) {
        let object = source.value.object
        let nameText = object?["Name"]?.string
        let typeText = object?["Type"]?.string
        let number: Int
        let place: String?
        switch source.place {
        case .recordSet(let n):
            // `record set 3 (www.corp. A)`: as much of it as the set has.
            let label = [nameText, typeText].compactMap { $0 }.joined(separator: " ")
            number = n
            place = "record set \(n)" + (label.isEmpty ? "" : " (\(label))")
        case .line(let line):
            number = line
            place = nil
        }
        let file = self.file
        let located = { (message: String) in ZoneFileError(file: file, line: number, column: 0, place: place, message: message) }
        do {
            guard let object else { throw Problem(message: "expected an object") }
            try read(object, nameText: nameText, typeText: typeText, number: number, place: place, located: located)
        } catch let problem as Problem {
            errors.append(located(problem.message))
        } catch {
            errors.append(located("\(error)"))
        }
    }

    private mutating func read(
        _ object: [String: RecordValue], nameText: String?, typeText: String?, number: Int, place: String?,
        located: (String) -> ZoneFileError
    ) throws {
        guard let nameText else { throw Problem(message: "no \"Name\"") }
        guard let typeText else { throw Problem(message: "no \"Type\"") }
        let name: DNSName
        do {
            // JSON has decoded its own escapes; Route 53's octal ones remain (`\052` is `*`).
            name = try DNSName(parsing: Route53ZoneFile.presentation(nameText))
        } catch {
            throw Problem(message: "bad Name \"\(nameText)\": \(error)")
        }
        guard let type = RRType(mnemonic: typeText), type.rawValue != 0 else { throw Problem(message: "unknown Type \"\(typeText)\"") }
        let file = self.file
        let source = { (record: ResourceRecord) in ParsedRecord(record: record, file: file, line: number, column: 0, place: place) }

        let ttl = try optionalTTL(object["TTL"])
        let alias = try aliasTarget(object["AliasTarget"])
        let values = try resourceRecords(object["ResourceRecords"], type: type)
        if alias != nil {
            // A TTL beside an alias means nothing: it answers with its target's (moto lists TTL 0).
            if !values.isEmpty { throw Problem(message: "an alias has no ResourceRecords") }
        } else {
            if ttl == nil { throw Problem(message: "no TTL, and no AliasTarget (a record set without a TTL is an alias)") }
            if values.isEmpty { throw Problem(message: "no ResourceRecords") }
        }
        let policy = try self.policy(object)
        let identifier = object["SetIdentifier"]?.string
        if object["SetIdentifier"] != nil, identifier == nil { throw Problem(message: "SetIdentifier is not a string") }
        if identifier == nil, policy != .simple {
            throw Problem(message: "a \(policy.name) record set needs a SetIdentifier")
        }
        if identifier != nil, policy == .simple {
            throw Problem(message: "SetIdentifier without a routing policy (Weight, Failover, MultiValueAnswer, Region, GeoLocation…)")
        }
        var healthCheck = object["HealthCheckId"]?.string
        if object["HealthCheckId"] != nil, healthCheck == nil { throw Problem(message: "HealthCheckId is not a string") }
        if let id = healthCheck, !healthChecks.contains(id) {
            let known = healthChecks.sorted()
            let message = "HealthCheckId \"\(id)\" is not in health_checks"
                + (known.isEmpty ? " (none is configured)" : " (configured: \(known.joined(separator: ", ")))")
            guard !unknownHealthCheckIsError else { throw Problem(message: message) }
            warnings.append(located(message + "; the record set counts as having no health check"))
            healthCheck = nil
        }
        if case .ipBased = policy {
            warnings.append(located("IP-based routing (CidrRoutingConfig) is not supported in private zones; the default location \"*\" answers"))
        }

        if alias == nil, policy == .simple {
            for rdata in values {
                assembly.add(source(ResourceRecord(name: name, type: type, ttl: ttl!, rdata: rdata)))
            }
            return
        }
        let content: RoutedRecordSet.Content
        if let alias {
            content = .alias(alias)
        } else {
            content = .records(RRSet(name: name, type: type, ttl: ttl!, rdatas: SmallArray(values)))
        }
        let placeholder = ResourceRecord(name: name, type: type, ttl: ttl ?? 0, rdata: values.first ?? .unknown([]))
        assembly.add(
            RoutedRecordSet(identifier: identifier, policy: policy, healthCheck: healthCheck, content: content), type: type,
            source: source(placeholder))
    }

    /// `TTL`: 0–2147483647 (RFC 2181 §8).
    private func optionalTTL(_ value: RecordValue?) throws -> UInt32? {
        guard let value else { return nil }
        guard let number = value.integer, (0...Int(Int32.max)).contains(number) else {
            throw Problem(message: "TTL must be a number from 0 to 2147483647, found \(value.text)")
        }
        return UInt32(number)
    }

    private func aliasTarget(_ value: RecordValue?) throws -> AliasTarget? {
        guard let value else { return nil }
        guard let object = value.object else { throw Problem(message: "AliasTarget is not an object") }
        guard let text = object["DNSName"]?.string else { throw Problem(message: "AliasTarget has no DNSName") }
        guard let name = try? DNSName(parsing: Route53ZoneFile.presentation(text)) else {
            throw Problem(message: "bad AliasTarget DNSName \"\(text)\"")
        }
        if object["HostedZoneId"] == nil { throw Problem(message: "AliasTarget has no HostedZoneId") }
        guard let evaluate = object["EvaluateTargetHealth"]?.boolean else {
            throw Problem(message: "AliasTarget needs EvaluateTargetHealth, true or false")
        }
        return AliasTarget(name: name, evaluateTargetHealth: evaluate)
    }

    /// The values, each read as a zone file's data would be; names in them are absolute, as
    /// Route 53 takes them.
    private func resourceRecords(_ value: RecordValue?, type: RRType) throws -> [RData] {
        guard let value else { return [] }
        guard let list = value.list else { throw Problem(message: "ResourceRecords is not a list") }
        var rdatas: [RData] = []
        for (index, item) in list.enumerated() {
            guard let text = item["Value"]?.string else {
                throw Problem(message: "ResourceRecords[\(index)] has no \"Value\" string")
            }
            switch RDataText.parse(text, type: type, origin: valueOrigin) {
            case .success(let rdata): rdatas.append(rdata)
            case .failure(let error): throw Problem(message: "ResourceRecords[\(index)] \"\(text)\": \(error)")
            }
        }
        return rdatas
    }

    /// The routing policy the set's fields say; two of them at once is an error.
    private func policy(_ object: [String: RecordValue]) throws -> RoutedRecordSet.Policy {
        var found: [RoutedRecordSet.Policy] = []
        if let value = object["Weight"] {
            guard let weight = value.integer, (0...255).contains(weight) else {
                throw Problem(message: "Weight must be a number from 0 to 255, found \(value.text)")
            }
            found.append(.weighted(UInt8(weight)))
        }
        if let value = object["Failover"] {
            guard let text = value.string, ["PRIMARY", "SECONDARY"].contains(text) else {
                throw Problem(message: "Failover must be PRIMARY or SECONDARY, found \(value.text)")
            }
            found.append(.failover(primary: text == "PRIMARY"))
        }
        if let value = object["MultiValueAnswer"] {
            guard let flag = value.boolean else { throw Problem(message: "MultiValueAnswer must be true or false") }
            if flag { found.append(.multivalue) }
        }
        if let value = object["Region"] {
            guard let region = value.string, !region.isEmpty else { throw Problem(message: "Region must be a Region name") }
            found.append(.latency(region: region))
        }
        if let value = object["GeoLocation"] {
            guard let geo = value.object else { throw Problem(message: "GeoLocation is not an object") }
            let location = GeoLocation(
                continent: geo["ContinentCode"]?.string, country: geo["CountryCode"]?.string,
                subdivision: geo["SubdivisionCode"]?.string)
            if location.continent == nil && location.country == nil {
                throw Problem(message: "GeoLocation needs a ContinentCode or a CountryCode")
            }
            found.append(.geolocation(location))
        }
        if let value = object["GeoProximityLocation"] {
            guard let geo = value.object else { throw Problem(message: "GeoProximityLocation is not an object") }
            let coordinates = geo["Coordinates"]
            let place = GeoProximity(
                region: geo["AWSRegion"]?.string ?? geo["LocalZoneGroup"]?.string, latitude: coordinates?["Latitude"]?.double,
                longitude: coordinates?["Longitude"]?.double, bias: geo["Bias"]?.integer ?? 0)
            if place.region == nil && (place.latitude == nil || place.longitude == nil) {
                throw Problem(message: "GeoProximityLocation needs an AWSRegion, a LocalZoneGroup or Coordinates")
            }
            guard (-99...99).contains(place.bias) else { throw Problem(message: "Bias must be from -99 to 99") }
            found.append(.geoproximity(place))
        }
        if let value = object["CidrRoutingConfig"] {
            guard let location = value["LocationName"]?.string else {
                throw Problem(message: "CidrRoutingConfig needs a LocationName")
            }
            found.append(.ipBased(location: location))
        }
        guard found.count <= 1 else {
            throw Problem(message: "more than one routing policy: " + found.map(\.name).joined(separator: " and "))
        }
        return found.first ?? .simple
    }

    consuming func finish() -> Result<Route53ZoneFile.Loaded, ZoneFileErrors> {
        let built = assembly.finish()
        var all = errors
        if case .failure(let more) = built { all += more.errors }
        if !all.isEmpty {
            return .failure(ZoneFileErrors(all.sorted { ($0.line, $0.message) < ($1.line, $1.message) }))
        }
        guard case .success(let zone) = built else { preconditionFailure() }
        return .success(Route53ZoneFile.Loaded(zone: zone, warnings: warnings))
    }
}
