// SPDX-License-Identifier: Apache-2.0
import DNSCore

/// Where a query is answered. Decided once per query, by `FastPath.route`, for the fast and the
/// general path alike.
public enum Route: Equatable, Sendable {
    /// From a private zone, authoritatively.
    case zone(ZoneRoute)
    /// Upstream: a forward rule's upstreams (`FastPath.upstreams(group)`), or the default ones (nil).
    case forward(group: Int32?)
    /// No zone, no rule, and no default upstreams.
    case refuse
}

/// The private zone a name falls in, and where its apex is in the name.
public struct ZoneRoute: Equatable, Sendable {
    /// Index in the zone set (`ZoneSet.all`).
    public let zone: Int32
    /// The label of the question name at which the apex starts.
    let apexLabel: Int32
    /// The apex's record in the name table.
    let apexRecord: Int32
}

/// A name with its label offsets and suffix hashes, as the route's walk reads it.
protocol LabelledName {
    var labelCount: Int { get }
    /// The name ends (past its root octet) here.
    var nameEnd: Int { get }
    func labelStart(_ i: Int) -> Int
    func suffixHash(_ i: Int) -> UInt64
}

extension QuestionView: LabelledName {}

/// A `DNSName` laid out as the walk reads it: the general path's way in.
struct NameLabels: LabelledName {
    let wire: [UInt8]
    let starts: [Int]
    let hashes: [UInt64]
    var labelCount: Int { starts.count - 1 }
    var nameEnd: Int { wire.count }
    func labelStart(_ i: Int) -> Int { starts[i] }
    func suffixHash(_ i: Int) -> UInt64 { hashes[i] }

    init(_ name: DNSName) {
        wire = name.wire
        var starts: [Int] = []
        var p = 0
        while p < wire.count {
            starts.append(p)
            if wire[p] == 0 { break }
            p += 1 + Int(wire[p])
        }
        var hashes = [UInt64](repeating: WireNameHash.seed, count: starts.count)
        wire.withUnsafeBytes { bytes in
            for i in stride(from: starts.count - 2, through: 0, by: -1) {
                hashes[i] = WireNameHash.mix(hashes[i + 1], bytes, starts[i])
            }
        }
        self.starts = starts
        self.hashes = hashes
    }
}

extension FastPath {
    /// Route 53 Resolver's precedence (DESIGN.md §1), the only place it is written: the most
    /// specific of the forwarding rules and the private zones wins; a `forward` rule wins a tie
    /// with a zone of the same domain; a `system` rule cancels every broader rule. Everything else
    /// goes to the default upstreams, or is refused when there are none.
    ///
    /// The walk looks only at suffixes as long as some zone apex or rule (a name outside every
    /// zone usually takes a single look-up), most specific first.
    public func route(_ view: QuestionView, in query: UnsafeRawBufferPointer) -> Route {
        route(labelled: view, in: query)
    }

    /// `route(_:in:)` for a name the general path holds.
    public func route(_ name: DNSName) -> Route {
        let labels = NameLabels(name)
        return labels.wire.withUnsafeBytes { route(labelled: labels, in: $0) }
    }

    @inline(__always)
    func route<Name: LabelledName>(labelled name: Name, in bytes: UnsafeRawBufferPointer) -> Route {
        var systemSeen = false
        var depth = anchors.largest(atMost: name.labelCount)
        while let d = depth {
            depth = anchors.largest(atMost: d - 1)
            let i = name.labelCount - d
            guard let record = table.find(bytes, name.labelStart(i), name.nameEnd, hash: name.suffixHash(i)) else { continue }
            let node = table.value(at: record)
            if !systemSeen {
                switch node.rule {
                case .forward: return .forward(group: node.group)
                case .system: systemSeen = true
                case .none: break
                }
            }
            if node.isApex, let zone = node.zone {
                return .zone(ZoneRoute(zone: zone, apexLabel: Int32(i), apexRecord: Int32(record)))
            }
        }
        return defaultGroup == nil ? .refuse : .forward(group: nil)
    }

    /// The upstreams of a `.forward` route.
    public func upstreams(_ group: Int32?) -> UpstreamGroup? {
        guard let group else { return defaultGroup }
        return groups.indices.contains(Int(group)) ? groups[Int(group)] : nil
    }

    /// The cache scope of a `.forward` route's upstreams (0 when it has none).
    @inline(__always)
    public func cacheScope(_ group: Int32?) -> UInt32 {
        guard let group else { return defaultScope }
        return groupScopes.indices.contains(Int(group)) ? groupScopes[Int(group)] : 0
    }
}

/// A set of label counts, 0...127 (a name has at most 127 labels), as 128 bits: the lengths of the
/// zone apexes and rule domains, which are the only suffixes the route's walk looks at.
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
