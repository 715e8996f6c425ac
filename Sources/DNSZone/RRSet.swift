// SPDX-License-Identifier: Apache-2.0
import DNSCore

/// The records of one (owner, type), sharing one TTL (RFC 2181 §5).
public struct RRSet: Hashable, Sendable {
    public var name: DNSName
    public var type: RRType
    public var ttl: UInt32
    /// The records' data; nearly every RRset holds one, kept inline.
    public var rdatas: SmallArray<RData>

    public init(name: DNSName, type: RRType, ttl: UInt32, rdatas: SmallArray<RData>) {
        self.name = name
        self.type = type
        self.ttl = ttl
        self.rdatas = rdatas
    }

    /// The set as individual records, class IN.
    public var records: [ResourceRecord] {
        rdatas.map { ResourceRecord(name: name, type: type, rrClass: .IN, ttl: ttl, rdata: $0) }
    }

    /// The same data under another owner (wildcard synthesis, RFC 4592 §3.3.1).
    public func renamed(_ owner: DNSName) -> RRSet {
        RRSet(name: owner, type: type, ttl: ttl, rdatas: rdatas)
    }
}
