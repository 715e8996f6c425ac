// SPDX-License-Identifier: Apache-2.0
import DNSCore

/// The RRsets of one name, in type order. Most names own a single type, so the list keeps its first
/// RRset inline (`SmallArray`).
public struct RRSetList: RandomAccessCollection, Sendable {
    private var sets: SmallArray<RRSet> = []

    public init() {}

    public var startIndex: Int { 0 }
    public var endIndex: Int { sets.endIndex }
    public subscript(position: Int) -> RRSet { sets[position] }

    var keys: [RRType] { map(\.type) }

    /// Where the RRset of `type` is, or nil.
    private func position(of type: RRType) -> Int? {
        sets.firstIndex { $0.type == type }
    }

    /// Where an RRset of `type` (not held) belongs in type order.
    private func insertionPoint(for type: RRType) -> Int {
        sets.firstIndex { $0.type.rawValue > type.rawValue } ?? sets.endIndex
    }

    subscript(type: RRType) -> RRSet? {
        get { position(of: type).map { sets[$0] } }
        set {
            if let at = position(of: type) {
                if let newValue { sets[at] = newValue } else { sets.remove(at: at) }
            } else if let newValue {
                sets.insert(newValue, at: insertionPoint(for: type))
            }
        }
    }

    /// Adds a record to its RRset, making the RRset if needed; a duplicate is dropped (RFC 2181 §5)
    /// and the RRset keeps the TTL of its first record (RFC 2181 §5.2). Returns whether it was added.
    @discardableResult
    mutating func add(_ record: ResourceRecord) -> Bool {
        guard let at = position(of: record.type) else {
            let set = RRSet(name: record.name, type: record.type, ttl: record.ttl, rdatas: [record.rdata])
            sets.insert(set, at: insertionPoint(for: record.type))
            return true
        }
        if sets[at].rdatas.contains(record.rdata) { return false }
        sets[at].rdatas.append(record.rdata)
        return true
    }
}
