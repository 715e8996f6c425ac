// SPDX-License-Identifier: Apache-2.0
import DNSCore

/// Where each name sits in an array its owner keeps (`Zone.names`). Open addressing over
/// (hash, position) pairs in one flat array: a probe compares names only when their hashes agree,
/// and growing never touches a name. A `Dictionary` keyed by `DNSName` compares the name in every
/// occupied bucket it passes, each a cache miss in a large zone.
struct NameIndex: Sendable {
    /// `hash & 0xFFFF_FFFF` in the high half, position + 1 in the low half; 0 is an empty slot.
    private var slots: [UInt64]
    private var mask: Int
    private(set) var count = 0

    init(capacity: Int = 0) {
        var size = 16
        while size * 3 < capacity * 4 { size <<= 1 }
        slots = HugePages.zeroed(UInt64.self, count: size)
        mask = size - 1
    }

    /// The position of `name` (whose `wireHash` is `hash`) in `names`, or nil.
    func find(_ name: DNSName, hash: UInt64, in names: [DNSName]) -> Int? {
        let tag = hash & 0xFFFF_FFFF
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = slots[slot]
            if entry == 0 { return nil }
            if entry >> 32 == tag {
                let position = Int(entry & 0xFFFF_FFFF) - 1
                if names[position] == name { return position }
            }
            slot = (slot + 1) & mask
        }
    }

    func find(_ name: DNSName, in names: [DNSName]) -> Int? { find(name, hash: name.wireHash, in: names) }

    /// Records that the name with `hash` is at `position` (the caller knows it is not there yet).
    mutating func insert(hash: UInt64, position: Int) {
        if (count + 1) * 4 > slots.count * 3 { grow() }
        place((hash & 0xFFFF_FFFF) << 32 | UInt64(position + 1))
        count += 1
    }

    private mutating func place(_ entry: UInt64) {
        var slot = Int(truncatingIfNeeded: entry >> 32) & mask
        while slots[slot] != 0 { slot = (slot + 1) & mask }
        slots[slot] = entry
    }

    /// Doubles the table; entries move by their stored hash.
    private mutating func grow() {
        let old = slots
        slots = HugePages.zeroed(UInt64.self, count: old.count * 2)
        mask = slots.count - 1
        for entry in old where entry != 0 { place(entry) }
    }
}
