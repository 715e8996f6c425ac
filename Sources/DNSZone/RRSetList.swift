// SPDX-License-Identifier: Apache-2.0
import DNSCore

/// The RRsets of one name, kept as a small array in type order: a name rarely owns more than a few
/// types, and an array costs one allocation where a dictionary costs several.
struct RRSetList: Sendable {
    private(set) var values: [RRSet] = []

    var isEmpty: Bool { values.isEmpty }
    var keys: [RRType] { values.map(\.type) }

    subscript(type: RRType) -> RRSet? {
        get {
            for set in values where set.type == type { return set }
            return nil
        }
        set {
            if let index = values.firstIndex(where: { $0.type == type }) {
                if let newValue { values[index] = newValue } else { values.remove(at: index) }
            } else if let newValue {
                let at = values.firstIndex { $0.type.rawValue > type.rawValue } ?? values.endIndex
                values.insert(newValue, at: at)
            }
        }
    }

    /// Adds a record to its RRset, making the RRset if needed; a duplicate is dropped (RFC 2181 §5)
    /// and the RRset keeps the TTL of its first record (RFC 2181 §5.2). Returns whether it was added.
    @discardableResult
    mutating func add(_ record: ResourceRecord) -> Bool {
        if let index = values.firstIndex(where: { $0.type == record.type }) {
            if values[index].rdatas.contains(record.rdata) { return false }
            values[index].rdatas.append(record.rdata)
            return true
        }
        let set = RRSet(name: record.name, type: record.type, ttl: record.ttl, rdatas: [record.rdata])
        if values.isEmpty {
            values = [set]  // most names own one type: a literal skips the general insert
            return true
        }
        let at = values.firstIndex { $0.type.rawValue > record.type.rawValue } ?? values.endIndex
        values.insert(set, at: at)
        return true
    }
}
