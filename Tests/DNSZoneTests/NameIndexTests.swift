// SPDX-License-Identifier: Apache-2.0
import DNSCore
import Testing

@testable import DNSZone

@Suite struct NameIndexTests {
    /// Grows from its smallest size through many doublings and still finds every name, without case,
    /// and finds no name it was not given.
    @Test func findsEveryNameAfterGrowing() {
        var index = NameIndex()
        var names: [DNSName] = []
        for i in 0..<50_000 {
            let n = name("host\(i).Sub\(i % 7).example.")
            index.insert(hash: n.wireHash, position: names.count)
            names.append(n)
        }
        #expect(index.count == 50_000)
        for i in stride(from: 0, to: 50_000, by: 7) {
            #expect(index.find(name("HOST\(i).sub\(i % 7).EXAMPLE."), in: names) == i)
        }
        #expect(index.find(name("host50000.sub1.example."), in: names) == nil)
        #expect(index.find(name("host1.sub2.example."), in: names) == nil)
    }

    /// Names whose hashes share a slot are told apart by comparing the names.
    @Test func sameHashDifferentNames() {
        var index = NameIndex(capacity: 4)
        let names = [name("a.example."), name("b.example.")]
        // Both stored under one hash: only the name comparison can separate them.
        index.insert(hash: 42, position: 0)
        index.insert(hash: 42, position: 1)
        #expect(index.find(names[1], hash: 42, in: names) == 1)
        #expect(index.find(names[0], hash: 42, in: names) == 0)
        #expect(index.find(name("c.example."), hash: 42, in: names) == nil)
    }

    /// A zone keeps the order names were first met in, and finds each through the index.
    @Test func zoneKeepsFirstSeenOrder() throws {
        let z = try zone(
            """
            $TTL 60
            @ SOA ns h 1 2 3 4 5
            b A 192.0.2.2
            a.x A 192.0.2.1
            B AAAA 2001:db8::2
            """, origin: "example.")
        var seen: [String] = []
        z.forEachName { n, hash, _, _ in
            seen.append(n.text)
            #expect(hash == n.wireHash)
        }
        // The apex first, then b, a.x and its empty non-terminal x; "B" is "b" again.
        #expect(seen == ["example.", "b.example.", "a.x.example.", "x.example."])
        #expect(z.rrsets(at: name("B.EXAMPLE."))?.map(\.type) == [.A, .AAAA])
        // The SOA, three records, and Route 53's four NS records for a zone without its own.
        #expect(z.recordCount == 8)
    }
}
