// SPDX-License-Identifier: Apache-2.0
import DNSCore
import Testing

@Suite struct SmallArrayTests {
    /// Every edit agrees with `Array` doing the same, at the head and past it, and the result equals
    /// (and hashes like) a `SmallArray` built directly from the same elements: equal contents have
    /// equal fields whichever way they were reached.
    @Test func editsAgreeWithArray() {
        var small: SmallArray<Int> = []
        var array: [Int] = []
        var rng = SystemRandomNumberGenerator()
        for step in 0..<2_000 {
            switch Int.random(in: 0..<5, using: &rng) {
            case 0:
                small.append(step)
                array.append(step)
            case 1:
                let at = Int.random(in: 0...array.count, using: &rng)
                small.insert(step, at: at)
                array.insert(step, at: at)
            case 2 where !array.isEmpty:
                let at = Int.random(in: 0..<array.count, using: &rng)
                #expect(small.remove(at: at) == array.remove(at: at))
            case 3 where !array.isEmpty:
                let at = Int.random(in: 0..<array.count, using: &rng)
                small[at] += 1
                array[at] += 1
            default:
                let from = Int.random(in: 0...array.count, using: &rng)
                let to = Int.random(in: from...min(array.count, from + 2), using: &rng)
                small.replaceSubrange(from..<to, with: [step])
                array.replaceSubrange(from..<to, with: [step])
            }
            #expect(Array(small) == array)
            #expect(small == SmallArray(array))
            #expect(small.hashValue == SmallArray(array).hashValue)
        }
    }

    /// Removing the head moves the next element up; emptying leaves an array equal to a new one.
    @Test func removingTheHead() {
        var small: SmallArray = ["a", "b", "c"]
        #expect(small.remove(at: 0) == "a")
        #expect(small == ["b", "c"])
        small.remove(at: 0)
        small.remove(at: 0)
        #expect(small.isEmpty)
        #expect(small == SmallArray<String>())
        #expect(small.count == 0)
    }

    /// An element's own array is edited in place through the subscript, not copied (the zone
    /// builder appends each record of an RRset this way).
    @Test func elementsAreEditedInPlace() {
        var small: SmallArray<[Int]> = [[1], [2]]
        small[0].reserveCapacity(64)
        let before = small[0].withUnsafeBufferPointer { $0.baseAddress }
        for i in 0..<32 { small[0].append(i) }
        #expect(small[0].withUnsafeBufferPointer { $0.baseAddress } == before)
        #expect(small[0].count == 33)
        #expect(small[1] == [2])
    }
}
