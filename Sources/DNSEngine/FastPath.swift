// SPDX-License-Identifier: Apache-2.0
import DNSCore
import DNSZone

/// Where a fast answer came from.
public enum FastSource: Sendable {
    case zone, endpoint
}

/// What the fast path did with a query.
public enum FastOutcome: Sendable, Equatable {
    /// The response is in the output buffer, this many octets long.
    case written(Int, FastSource)
    /// Not a case the fast path takes: use `QueryEngine.respond`.
    case slow
    /// A plain question that goes upstream: the caller may answer it from the forward cache.
    case forwardable(ForwardableQuery)
}

/// Where the parts of a plain query are, for answering it from the cache without parsing again.
public struct ForwardableQuery: Sendable, Equatable {
    /// The question name occupies `12..<nameEnd`; the question ends at `questionEnd`.
    public var nameEnd: Int
    public var questionEnd: Int
    public var qtype: UInt16
    public var edns: Bool
    public var dnssecOK: Bool
    /// The largest response the client takes.
    public var limit: Int

    /// Whose upstreams: a forward rule's (an index the fast path knows), or -1 for the default ones.
    public var group: Int32
    /// `WireNameHash` of the question name, which the forward cache's fingerprint starts from.
    public var nameHash: UInt64

    public init(
        nameEnd: Int, questionEnd: Int, qtype: UInt16, edns: Bool, dnssecOK: Bool, limit: Int, group: Int32 = -1,
        nameHash: UInt64
    ) {
        self.nameHash = nameHash
        self.nameEnd = nameEnd
        self.questionEnd = questionEnd
        self.qtype = qtype
        self.edns = edns
        self.dnssecOK = dnssecOK
        self.group = group
        self.limit = limit
    }
}

