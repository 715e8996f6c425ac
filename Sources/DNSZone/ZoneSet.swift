// SPDX-License-Identifier: Apache-2.0
import DNSCore

/// Every private zone, found by the most specific origin that encloses a name (Route 53's rule:
/// the most specific zone wins). Immutable; a reload swaps the whole set.
public final class ZoneSet: Sendable {
    private let zones: [DNSName: Zone]

    /// - Parameter zones: one zone per origin; the last one wins if two share an origin.
    public init(_ zones: [Zone]) {
        var map: [DNSName: Zone] = [:]
        for zone in zones { map[zone.origin] = zone }
        self.zones = map
    }

    public var all: [Zone] { zones.keys.sorted().map { zones[$0]! } }

    public var isEmpty: Bool { zones.isEmpty }

    /// The zone with the longest origin that equals or encloses `name`.
    public func zone(enclosing name: DNSName) -> Zone? {
        if zones.isEmpty { return nil }
        var current: DNSName? = name
        while let n = current {
            if let zone = zones[n] { return zone }
            current = n.parent
        }
        return nil
    }
}
