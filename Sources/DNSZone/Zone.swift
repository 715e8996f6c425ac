// SPDX-License-Identifier: Apache-2.0
import DNSCore

/// One zone's data, immutable once built: shared across threads without locks; a reload builds a
/// new one.
public final class Zone: Sendable {
    /// The names a zone holds: an RRset per type; none for an empty non-terminal.
    struct Node: Sendable {
        var rrsets = RRSetList()
        /// Record sets chosen per query (routing policies, aliases), one group per type; almost
        /// always empty.
        var routed: [RoutedGroup] = []
    }

    public let origin: DNSName
    /// The SOA at the apex (from the file, or the Route 53 default).
    public let soa: RRSet
    /// Names and their nodes in the order they were first met (for a file, roughly the order their
    /// memory was allocated in, so a walk over every name reads memory in order), and where each is.
    let names: [DNSName]
    /// `names[i].wireHash`.
    let hashes: [UInt64]
    let nodes: [Node]
    let index: NameIndex
    /// Zone cuts below the apex: owner → NS RRset.
    let cuts: [DNSName: RRSet]
    /// Records held.
    public let recordCount: Int

    init(
        origin: DNSName, soa: RRSet, names: [DNSName], hashes: [UInt64], nodes: [Node], index: NameIndex,
        cuts: [DNSName: RRSet], recordCount: Int
    ) {
        precondition(hashes.count == names.count)
        self.origin = origin
        self.soa = soa
        self.names = names
        self.hashes = hashes
        self.nodes = nodes
        self.index = index
        self.cuts = cuts
        self.recordCount = recordCount
    }

    /// The node of `name` exactly.
    func node(_ name: DNSName) -> Node? {
        guard let at = index.find(name, in: names) else { return nil }
        return nodes[at]
    }

    /// The SOA's data.
    public var soaData: SOAData {
        guard case .soa(let data) = soa.rdatas[0] else { preconditionFailure("zone SOA RRset holds no SOA") }
        return data
    }

    /// TTL of negative answers: min(SOA TTL, SOA MINIMUM) (RFC 2308 §3, §5).
    public var negativeTTL: UInt32 { min(soa.ttl, soaData.minimum) }

    /// Every record, in canonical order (RFC 4034 §6.1) of owner, then by type number.
    public var records: [ResourceRecord] {
        names.indices.sorted { names[$0] < names[$1] }.flatMap { nodes[$0].rrsets.flatMap(\.records) }
    }

    /// Calls `body` with every name the zone holds (empty non-terminals too), its `wireHash`, its
    /// RRsets in type order (shared with the zone, not copied), and whether it has routed groups.
    public func forEachName(_ body: (DNSName, UInt64, RRSetList, Bool) -> Void) {
        for at in names.indices { body(names[at], hashes[at], nodes[at].rrsets, !nodes[at].routed.isEmpty) }
    }

    /// Names held, empty non-terminals included.
    public var nameCount: Int { nodes.count }

    /// True when the zone delegates names below its apex (NS records off the apex).
    public var hasDelegations: Bool { !cuts.isEmpty }

    /// The routed groups at `name` exactly (no wildcard).
    public func routedGroups(at name: DNSName) -> [RoutedGroup] {
        node(name)?.routed ?? []
    }

    /// Every RRset at `name` exactly (no wildcard), or nil when the name does not exist.
    public func rrsets(at name: DNSName) -> RRSetList? {
        node(name)?.rrsets
    }

    /// Looks up (name, type) per RFC 1034 §4.3.2 with RFC 4592 wildcards.
    public func lookup(_ name: DNSName, type: RRType) -> ZoneLookupResult {
        guard name.isSubdomain(of: origin) else { return .notInZone }
        if !cuts.isEmpty, let cut = highestCut(above: name, type: type) {
            return .delegation(cut)
        }
        if let node = node(name) {
            return resolve(node, owner: name, type: type, wildcard: nil)
        }
        // RFC 4592 §3.3.1: find the closest encloser, then try its wildcard child.
        var candidate = name.parent
        while let encloser = candidate, index.find(encloser, in: names) == nil {
            candidate = encloser.parent
        }
        if let encloser = candidate, let wildcard = encloser.wildcard, let node = node(wildcard) {
            return resolve(node, owner: name, type: type, wildcard: wildcard)
        }
        return .nameError
    }

    private func resolve(_ node: Node, owner: DNSName, type: RRType, wildcard: DNSName?) -> ZoneLookupResult {
        if !node.routed.isEmpty,
            let group = node.routed.first(where: { $0.type == type || $0.type == .CNAME || (type == .ANY && node.rrsets.isEmpty) })
        {
            return .routed(wildcard == nil ? group : group.renamed(owner), wildcard: wildcard)
        }
        if node.rrsets.isEmpty {
            return .noData(wildcard: wildcard, emptyNonTerminal: node.routed.isEmpty)
        }
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
