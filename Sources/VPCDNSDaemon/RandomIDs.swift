// SPDX-License-Identifier: Apache-2.0
import CSocketBatch

/// One worker's upstream query IDs: unpredictable, as RFC 5452 §9.2 asks, from getrandom(2), read
/// 4 KiB (2,048 IDs) at a time rather than 2 octets per query. A system call per cache miss was
/// one in every 1.7 that a miss made (docs/performance.md, "Upstream query IDs"). Each ID is read
/// once and wiped; the buffer belongs to one thread.
final class RandomIDs {
    private static let count = 2048
    private let ids = UnsafeMutablePointer<UInt16>.allocate(capacity: RandomIDs.count)
    /// The next unread ID; `count`: none left.
    private let cursor = UnsafeMutablePointer<Int>.allocate(capacity: 1)

    init() {
        cursor.initialize(to: RandomIDs.count)
    }

    deinit {
        ids.deallocate()
        cursor.deallocate()
    }

    func next() -> UInt16 {
        if cursor.pointee == RandomIDs.count { refill() }
        let id = ids[cursor.pointee]
        ids[cursor.pointee] = 0
        cursor.pointee += 1
        return id
    }

    private func refill() {
        if vpcdns_random(ids, RandomIDs.count * MemoryLayout<UInt16>.size) != 0 {
            // No getrandom (a kernel before 3.17): Swift's generator, which has its own fallback.
            var generator = SystemRandomNumberGenerator()
            for i in 0..<RandomIDs.count { ids[i] = generator.next() }
        }
        cursor.pointee = 0
    }
}
