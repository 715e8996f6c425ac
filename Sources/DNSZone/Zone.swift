// SPDX-License-Identifier: Apache-2.0
import DNSCore

/// One zone's data, immutable once built: shared across threads without locks; a reload builds a
/// new one.
public final class Zone: Sendable {
    /// The names a zone holds: an RRset per type; none for an empty non-terminal.
    struct Node: Sendable {
        var rrsets = RRSetList()
    }

    public let origin: DNSName
    /// The SOA at the apex (from the file, or the Route 53 default).
    public let soa: RRSet
    let nodes: [DNSName: Node]
    /// Zone cuts below the apex: owner → NS RRset.
    let cuts: [DNSName: RRSet]

    init(origin: DNSName, soa: RRSet, nodes: [DNSName: Node], cuts: [DNSName: RRSet]) {
        self.origin = origin
        self.soa = soa
        self.nodes = nodes
        self.cuts = cuts
    }

    /// The SOA's data.
    public var soaData: SOAData {
        guard case .soa(let data) = soa.rdatas[0] else { preconditionFailure("zone SOA RRset holds no SOA") }
        return data
    }

    /// TTL of negative answers: min(SOA TTL, SOA MINIMUM) (RFC 2308 §3, §5).
    public var negativeTTL: UInt32 { min(soa.ttl, soaData.minimum) }

    /// Number of records held.
    public var recordCount: Int { nodes.values.reduce(0) { $0 + $1.rrsets.values.reduce(0) { $0 + $1.rdatas.count } } }

    /// Every record, in canonical order (RFC 4034 §6.1) of owner, then by type number.
    public var records: [ResourceRecord] {
        nodes.keys.sorted().flatMap { name in
            nodes[name]!.rrsets.values.flatMap(\.records)
        }
    }

    /// Calls `body` with every name the zone holds (empty non-terminals too) and its RRsets in type
    /// order; the arrays are shared with the zone, not copied.
    public func forEachName(_ body: (DNSName, [RRSet]) -> Void) {
        for (name, node) in nodes { body(name, node.rrsets.values) }
    }

    /// Names held, empty non-terminals included.
    public var nameCount: Int { nodes.count }

    /// True when the zone delegates names below its apex (NS records off the apex).
    public var hasDelegations: Bool { !cuts.isEmpty }

    /// Every RRset at `name` exactly (no wildcard), or nil when the name does not exist.
    public func rrsets(at name: DNSName) -> [RRSet]? {
        nodes[name].map { $0.rrsets.values }
    }

    /// Looks up (name, type) per RFC 1034 §4.3.2 with RFC 4592 wildcards.
    public func lookup(_ name: DNSName, type: RRType) -> ZoneLookupResult {
        guard name.isSubdomain(of: origin) else { return .notInZone }
        if !cuts.isEmpty, let cut = highestCut(above: name, type: type) {
            return .delegation(cut)
        }
        if let node = nodes[name] {
            return resolve(node, owner: name, type: type, wildcard: nil)
        }
        // RFC 4592 §3.3.1: find the closest encloser, then try its wildcard child.
        var candidate = name.parent
        while let encloser = candidate, nodes[encloser] == nil {
            candidate = encloser.parent
        }
        if let encloser = candidate, let wildcard = encloser.wildcard, let node = nodes[wildcard] {
            return resolve(node, owner: name, type: type, wildcard: wildcard)
        }
        return .nameError
    }

    private func resolve(_ node: Node, owner: DNSName, type: RRType, wildcard: DNSName?) -> ZoneLookupResult {
        if node.rrsets.isEmpty { return .noData(wildcard: wildcard, emptyNonTerminal: true) }
        if let set = node.rrsets[type] { return .answer(wildcard == nil ? set : set.renamed(owner), wildcard: wildcard) }
        if let cname = node.rrsets[.CNAME] {
            return .cname(wildcard == nil ? cname : cname.renamed(owner), wildcard: wildcard)
        }
        return .noData(wildcard: wildcard, emptyNonTerminal: false)
    }

    /// The cut nearest the apex at or above `name` (a DS query at the cut itself belongs to the parent,
    /// RFC 4035 §3.1.4.1).
    private func highestCut(above name: DNSName, type: RRType) -> RRSet? {
        var found: RRSet?
        var current: DNSName? = name
        while let n = current, n != origin {
            if let set = cuts[n], !(n == name && type == .DS) { found = set }
            current = n.parent
        }
        return found
    }
}
