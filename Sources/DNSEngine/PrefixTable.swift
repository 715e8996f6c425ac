// SPDX-License-Identifier: Apache-2.0
import DNSCore

/// Longest-prefix match of client addresses to small numbers (a view, an Availability Zone):
/// one probe of an open-addressed table per distinct prefix length, longest first. Immutable and
/// held in raw memory, so a look-up from any worker touches no reference count. IPv4-mapped IPv6
/// addresses match as the IPv4 address they carry.
public final class PrefixTable: @unchecked Sendable {
    private struct Level {
        var isIPv6: Bool
        var maskHigh: UInt64
        var maskLow: UInt64
    }
    private struct Slot {
        var high: UInt64 = 0
        var low: UInt64 = 0
        /// The level's index + 1; 0: empty.
        var level: UInt32 = 0
        var value: Int32 = 0
    }
    private let levels: UnsafeMutableBufferPointer<Level>
    private let slots: UnsafeMutableBufferPointer<Slot>
    public var isEmpty: Bool { levels.isEmpty }

    /// `entries`: prefixes and their values; of two equal prefixes the first is kept.
    public init(_ entries: [(CIDR, Int32)]) {
        var lengths = Set<Int>()
        for (cidr, _) in entries { lengths.insert(cidr.prefixLength + (cidr.network.count == 16 ? 1000 : 0)) }
        let ordered = lengths.sorted { ($0 % 1000, $0) > ($1 % 1000, $1) }
        levels = .allocate(capacity: ordered.count)
        for (i, level) in ordered.enumerated() {
            let bits = UInt64(level % 1000)
            levels[i] = Level(
                isIPv6: level >= 1000, maskHigh: bits == 0 ? 0 : (bits >= 64 ? ~0 : ~0 << (64 - bits)),
                maskLow: bits <= 64 ? 0 : (bits >= 128 ? ~0 : ~0 << (128 - bits)))
        }
        var capacity = 8
        while capacity < entries.count * 2 { capacity <<= 1 }
        slots = .allocate(capacity: capacity)
        slots.initialize(repeating: Slot())
        for (cidr, value) in entries {
            let address = ClientAddress(cidr.network)
            let level = UInt32(ordered.firstIndex(of: cidr.prefixLength + (cidr.network.count == 16 ? 1000 : 0))! + 1)
            var i = PrefixTable.hash(address.high, address.low, level) & (capacity - 1)
            while slots[i].level != 0 {
                if slots[i].level == level && slots[i].high == address.high && slots[i].low == address.low { break }
                i = (i + 1) & (capacity - 1)
            }
            if slots[i].level == 0 { slots[i] = Slot(high: address.high, low: address.low, level: level, value: value) }
        }
    }

    deinit {
        levels.deallocate()
        slots.deallocate()
    }

    @inline(__always)
    private static func hash(_ high: UInt64, _ low: UInt64, _ level: UInt32) -> Int {
        Int(truncatingIfNeeded: WireNameHash.mix(high ^ UInt64(level), word: low))
    }

    /// The value of the longest prefix holding `client`; nil when none does.
    public func lookup(_ client: ClientAddress) -> Int32? {
        var address = client
        if address.isIPv6 && address.high == 0 && address.low >> 32 == 0xFFFF {
            address = ClientAddress(high: address.low << 32, low: 0, isIPv6: false)
        }
        let mask = slots.count - 1
        for l in 0..<levels.count where levels[l].isIPv6 == address.isIPv6 {
            let high = address.high & levels[l].maskHigh
            let low = address.low & levels[l].maskLow
            let level = UInt32(l + 1)
            var i = PrefixTable.hash(high, low, level) & mask
            while slots[i].level != 0 {
                if slots[i].level == level && slots[i].high == high && slots[i].low == low { return slots[i].value }
                i = (i + 1) & mask
            }
        }
        return nil
    }
}
