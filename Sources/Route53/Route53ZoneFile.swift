// SPDX-License-Identifier: Apache-2.0
import DNSCore
import DNSZone
import Foundation

/// A private hosted zone as `aws route53 list-resource-record-sets` prints it: the CLI's merged
/// output (`{"ResourceRecordSets": [...]}`), one raw page of the API (`IsTruncated`, `MaxItems`…
/// beside it), or a JSON array of such pages (`route53-semantics.md` §1.1, §7 items 1–2, 8).
public enum Route53ZoneFile {
    /// A loaded zone and what the daemon must know beside it.
    public struct Loaded: Sendable {
        public var zone: Zone
        /// Problems that did not stop the load (IP-based routing, which private zones ignore).
        public var warnings: [ZoneFileError]
    }

    /// Reads and loads `path`; every problem at once, each as `file: record set N (name type): message`.
    /// A `HealthCheckId` outside `healthChecks` (the configured ones) is one of them.
    public static func load(file path: String, origin: DNSName, healthChecks: Set<String> = []) -> Result<Loaded, ZoneFileErrors> {
        let bytes: [UInt8]
        do {
            bytes = try readWholeFile(path)
        } catch {
            return .failure(ZoneFileErrors([ZoneFileError(file: path, line: 0, column: 0, message: "cannot read: \(error.reason)")]))
        }
        return load(json: bytes, file: path, origin: origin, healthChecks: healthChecks)
    }

    /// Loads a zone from JSON text (`file` names it in messages).
    public static func load(
        json bytes: [UInt8], file: String, origin: DNSName, healthChecks: Set<String> = []
    ) -> Result<Loaded, ZoneFileErrors> {
        switch recordSets(bytes, file: file) {
        case .failure(let error):
            return .failure(ZoneFileErrors([error]))
        case .success(let sets):
            let sources = sets.enumerated().map { RecordSetSource(value: $1, place: .recordSet($0 + 1)) }
            return load(recordSets: sources, file: file, origin: origin, valueOrigin: .root, healthChecks: healthChecks)
        }
    }

    /// Loads record sets in Route 53's shape from wherever they were read (`file` names it in
    /// messages); relative names in values are relative to `valueOrigin`.
    /// - Parameter unknownHealthCheckIsError: false for zones synced from Route 53, whose health
    ///   checks live in AWS: a `HealthCheckId` not configured is then a warning, and no check.
    public static func load(
        recordSets: [RecordSetSource], file: String, origin: DNSName, valueOrigin: DNSName, healthChecks: Set<String> = [],
        unknownHealthCheckIsError: Bool = true
    ) -> Result<Loaded, ZoneFileErrors> {
        var reader = RecordSetReader(
            file: file, origin: origin, valueOrigin: valueOrigin, healthChecks: healthChecks,
            unknownHealthCheckIsError: unknownHealthCheckIsError, capacity: recordSets.count)
        for source in recordSets { reader.read(source) }
        return reader.finish()
    }

    /// The zone's apex, when the file does not say it elsewhere: the name of its SOA record set.
    public static func origin(ofJSON bytes: [UInt8]) -> DNSName? {
        guard case .success(let sets) = recordSets(bytes, file: "") else { return nil }
        for set in sets where set["Type"]?.string == "SOA" {
            if let name = set["Name"]?.string, let parsed = try? DNSName(parsing: presentation(name)) { return parsed }
        }
        return nil
    }

    /// The record sets of every page, in order.
    static func recordSets(_ bytes: [UInt8], file: String) -> Result<[RecordValue], ZoneFileError> {
        let top: RecordValue
        switch RecordValue.parse(json: bytes) {
        case .failure(let error):
            return .failure(ZoneFileError(file: file, line: error.line, column: 0, message: "not valid JSON: \(error.message)"))
        case .success(let value): top = value
        }
        let pages = top.list ?? [top]
        var sets: [RecordValue] = []
        for (index, page) in pages.enumerated() {
            guard let list = page["ResourceRecordSets"]?.list else {
                let which = pages.count > 1 ? "page \(index + 1) holds" : "the file holds"
                return .failure(
                    ZoneFileError(
                        file: file, line: 1, column: 0,
                        message: "\(which) no \"ResourceRecordSets\" list (expected the output of aws route53 list-resource-record-sets)"))
            }
            sets += list
        }
        return .success(sets)
    }

    /// Route 53 names are always absolute; the CLI ends them with a dot, people may not.
    static func absolute(_ name: String) -> String { name.hasSuffix(".") ? name : name + "." }

    /// A Route 53 name in the presentation form `DNSName` reads. Route 53 writes each octet outside
    /// `a-z 0-9 - _` as a backslash and three **octal** digits (`\052` is `*`), where RFC 1035's
    /// `\DDD` is decimal: each such escape becomes its decimal form (AD `DomainNameFormat.md`).
    public static func presentation(_ name: String) -> String {
        let octets = Array(absolute(name).utf8)
        var out: [UInt8] = []
        out.reserveCapacity(octets.count)
        var i = 0
        func octal(_ c: UInt8) -> Int? { (UInt8(ascii: "0")...UInt8(ascii: "7")).contains(c) ? Int(c - UInt8(ascii: "0")) : nil }
        while i < octets.count {
            if octets[i] == UInt8(ascii: "\\"), i + 3 < octets.count, let a = octal(octets[i + 1]), let b = octal(octets[i + 2]),
                let c = octal(octets[i + 3])
            {
                let value = a * 64 + b * 8 + c
                out += Array("\\\(value < 100 ? "0" : "")\(value < 10 ? "0" : "")\(value)".utf8)
                i += 4
            } else {
                out.append(octets[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
