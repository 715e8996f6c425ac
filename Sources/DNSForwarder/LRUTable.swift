// SPDX-License-Identifier: Apache-2.0

/// A bounded map with least-recently-used eviction, every operation O(1): a dictionary into slots
/// of a doubly linked list kept in arrays (no per-entry allocation besides the value). Not
/// thread-safe: `ResponseCache` wraps each shard in a lock.
struct LRUTable<Key: Hashable, Value> {
    private struct Slot {
        var fingerprint: UInt64
        var key: Key
        /// nil once removed, so a freed slot holds no memory until reused.
        var value: Value?
        var bytes: Int
        var previous: Int
        var next: Int
    }

    /// By the key's 64-bit fingerprint; a slot's full key is checked on every hit.
    private var index: [UInt64: Int] = [:]
    private var slots: [Slot] = []
    private var free: [Int] = []
    private var head = -1  // most recently used
    private var tail = -1  // least recently used
    private(set) var bytes = 0
    let maxEntries: Int
    let maxBytes: Int
    /// Entries pushed out to make room.
    private(set) var evictions = 0
    /// Look-ups, hit or miss (a miss must cost one: `ResponseCache.lookups`).
    private(set) var lookups = 0

    init(maxEntries: Int, maxBytes: Int) {
        self.maxEntries = maxEntries
        self.maxBytes = maxBytes
    }

    var count: Int { index.count }

    /// The value, marked as just used.
    mutating func get(_ key: Key, fingerprint: UInt64) -> Value? {
        lookups &+= 1
        guard let i = index[fingerprint], slots[i].key == key else { return nil }
        moveToFront(i)
        return slots[i].value
    }

    /// The value whose key passes `matches`, marked as just used (lookup straight from packet bytes).
    mutating func get(fingerprint: UInt64, matches: (Key) -> Bool) -> Value? {
        lookups &+= 1
        guard let i = index[fingerprint], matches(slots[i].key) else { return nil }
        moveToFront(i)
        return slots[i].value
    }

    /// Inserts or replaces (a fingerprint collision replaces the older entry), then evicts from the
    /// cold end until within both limits.
    mutating func set(_ key: Key, fingerprint: UInt64, _ value: Value, bytes size: Int) {
        guard maxEntries > 0, size <= maxBytes else { return }
        if let i = index[fingerprint] {
            bytes += size - slots[i].bytes
            slots[i].key = key
            slots[i].value = value
            slots[i].bytes = size
            moveToFront(i)
        } else {
            let slot = Slot(fingerprint: fingerprint, key: key, value: value, bytes: size, previous: -1, next: head)
            let i: Int
            if let reused = free.popLast() {
                slots[reused] = slot
                i = reused
            } else {
                slots.append(slot)
                i = slots.count - 1
            }
            if head >= 0 { slots[head].previous = i }
            head = i
            if tail < 0 { tail = i }
            index[fingerprint] = i
            bytes += size
        }
        while index.count > maxEntries || bytes > maxBytes, tail >= 0 {
            remove(at: tail)
            evictions += 1
        }
    }

    mutating func remove(_ key: Key, fingerprint: UInt64) {
        if let i = index[fingerprint], slots[i].key == key { remove(at: i) }
    }

    /// Removes every entry whose key matches.
    mutating func removeAll(where predicate: (Key) -> Bool) {
        for (_, i) in index where predicate(slots[i].key) { remove(at: i) }
    }

    private mutating func remove(at i: Int) {
        // Read the links alone: copying the whole slot would retain everything the value holds.
        let previous = slots[i].previous
        let next = slots[i].next
        if previous >= 0 { slots[previous].next = next } else { head = next }
        if next >= 0 { slots[next].previous = previous } else { tail = previous }
        index[slots[i].fingerprint] = nil
        bytes -= slots[i].bytes
        slots[i].value = nil
        free.append(i)
    }

    private mutating func moveToFront(_ i: Int) {
        guard head != i else { return }
        let previous = slots[i].previous
        let next = slots[i].next
        if previous >= 0 { slots[previous].next = next }
        if next >= 0 { slots[next].previous = previous } else { tail = previous }
        slots[i].previous = -1
        slots[i].next = head
        if head >= 0 { slots[head].previous = i }
        head = i
    }
}