/// The hot path for the common queries: an A or AAAA question in a private zone (exact name or
/// wildcard), NODATA and NXDOMAIN. It reads the header, question and OPT in place, finds the zone and
/// the name through a `WireNameTable` from the packet bytes, and writes the response straight into
/// the caller's buffer: no `Message`, no `DNSName`, no allocation. Anything unusual — other types,
/// CNAMEs, delegations, forwarding rules in the way, truncation, a refused client, odd EDNS — goes
/// to the general path, which gives the same answer (the tests compare the two).
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

    /// Per name, plain data: a lookup retains nothing.
    struct NodeInfo: Sendable, BitwiseCopyable {
        /// Index into `zones`, or -1 for an entry that only marks a forwarding rule.
        var zone: Int32
        var isApex: Bool
        /// Record of `*.<this name>` in the same zone (`WireNameTable` offset), or -1.
        var wildcard: Int32
        /// 0: none, 1: a forward rule, 2: a system rule at this name.
        var rule: UInt8
        /// A forward rule's upstreams: index into `groups`.
        var group: Int32
        var hasCNAME: Bool
        /// Owns a type other than A, AAAA and CNAME.
        var hasOther: Bool
        /// The A records' addresses open the record's payload, 4 octets each; the AAAA records'
        /// follow, 16 octets each.
        var aCount: Int32
        var aTTL: UInt32
        var aaaaCount: Int32
        var aaaaTTL: UInt32

        /// A name with no records yet (filled in by the builder), or a rule marker (`zone` -1).
        static func empty(zone: Int32, isApex: Bool = false, rule: UInt8 = 0) -> NodeInfo {
            NodeInfo(
                zone: zone, isApex: isApex, wildcard: -1, rule: rule, group: -1, hasCNAME: false, hasOther: false, aCount: 0,
                aTTL: 0, aaaaCount: 0, aaaaTTL: 0)
        }
    }

    let table: WireNameTable<NodeInfo>
    let zones: [ZoneInfo]
    let tails: [UInt8]
    let hasRules: Bool
    /// How many labels the zone apexes and rule names have: only suffixes of those lengths are
    /// looked at when finding a query's zone.
    let anchors: LabelCounts
    /// The forward rules' upstreams, and the default ones (`ForwardableQuery.group`).
    let groups: [UpstreamGroup]
    let defaultGroup: UpstreamGroup?
    /// Names outside zones and rules go upstream (there are default upstreams).
    let forwardsByDefault: Bool
    let accessControl: AccessControlList
    let udpPayloadSize: UInt16

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
            zone.forEachName { name, hash, rrsets in
                guard !hasNested || zoneSet.zone(enclosing: name) === zone else { return }
                var node = NodeInfo.empty(zone: Int32(index), isApex: name == zone.origin)
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
                    case .CNAME: node.hasCNAME = true
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
            var mark: UInt8 = 2
            var group: Int32 = -1
            if case .forward(let upstreams) = action {
                mark = 1
                group = Int32(groups.count)
                groups.append(upstreams)
            }
            if let index = table.find(domain) {
                table.update(at: index) {
                    $0.rule = mark
                    $0.group = group
                }
            } else {
                var node = NodeInfo.empty(zone: -1, rule: mark)
                node.group = group
                table.insert(domain, node)
            }
        }
        self.groups = groups
        self.defaultGroup = rules.defaultGroup
        self.table = table
        self.zones = infos
        self.tails = tails
        self.hasRules = !rules.rules.isEmpty
        var anchors = LabelCounts()
        for zone in all { anchors.insert(zone.origin.labelCount) }
        for (domain, _) in rules.rules { anchors.insert(domain.labelCount) }
        self.anchors = anchors
        self.forwardsByDefault = rules.defaultGroup != nil
        self.accessControl = accessControl
        self.udpPayloadSize = udpPayloadSize
    }

    /// The request for upstream a `.forwardable` query stands for, built from its bytes without the
    /// general parser; nil if it cannot be (the general path then handles it).
    public func forwardRequest(_ query: UnsafeRawBufferPointer, _ parts: ForwardableQuery) -> ForwardRequest? {
        let upstreams = parts.group >= 0 && Int(parts.group) < groups.count ? groups[Int(parts.group)] : defaultGroup
        guard let upstreams, let name = try? DNSName(wire: Array(UnsafeRawBufferPointer(rebasing: query[12..<parts.nameEnd])))
        else { return nil }
        let header = Header(id: UInt16(query[0]) << 8 | UInt16(query[1]), flags: UInt16(query[2]) << 8 | UInt16(query[3]))
        let question = Question(name: name, type: RRType(parts.qtype), qclass: .IN)
        // Only what shapes the response is kept: the ID and flags, the question, EDNS with its DO bit.
        let message = Message(
            header: header, questions: [question], edns: parts.edns ? EDNS(udpPayloadSize: 512, dnssecOK: parts.dnssecOK) : nil)
        return ForwardRequest(query: message, question: question, upstreams: upstreams, prefix: [], sizeLimit: parts.limit)
    }

    /// What a prefetch needs of a query: the hashes `answer` gives its question name and the name's
    /// parent (where a wildcard's owner hangs), its type and DO bit. Read loosely: a query `answer`
    /// would refuse still gets one, and a hint for it costs nothing but the load.
    public struct QuestionHashes: Sendable, BitwiseCopyable {
        public var own: UInt64
        public var parent: UInt64
        public var qtype: UInt16
        public var dnssecOK: Bool

        /// Reads `query`; the root's hashes and type 0 when it has no readable question.
        public init(_ query: UnsafeRawBufferPointer) {
            let n = query.count
            own = WireNameHash.seed
            parent = own
            qtype = 0
            dnssecOK = false
            guard n >= 17 else { return }
            let hashes = withUnsafeTemporaryAllocation(of: Int16.self, capacity: 128) { starts -> (UInt64, UInt64, Int)? in
                var count = 0
                var p = 12
                while true {
                    guard p < n, count < 127 else { return nil }
                    let length = Int(query[p])
                    if length == 0 { break }
                    guard length <= 63, p + 1 + length < n else { return nil }
                    starts[count] = Int16(p)
                    count += 1
                    p += 1 + length
                }
                var h = WireNameHash.seed
                var parent = h
                while count > 0 {
                    count -= 1
                    if count == 0 { parent = h }
                    h = WireNameHash.mix(h, query, Int(starts[count]))
                }
                return (h, parent, p + 1)
            }
            guard let (own, parent, nameEnd) = hashes, nameEnd + 4 <= n else { return }
            self.own = own
            self.parent = parent
            qtype = UInt16(query[nameEnd]) << 8 | UInt16(query[nameEnd + 1])
            // The DO bit of an OPT right after the question (RFC 6891 §6.1.3), as `answer` reads it.
            let opt = nameEnd + 4
            dnssecOK = query[11] == 1 && opt + 11 <= n && query[opt] == 0 && query[opt + 2] == 41 && query[opt + 7] & 0x80 != 0
        }
    }

    /// Starts loading the name-table slots `answer` will read first for a question. With
    /// `prefetchRecords`, run over a whole batch (all slots, then all records, then the answers),
    /// the batch's cache misses overlap instead of stalling one answer after another. Hints only:
    /// the answers are the same without them.
    @inline(__always)
    public func prefetchSlots(_ question: QuestionHashes) {
        table.prefetchSlot(hash: question.own)
        table.prefetchSlot(hash: question.parent)
    }

    /// Starts loading the records the slots `prefetchSlots` loaded point to. Returns whether the
    /// name or its parent is (almost surely) in the table: then the name is a private one, or a
    /// wildcard's or a missing name's in a private zone, and not worth a look in the forward cache
    /// (a name just below a forwarding rule's domain is counted in too: it merely goes unprefetched).
    @inline(__always) @discardableResult
    public func prefetchRecords(_ question: QuestionHashes) -> Bool {
        let parent = table.prefetchRecord(hash: question.parent)
        return table.prefetchRecord(hash: question.own) || parent
    }

    /// Answers `query` into `out` when it is a case the fast path takes.
    public func answer(
        _ query: UnsafeRawBufferPointer, client: ClientAddress, tcp: Bool, rotation: Int, into out: UnsafeMutableRawBufferPointer
    ) -> FastOutcome {
        let n = query.count
        guard n >= 17, query[2] & 0xF8 == 0, query[4] == 0, query[5] == 1, query[6] == 0, query[7] == 0,
            query[8] == 0, query[9] == 0, query[10] == 0, query[11] <= 1
        else { return .slow }
        // Label offsets of the question name (uncompressed, at most 127 labels, and the root), the
        // hash of every suffix (right to left, in one pass), and the table entry of each suffix the
        // walk up to the zone looked at. Each buffer stays within the 1 KiB that
        // withUnsafeTemporaryAllocation keeps on the stack (past it, it calls malloc).
        return withUnsafeTemporaryAllocation(byteCount: 128 * 6, alignment: 4) { scratch -> FastOutcome in
            withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 128) { hashes -> FastOutcome in
                let starts = UnsafeMutableRawBufferPointer(rebasing: scratch[0..<256]).bindMemory(to: Int16.self)
                let found = UnsafeMutableRawBufferPointer(rebasing: scratch[256...]).bindMemory(to: Int32.self)
                let labels = LabelStarts(starts)
                var labelCount = 0
                var p = 12
                while true {
                    guard p < n, p < 12 + 255 else { return .slow }  // a longer name is the slow path's
                    let length = Int(query[p])
                    if length == 0 { break }
                    guard length <= 63, labelCount < 127 else { return .slow }
                    starts[labelCount] = Int16(p)
                    labelCount += 1
                    p += 1 + length
                }
                let nameEnd = p + 1
                starts[labelCount] = Int16(p)  // the root
                guard nameEnd - 12 <= 255, nameEnd + 4 <= n else { return .slow }
                let qtype = UInt16(query[nameEnd]) << 8 | UInt16(query[nameEnd + 1])
                guard query[nameEnd + 2] == 0, query[nameEnd + 3] == 1, qtype != 41, !(128...255).contains(qtype) else {
                    return .slow
                }
                let questionEnd = nameEnd + 4
                var edns = false
                var dnssecOK = false
                var limit = tcp ? 65535 : 512
                if query[11] == 1 {
                    // OPT: root owner, type 41, version 0, options well formed, nothing after it.
                    guard questionEnd + 11 <= n, query[questionEnd] == 0, query[questionEnd + 1] == 0,
                        query[questionEnd + 2] == 41, query[questionEnd + 6] == 0
                    else { return .slow }
                    let payload = Int(query[questionEnd + 3]) << 8 | Int(query[questionEnd + 4])
                    dnssecOK = query[questionEnd + 7] & 0x80 != 0
                    let rdlength = Int(query[questionEnd + 9]) << 8 | Int(query[questionEnd + 10])
                    guard questionEnd + 11 + rdlength == n else { return .slow }
                    // Each option's length must fit the RDATA exactly (RFC 6891 §6.1.2), else FORMERR.
                    var option = questionEnd + 11
                    while option + 4 <= n {
                        option += 4 + (Int(query[option + 2]) << 8 | Int(query[option + 3]))
                    }
                    guard option == n else { return .slow }
                    edns = true
                    if !tcp { limit = max(512, min(payload, Int(udpPayloadSize))) }
                } else if questionEnd != n {
                    return .slow
                }
                guard accessControl.allows(client) else { return .slow }
                hashes[labelCount] = WireNameHash.seed
                var i = labelCount - 1
                while i >= 0 {
                    hashes[i] = WireNameHash.mix(hashes[i + 1], query, labels[i])
                    i -= 1
                }

                // found[i]: the table record of the suffix starting at label `i`, -1 for none; valid
                // where `probed` has bit i (each suffix is looked up at most once).
                var probed: UInt128 = 0

                // The zone: the longest suffix that is a zone apex, unless a forward rule is as specific.
                // Only suffixes as long as some apex or rule can be one (a name outside every zone
                // usually takes a single look-up).
                var zoneIndex = -1
                var apexLabel = 0
                var systemSeen = false
                var depth = anchors.largest(atMost: labelCount)
                while let d = depth {
                    depth = anchors.largest(atMost: d - 1)
                    let i = labelCount - d
                    probed |= 1 << UInt128(i)
                    guard let index = table.find(query, labels[i], nameEnd, hash: hashes[i]) else {
                        found[i] = -1
                        continue
                    }
                    found[i] = Int32(index)
                    let info = table.value(at: index)
                    if hasRules && !systemSeen {
                        if info.rule == 1 {
                            return .forwardable(
                                ForwardableQuery(
                                    nameEnd: nameEnd, questionEnd: questionEnd, qtype: qtype, edns: edns,
                                    dnssecOK: dnssecOK, limit: limit, group: info.group, nameHash: hashes[0]))
                        }
                        if info.rule == 2 { systemSeen = true }
                    }
                    if info.isApex {
                        zoneIndex = Int(info.zone)
                        apexLabel = i
                        break
                    }
                }
                guard zoneIndex >= 0 else {
                    guard forwardsByDefault else { return .slow }
                    return .forwardable(
                        ForwardableQuery(
                            nameEnd: nameEnd, questionEnd: questionEnd, qtype: qtype, edns: edns, dnssecOK: dnssecOK,
                            limit: limit, group: -1, nameHash: hashes[0]))
                }
                let zone = zones[zoneIndex]
                if zone.hasCuts { return .slow }

                // The name itself, else the closest encloser and its wildcard (RFC 4592 §3.3.1).
                @inline(__always) func record(_ i: Int) -> Int32 {
                    if probed & (1 << UInt128(i)) == 0 {
                        probed |= 1 << UInt128(i)
                        if let index = table.find(query, labels[i], nameEnd, hash: hashes[i]) {
                            found[i] = Int32(index)
                        } else {
                            found[i] = -1
                        }
                    }
                    return found[i]
                }
                var node: NodeInfo?
                var nodeRecord = -1
                let own = record(0)
                if own >= 0, case let info = table.value(at: Int(own)), info.zone == Int32(zoneIndex) {
                    nodeRecord = Int(own)
                    node = info
                } else {
                    var k = 1
                    while k <= apexLabel {
                        let encloser = record(k)
                        if encloser >= 0, case let info = table.value(at: Int(encloser)), info.zone == Int32(zoneIndex) {
                            let wildcard = info.wildcard
                            if wildcard >= 0 {
                                nodeRecord = Int(wildcard)
                                node = table.value(at: nodeRecord)
                            }
                            break
                        }
                        k += 1
                    }
                    if node == nil && zone.fallThrough { return .slow }
                }

                var rcode: UInt8 = 0
                var count = 0
                if let node {
                    if node.hasCNAME { return .slow }
                    if qtype == 1 {
                        count = Int(node.aCount)
                    } else if qtype == 28 {
                        count = Int(node.aaaaCount)
                    } else if node.hasOther {
                        return .slow
                    }
                    if count == 0 && zone.strictNXDomain { rcode = 3 }
                } else {
                    rcode = 3
                }

                // Header, question, then the answer or the negative SOA.
                guard out.count >= questionEnd + 11 else { return .slow }
                out[0] = query[0]
                out[1] = query[1]
                out[2] = 0x84 | (query[2] & 0x01)  // QR, AA, RD copied
                out[3] = 0x80 | (query[3] & 0x10) | rcode  // RA, CD copied
                out[4] = 0
                out[5] = 1
                UnsafeMutableRawBufferPointer(rebasing: out[12..<questionEnd])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: query[12..<questionEnd]))
                var w = questionEnd
                var authority = 0
                let ceiling = min(limit, out.count) - (edns ? 11 : 0)
                if let node, count > 0 {
                    guard w + count * (12 + (qtype == 1 ? 4 : 16)) <= ceiling else { return .slow }  // would truncate
                    let ttl = qtype == 1 ? node.aTTL : node.aaaaTTL
                    let payload = table.payloadStart(at: nodeRecord)
                    let base = qtype == 1 ? payload : payload + Int(node.aCount) * 4
                    let first = count > 1 ? abs(rotation % count) : 0
                    w = table.withArena {
                        FastPath.writeAnswers(into: out, at: w, type: qtype, ttl: ttl, from: $0, base: base, first: first, count: count)
                    }
                } else {
                    let tailLength = Int(zone.tailLength)
                    guard w + 2 + tailLength <= ceiling else { return .slow }
                    let pointer = 0xC000 | labels[apexLabel]
                    out[w] = UInt8(pointer >> 8)
                    out[w + 1] = UInt8(pointer & 0xFF)
                    w += 2
                    let start = Int(zone.tailStart)
                    tails.withUnsafeBytes { source in
                        UnsafeMutableRawBufferPointer(rebasing: out[w..<(w + tailLength)])
                            .copyMemory(from: UnsafeRawBufferPointer(rebasing: source[start..<(start + tailLength)]))
                    }
                    w += tailLength
                    authority = 1
                    count = 0
                }
                out[6] = UInt8(count >> 8)
                out[7] = UInt8(count & 0xFF)
                out[8] = 0
                out[9] = UInt8(authority)
                out[10] = 0
                out[11] = edns ? 1 : 0
                if edns {
                    out[w] = 0
                    out[w + 1] = 0
                    out[w + 2] = 41
                    out[w + 3] = UInt8(udpPayloadSize >> 8)
                    out[w + 4] = UInt8(udpPayloadSize & 0xFF)
                    out[w + 5] = 0
                    out[w + 6] = 0
                    out[w + 7] = dnssecOK ? 0x80 : 0
                    out[w + 8] = 0
                    out[w + 9] = 0
                    out[w + 10] = 0
                    w += 11
                }
                return .written(w, zone.isEndpoint ? .endpoint : .zone)
            }
        }
    }

    /// Writes `count` A (`type` 1) or AAAA records whose owner is the question name, the addresses
    /// taken from `addresses` starting at octet `base` and rotated by `first`; returns the end.
    @inline(__always)
    private static func writeAnswers(
        into out: UnsafeMutableRawBufferPointer, at start: Int, type: UInt16, ttl: UInt32, from addresses: UnsafeRawBufferPointer,
        base: Int, first: Int, count: Int
    ) -> Int {
        let rdlength = type == 1 ? 4 : 16
        var w = start
        for k in 0..<count {
            out[w] = 0xC0
            out[w + 1] = 0x0C
            out[w + 2] = UInt8(type >> 8)
            out[w + 3] = UInt8(type & 0xFF)
            out[w + 4] = 0
            out[w + 5] = 1
            out[w + 6] = UInt8(truncatingIfNeeded: ttl >> 24)
            out[w + 7] = UInt8(truncatingIfNeeded: ttl >> 16)
            out[w + 8] = UInt8(truncatingIfNeeded: ttl >> 8)
            out[w + 9] = UInt8(truncatingIfNeeded: ttl)
            out[w + 10] = 0
            out[w + 11] = UInt8(rdlength)
            let from = base + ((first + k) % count) * rdlength
            UnsafeMutableRawBufferPointer(rebasing: out[(w + 12)..<(w + 12 + rdlength)])
                .copyMemory(from: UnsafeRawBufferPointer(rebasing: addresses[from..<(from + rdlength)]))
            w += 12 + rdlength
        }
        return w
    }
}

