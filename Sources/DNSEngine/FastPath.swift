// SPDX-License-Identifier: Apache-2.0
import DNSCore
import DNSZone

/// The per-snapshot tables behind the allocation-free path: every private name, zone apex and
/// rule domain in one `WireNameTable`, looked up straight from a query's bytes. `route` (Router.swift)
/// decides where a query goes from them; `writeZoneAnswer` (FastPath+Answer.swift) writes the common
/// private answers (A and AAAA, wildcards, NODATA, NXDOMAIN) straight into the send buffer: no
/// `Message`, no `DNSName`, no allocation. Anything else goes to the general path, which gives the
/// same answer (the tests compare the two).
public final class FastPath: Sendable {
    /// Per zone, plain data.
    struct ZoneInfo: Sendable, BitwiseCopyable {
        /// The SOA record for negative answers, after its owner (type, class, TTL, RDLENGTH, RDATA),
        /// at `tails[tailStart..<tailStart + tailLength]`.
        var tailStart: Int32
        var tailLength: Int32
        var strictNXDomain: Bool
        var fallThrough: Bool
        var hasCuts: Bool
        var isEndpoint: Bool
    }

    /// A forwarding rule at a name.
    enum RuleMark: UInt8, Sendable, BitwiseCopyable {
        case none, forward, system
    }

    /// Per name, plain data: a lookup retains nothing.
    struct NodeInfo: Sendable, BitwiseCopyable {
        /// Index into `zones`; nil for an entry that only marks a forwarding rule.
        var zone: Int32?
        var isApex: Bool
        /// Record of `*.<this name>` in the same zone (`WireNameTable` offset).
        var wildcard: Int32?
        var rule: RuleMark
        /// A forward rule's upstreams: index into `groups`.
        var group: Int32?
        /// Answered by the general path only: a CNAME, or record sets chosen per query (routing
        /// policies, aliases).
        var generalOnly: Bool
        /// Owns a type other than A, AAAA and CNAME.
        var hasOther: Bool
        /// The A records' addresses open the record's payload, 4 octets each; the AAAA records'
        /// follow, 16 octets each.
        var aCount: Int32
        var aTTL: UInt32
        var aaaaCount: Int32
        var aaaaTTL: UInt32

        /// A name with no records yet (filled in by the builder), or a rule marker (`zone` nil).
        static func empty(zone: Int32?, isApex: Bool = false, rule: RuleMark = .none) -> NodeInfo {
            NodeInfo(
                zone: zone, isApex: isApex, wildcard: nil, rule: rule, group: nil, generalOnly: false, hasOther: false, aCount: 0,
                aTTL: 0, aaaaCount: 0, aaaaTTL: 0)
        }
    }

    let table: WireNameTable<NodeInfo>
    let zones: [ZoneInfo]
    /// The zones themselves, in the order of `zones` (a `ZoneRoute`'s index).
    let zoneList: [Zone]
    let tails: [UInt8]
    /// How many labels the zone apexes and rule names have: only suffixes of those lengths are
    /// looked at when routing a query.
    let anchors: LabelCounts
    /// The forward rules' upstreams (`Route.forward(group:)`), and the default ones.
    let groups: [UpstreamGroup]
    let defaultGroup: UpstreamGroup?
    /// The groups' cache scopes as plain numbers: a query reads one without copying a group (whose
    /// upstream list every worker shares, and whose reference count a copy would write).
    let groupScopes: [UInt32]
    let defaultScope: UInt32
    /// `allow_query`, here so that the pipeline reads it through the unretained tables: a query
    /// then retains nothing every worker shares.
    public let accessControl: AccessControlList
    public let udpPayloadSize: UInt16

