// SPDX-License-Identifier: Apache-2.0
import DNSCore

/// Checks parsed records and assembles an immutable `Zone`.
public enum ZoneBuilder {
    /// Route 53's SOA for a hosted zone without one of its own (TTL 900).
    public static func defaultSOA(origin: DNSName) -> RRSet {
        let soa = SOAData(
            mname: try! DNSName(parsing: "ns-1536.awsdns-00.co.uk."),
            rname: try! DNSName(parsing: "awsdns-hostmaster.amazon.com."), serial: 1, refresh: 7200, retry: 900,
            expire: 1_209_600, minimum: 86400)
        return RRSet(name: origin, type: .SOA, ttl: 900, rdatas: [.soa(soa)])
    }

    /// Route 53's four name servers (TTL 172800).
    public static func defaultNS(origin: DNSName) -> RRSet {
        let names = ["ns-1536.awsdns-00.co.uk.", "ns-0.awsdns-00.com.", "ns-1024.awsdns-00.org.", "ns-512.awsdns-00.net."]
        return RRSet(name: origin, type: .NS, ttl: 172_800, rdatas: SmallArray(names.map { .ns(try! DNSName(parsing: $0)) }))
    }

    /// Builds a zone from records already parsed (see `ZoneAssembly`).
    public static func build(origin: DNSName, records: [ParsedRecord]) -> Result<Zone, ZoneFileErrors> {
        var assembly = ZoneAssembly(origin: origin, capacity: records.count + 1)
        for parsed in records { assembly.add(parsed) }
        return assembly.finish()
    }

    /// Reads a zone file and builds its zone: parse errors and validation errors together. Records go
    /// from the parser straight into the zone, one at a time.
    public static func load(file path: String, origin: DNSName, parser: ZoneFileParser = ZoneFileParser())
        -> Result<Zone, ZoneFileErrors>
    {
        var assembly = ZoneAssembly(origin: origin)
        let parseErrors = parser.parse(file: path, origin: origin) { assembly.add($0) }
        let built = assembly.finish()
        if parseErrors.isEmpty { return built }
        var all = parseErrors
        if case .failure(let more) = built { all += more.errors }
        return .failure(.inFileOrder(all))
    }
}

/// A zone being put together record by record. It checks what the records say together and
/// assembles an immutable `Zone`, or reports every problem: data outside the origin, a CNAME beside
/// other data (RFC 1034 §3.6.2, RFC 2181 §10.1), more than one CNAME or SOA, an SOA off the apex.
/// A missing SOA or apex NS set gets the Route 53 defaults. Duplicate records are merged
/// (RFC 2181 §5); an RRset keeps the TTL of its first record (RFC 2181 §5.2).
public struct ZoneAssembly {
    public let origin: DNSName
    private var names: [DNSName] = []
    /// `names[i].wireHash`, kept for the fast path's table (hashing a million names twice adds up).
    private var hashes: [UInt64] = []
    private var nodes: [Zone.Node] = []
    private var index: NameIndex
    private var recordCount = 0
    private var errors: [ZoneFileError] = []
    /// Where the first SOA and each CNAME came from, for messages about them.
    private var firstSOA: ParsedRecord?
    private var firstCNAME: [DNSName: ParsedRecord] = [:]
    /// Where each routed set came from, per group, in the order added.
    private struct RoutedKey: Hashable {
        var node: Int
        var type: RRType
    }
    private var routedSources: [RoutedKey: [ParsedRecord]] = [:]

    public init(origin: DNSName, capacity: Int = 0) {
        self.origin = origin
        names.reserveCapacity(capacity)
        nodes.reserveCapacity(capacity)
        index = NameIndex(capacity: capacity)
        _ = slot(origin)
    }

    /// The index of `name`'s node, and whether it was just made (empty). One hash of the name.
    private mutating func slot(_ name: DNSName) -> (at: Int, isNew: Bool) {
        let hash = name.wireHash
        if let at = index.find(name, hash: hash, in: names) { return (at, false) }
        index.insert(hash: hash, position: names.count)
        names.append(name)
        hashes.append(hash)
        nodes.append(Zone.Node())
        return (names.count - 1, true)
    }

    private mutating func error(_ parsed: ParsedRecord, _ message: String) {
        errors.append(parsed.error(message))
    }