/// A client's IP address held inline, for the access check on the hot path.
public struct ClientAddress: Sendable {
    /// The address octets in network order, first 8 and last 8 (IPv4 in the first 4).
    public var high: UInt64
    public var low: UInt64
    public var isIPv6: Bool

    public init(high: UInt64, low: UInt64, isIPv6: Bool) {
        self.high = high
        self.low = low
        self.isIPv6 = isIPv6
    }

    /// From 4 or 16 octets.
    public init(_ bytes: [UInt8]) {
        var h: UInt64 = 0
        var l: UInt64 = 0
        for (i, byte) in bytes.enumerated() {
            if i < 8 { h |= UInt64(byte) << (56 - 8 * UInt64(i)) } else { l |= UInt64(byte) << (56 - 8 * UInt64(i - 8)) }
        }
        self.init(high: h, low: l, isIPv6: bytes.count == 16)
    }
}

/// Label offsets in a query (each below 512), read as `Int`.
private struct LabelStarts {
    let starts: UnsafeMutableBufferPointer<Int16>
    init(_ starts: UnsafeMutableBufferPointer<Int16>) { self.starts = starts }
    subscript(i: Int) -> Int { Int(starts[i]) }
}

/// A set of label counts, 0...127 (a name has at most 127 labels), as 128 bits.
struct LabelCounts: Sendable, BitwiseCopyable {
    private var low: UInt64 = 0
    private var high: UInt64 = 0

    mutating func insert(_ count: Int) {
        guard (0..<128).contains(count) else { return }
        if count < 64 { low |= 1 << UInt64(count) } else { high |= 1 << UInt64(count - 64) }
    }

    /// The largest member no greater than `limit`, or nil.
    @inline(__always)
    func largest(atMost limit: Int) -> Int? {
        if limit < 0 { return nil }
        if limit >= 64 {
            let bits = high & LabelCounts.upTo(min(limit - 64, 63))
            if bits != 0 { return 127 - bits.leadingZeroBitCount }
        }
        let bits = low & LabelCounts.upTo(min(limit, 63))
        return bits == 0 ? nil : 63 - bits.leadingZeroBitCount
    }

    /// Bits 0...n set.
    @inline(__always)
    private static func upTo(_ n: Int) -> UInt64 { n >= 63 ? ~0 : (1 << UInt64(n + 1)) - 1 }
}