    init(
        zoneSet: ZoneSet, options: [DNSName: ZoneOptions], rules: ForwardingRules, accessControl: AccessControlList,
        endpointOrigins: Set<DNSName>, udpPayloadSize: UInt16
    ) {
        let all = zoneSet.all
        var infos: [ZoneInfo] = []
        var tails: [UInt8] = []
        var expected = rules.rules.count
        for zone in all { expected += zone.nameCount }
        var table = WireNameTable<NodeInfo>(expected: expected)
        var wildcards: [(owner: DNSName, index: Int)] = []
        var payload: [UInt8] = []
        for (index, zone) in all.enumerated() {
            let option = options[zone.origin] ?? ZoneOptions()
            var soa = zone.soa.records[0]
            soa.ttl = zone.negativeTTL
            var writer = WireWriter(compression: false)
            writer.writeUInt16(soa.type.rawValue)
            writer.writeUInt16(soa.rrClass.rawValue)
            writer.writeUInt32(soa.ttl)
            writer.writeUInt16(0)
            writer.writeRData(soa.rdata)
            var tail = writer.bytes
            let length = tail.count - 10
            tail[8] = UInt8(length >> 8)
            tail[9] = UInt8(length & 0xFF)
            infos.append(
                ZoneInfo(
                    tailStart: Int32(tails.count), tailLength: Int32(tail.count), strictNXDomain: option.awsStrictNXDomain,
                    fallThrough: option.fallThrough, hasCuts: zone.hasDelegations,
                    isEndpoint: endpointOrigins.contains(zone.origin)))
            tails += tail
            // A name below a more specific zone belongs to that zone, not this one (checked only when
            // such a zone exists: the walk up allocates, and a million names add up).
            let hasNested = all.contains { $0 !== zone && $0.origin.isSubdomain(of: zone.origin) }
            zone.forEachName { name, hash, rrsets, routed in
                guard !hasNested || zoneSet.zone(enclosing: name) === zone else { return }
                var node = NodeInfo.empty(zone: Int32(index), isApex: name == zone.origin)
                node.generalOnly = routed
                // The record's payload: A addresses, then AAAA (a type's RRset is at most one).
                payload.removeAll(keepingCapacity: true)
                var v6: [UInt8] = []
                for set in rrsets {
                    switch set.type {
                    case .A:
                        node.aCount = Int32(set.rdatas.count)
                        node.aTTL = set.ttl
                        for case .a(let address) in set.rdatas {
                            payload.append(address.bytes.0)
                            payload.append(address.bytes.1)
                            payload.append(address.bytes.2)
                            payload.append(address.bytes.3)
                        }
                    case .AAAA:
                        node.aaaaCount = Int32(set.rdatas.count)
                        node.aaaaTTL = set.ttl
                        for case .aaaa(let address) in set.rdatas { v6 += address.array }
                    case .CNAME: node.generalOnly = true
                    default: node.hasOther = true
                    }
                }
                payload += v6
                let at = table.insert(name, hash: hash, node, payload: payload)
                if name.isWildcard { wildcards.append((name, at)) }
            }
        }
        // Link each name to its wildcard child.
        for (owner, index) in wildcards {
            guard let parent = owner.parent, let parentIndex = table.find(parent),
                table.value(at: parentIndex).zone == table.value(at: index).zone
            else { continue }
            table.update(at: parentIndex) { $0.wildcard = Int32(index) }
        }
        var groups: [UpstreamGroup] = []
        for (domain, action) in rules.rules {
            var mark = RuleMark.system
            var group: Int32?
            if case .forward(let upstreams) = action {
                mark = .forward
                group = Int32(groups.count)
                groups.append(upstreams)
            }
            if let index = table.find(domain) {
                table.update(at: index) {
                    $0.rule = mark
                    $0.group = group
                }
            } else {
                var node = NodeInfo.empty(zone: nil, rule: mark)
                node.group = group
                table.insert(domain, node)
            }
        }
        self.groups = groups
        self.defaultGroup = rules.defaultGroup
        groupScopes = groups.map(\.cacheScope)
        defaultScope = rules.defaultGroup?.cacheScope ?? 0
        self.table = table
        self.zones = infos
        self.zoneList = all
        self.tails = tails
        var anchors = LabelCounts()
        for zone in all { anchors.insert(zone.origin.labelCount) }
        for (domain, _) in rules.rules { anchors.insert(domain.labelCount) }
        self.anchors = anchors
        self.accessControl = accessControl
        self.udpPayloadSize = udpPayloadSize
    }

    /// The zone a route leads to.
    public func zone(_ route: ZoneRoute) -> Zone { zoneList[Int(route.zone)] }

    /// Whether a route's zone was synthesised from interface endpoints.
    public func isEndpoint(_ route: ZoneRoute) -> Bool { zones[Int(route.zone)].isEndpoint }

    /// The request for upstream a plain query routed `.forward(group)` stands for, built from the
    /// view without the general parser; nil when the group has no upstreams.
    public func forwardRequest(
        _ query: UnsafeRawBufferPointer, _ view: QuestionView, group: Int32?, limit: Int
    ) -> ForwardRequest? {
        guard let upstreams = upstreams(group),
            let name = try? DNSName(wire: Array(UnsafeRawBufferPointer(rebasing: query[12..<view.nameEnd])))
        else { return nil }
        let header = Header(id: UInt16(query[0]) << 8 | UInt16(query[1]), flags: UInt16(query[2]) << 8 | UInt16(query[3]))
        let question = Question(name: name, type: RRType(view.qtype), qclass: .IN)
        // Only what shapes the response is kept: the ID and flags, the question, EDNS with its DO bit.
        let message = Message(
            header: header, questions: [question], edns: view.edns ? EDNS(udpPayloadSize: 512, dnssecOK: view.dnssecOK) : nil)
        return ForwardRequest(query: message, question: question, upstreams: upstreams, prefix: [], sizeLimit: limit)
    }

    /// Starts loading the name-table slots routing and answering will read first for a question.
    /// With `prefetchRecords`, run over a whole batch (all slots, then all records, then the
    /// answers), the batch's cache misses overlap instead of stalling one answer after another.
    /// Hints only: the answers are the same without them.
    @inline(__always)
    public func prefetchSlots(_ view: QuestionView) {
        table.prefetchSlot(hash: view.nameHash)
        table.prefetchSlot(hash: view.parentHash)
    }

    /// Starts loading the records the slots `prefetchSlots` loaded point to. Returns whether the
    /// name or its parent is (almost surely) in the table: then the name is a private one, or a
    /// wildcard's or a missing name's in a private zone, and not worth a look in the forward cache
    /// (a name just below a forwarding rule's domain is counted in too: it merely goes unprefetched).
    @inline(__always) @discardableResult
    public func prefetchRecords(_ view: QuestionView) -> Bool {
        let parent = table.prefetchRecord(hash: view.parentHash)
        return table.prefetchRecord(hash: view.nameHash) || parent
    }
}