    public mutating func add(_ parsed: ParsedRecord) {
        let rr = parsed.record
        guard rr.name.isSubdomain(of: origin) else {
            error(parsed, "\"\(rr.name.text)\" is outside the zone \"\(origin.text)\"")
            return
        }
        if rr.type == .SOA {
            if rr.name != origin {
                error(parsed, "SOA record at \"\(rr.name.text)\"; it belongs at the zone apex \"\(origin.text)\"")
                return
            }
            if let first = firstSOA {
                error(parsed, "second SOA record; the first is at \(first.location)")
                return
            }
            firstSOA = parsed
        }
        if rr.type == .CNAME {
            if let first = firstCNAME[rr.name] {
                if first.record.rdata != rr.rdata {
                    error(parsed, "second CNAME at \"\(rr.name.text)\"; the first is at \(first.location)")
                }
                return
            }
            firstCNAME[rr.name] = parsed
        }
        let (at, isNew) = slot(rr.name)
        if nodes[at].rrsets.add(rr) { recordCount += 1 }
        if isNew { addAncestors(of: rr.name) }
    }

    /// Adds a record set chosen per query (a routing policy's, or an alias) to the group of its name
    /// and type. `source` locates it in messages; its record is any one of the set's. What the sets of
    /// a group must agree on is checked when the zone is finished.
    public mutating func add(_ set: RoutedRecordSet, type: RRType, source: ParsedRecord) {
        let name = source.record.name
        guard name.isSubdomain(of: origin) else {
            error(source, "\"\(name.text)\" is outside the zone \"\(origin.text)\"")
            return
        }
        let (at, isNew) = slot(name)
        if let g = nodes[at].routed.firstIndex(where: { $0.type == type }) {
            nodes[at].routed[g].members.append(set)
        } else {
            nodes[at].routed.append(RoutedGroup(type: type, members: [set]))
        }
        routedSources[RoutedKey(node: at, type: type), default: []].append(source)
        if case .records(let records) = set.content { recordCount += records.rdatas.count } else { recordCount += 1 }
        if isNew { addAncestors(of: name) }
    }

    /// Sets a whole RRset the daemon synthesised (consistent by construction), replacing any of its type.
    mutating func put(_ set: RRSet) {
        let (at, isNew) = slot(set.name)
        recordCount += set.rdatas.count - (nodes[at].rrsets[set.type]?.rdatas.count ?? 0)
        nodes[at].rrsets[set.type] = set
        if isNew { addAncestors(of: set.name) }
    }

    /// Every name between a new one and the apex exists, at least as an empty non-terminal (a child
    /// of the apex has none to add).
    private mutating func addAncestors(of name: DNSName) {
        // More than one label below the apex: the octets past the origin's are more than the first label's.
        guard name.wire.count - origin.wire.count > 1 + Int(name.wire[0]) else { return }
        var ancestor = name.parent
        while let a = ancestor, a.isSubdomain(of: origin), slot(a).isNew {
            ancestor = a.parent
        }
    }

    /// The zone of `put` RRsets, with Route 53's default SOA for negative answers; with `apexData`
    /// that SOA and the default NS are also records at the apex.
    consuming func synthesizedZone(apexData: Bool) -> Zone {
        let soa = ZoneBuilder.defaultSOA(origin: origin)
        if apexData {
            put(soa)
            put(ZoneBuilder.defaultNS(origin: origin))
        }
        return Zone(
            origin: origin, soa: soa, names: names, hashes: hashes, nodes: nodes, index: index, cuts: [:],
            recordCount: recordCount)
    }

    public consuming func finish() -> Result<Zone, ZoneFileErrors> {
        // RFC 1034 §3.6.2: a CNAME owner holds no other data (DNSSEC records aside, RFC 4035 §2.5).
        for (name, parsed) in firstCNAME {
            guard let at = index.find(name, in: names) else { continue }
            let others = nodes[at].rrsets.keys.filter { ![.CNAME, .RRSIG, .NSEC].contains($0) }
            if !others.isEmpty {
                let list = others.map(\.description).sorted().joined(separator: ", ")
                error(parsed, "CNAME at \"\(name.text)\" cannot coexist with other data (\(list)) (RFC 1034 §3.6.2)")
            }
            if name == origin, others.isEmpty {
                error(parsed, "CNAME at the zone apex \"\(name.text)\" is not allowed")
            }
        }
        checkRoutedGroups()
        if !errors.isEmpty {
            return .failure(.inFileOrder(errors))
        }
        // The apex is always node 0.
        if nodes[0].rrsets[.SOA] == nil {
            nodes[0].rrsets[.SOA] = ZoneBuilder.defaultSOA(origin: origin)
            recordCount += 1
        }
        if nodes[0].rrsets[.NS] == nil {
            let ns = ZoneBuilder.defaultNS(origin: origin)
            nodes[0].rrsets[.NS] = ns
            recordCount += ns.rdatas.count
        }
        var cuts: [DNSName: RRSet] = [:]
        for at in nodes.indices.dropFirst() {
            if let ns = nodes[at].rrsets[.NS] { cuts[names[at]] = ns }
        }
        return .success(
            Zone(
                origin: origin, soa: nodes[0].rrsets[.SOA]!, names: names, hashes: hashes, nodes: nodes, index: index, cuts: cuts,
                recordCount: recordCount))
    }
}

extension ZoneAssembly {
    /// What Route 53 requires of the record sets sharing a name and type (`route53-semantics.md`
    /// §1.3, §7 items 4, 8): one routing policy, distinct identifiers, at most one primary and one
    /// secondary, no multivalue CNAME, NS or alias, no plain set beside them; and of a routed CNAME
    /// what RFC 1034 §3.6.2 requires of any CNAME.
    private mutating func checkRoutedGroups() {
        for (key, sources) in routedSources.sorted(by: { ($0.key.node, $0.key.type.rawValue) < ($1.key.node, $1.key.type.rawValue) }) {
            guard let group = nodes[key.node].routed.first(where: { $0.type == key.type }) else { continue }
            let name = names[key.node]
            let members = group.members
            if nodes[key.node].rrsets[key.type] != nil {
                error(sources[0], "\(name.text) \(key.type) has both a plain record set and a \(members[0].policy.name) one")
            }
            if members.count > 1 {
                var seen: [String: Int] = [:]
                for (i, member) in members.enumerated() {
                    if member.policy.name != members[0].policy.name {
                        error(sources[i], "a \(member.policy.name) record set cannot share \(name.text) \(key.type) with a \(members[0].policy.name) one")
                    } else if case .simple = member.policy {
                        error(sources[i], "second record set for \(name.text) \(key.type); the first is at \(sources[0].location)")
                    }
                    if let id = member.identifier {
                        if let first = seen[id] {
                            error(sources[i], "SetIdentifier \"\(id)\" is used twice; the first is at \(sources[first].location)")
                        }
                        seen[id] = seen[id] ?? i
                    }
                }
            }
            var primaries: [Int] = []
            var secondaries: [Int] = []
            for (i, member) in members.enumerated() {
                if case .failover(let primary) = member.policy {
                    if primary { primaries.append(i) } else { secondaries.append(i) }
                }
                if case .multivalue = member.policy {
                    if key.type == .CNAME || key.type == .NS {
                        error(sources[i], "a multivalue answer record set cannot be of type \(key.type)")
                    } else if case .alias = member.content {
                        error(sources[i], "a multivalue answer record set cannot be an alias")
                    }
                }
                if case .alias(let target) = member.content, key.type == .CNAME || key.type == .NS || key.type == .SOA {
                    _ = target
                    error(sources[i], "an alias cannot be of type \(key.type)")
                }
            }
            for extra in [primaries, secondaries] where extra.count > 1 {
                error(sources[extra[1]], "a second \(members[extra[1]].policy == .failover(primary: true) ? "PRIMARY" : "SECONDARY") failover record set for \(name.text) \(key.type)")
            }
            // A routed CNAME is a CNAME: alone at its name, never at the apex.
            let node = nodes[key.node]
            let types = node.rrsets.keys + node.routed.map(\.type)
            if key.type == .CNAME {
                let others = types.filter { ![.CNAME, .RRSIG, .NSEC].contains($0) }
                if !others.isEmpty {
                    let list = others.map(\.description).sorted().joined(separator: ", ")
                    error(sources[0], "CNAME at \"\(name.text)\" cannot coexist with other data (\(list)) (RFC 1034 §3.6.2)")
                } else if name == origin {
                    error(sources[0], "CNAME at the zone apex \"\(name.text)\" is not allowed")
                }
            } else if node.rrsets[.CNAME] != nil {
                error(sources[0], "CNAME at \"\(name.text)\" cannot coexist with other data (\(key.type)) (RFC 1034 §3.6.2)")
            }
        }
    }
}

extension ZoneBuilder {
    /// A zone made from records the daemon synthesises (endpoints). Its SOA is Route 53's default;
    /// with `apexData` the SOA and NS are also served as records at the apex, as in a private hosted
    /// zone; without, the SOA only travels in negative answers (a single public name, or a CNAME owner).
    /// A zone the daemon made (consistent by construction): plain RRsets, and routed groups
    /// (`owner`, type, members) chosen per query.
    public static func synthesized(
        origin: DNSName, rrsets: [RRSet], routed: [(owner: DNSName, type: RRType, members: [RoutedRecordSet])] = [],
        apexData: Bool
    ) -> Zone {
        var assembly = ZoneAssembly(origin: origin, capacity: rrsets.count + routed.count + 1)
        for set in rrsets { assembly.put(set) }
        for group in routed {
            for member in group.members {
                guard case .records(let set) = member.content, let first = set.rdatas.first else { continue }
                let record = ResourceRecord(name: group.owner, type: group.type, ttl: set.ttl, rdata: first)
                assembly.add(member, type: group.type, source: ParsedRecord(record: record, file: origin.text, line: 0, column: 0))
            }
        }
        return assembly.synthesizedZone(apexData: apexData)
    }
}
