// SPDX-License-Identifier: Apache-2.0
import DNSCore
import Testing

@testable import DNSZone

@Suite struct RRSetListTests {
    /// RRsets stay in type order however their records arrive; records join their RRset, a
    /// duplicate is dropped, and the first record's TTL stays.
    @Test func keepsTypeOrderAndMergesRecords() {
        var list = RRSetList()
        let owner = name("a.example.")
        let records: [(RRType, UInt32, RData)] = [
            (.TXT, 60, .txt([[0x61]])), (.A, 300, .a(IPv4Address(10, 0, 0, 1))), (.MX, 60, .mx(preference: 1, exchange: owner)),
            (.A, 100, .a(IPv4Address(10, 0, 0, 2))), (.A, 300, .a(IPv4Address(10, 0, 0, 1))), (.NS, 60, .ns(owner)),
        ]
        var added: [Bool] = []
        for (type, ttl, rdata) in records {
            added.append(list.add(ResourceRecord(name: owner, type: type, rrClass: .IN, ttl: ttl, rdata: rdata)))
        }
        #expect(added == [true, true, true, true, false, true])
        #expect(list.map(\.type) == [.A, .NS, .MX, .TXT])
        #expect(list[.A]?.rdatas == [.a(IPv4Address(10, 0, 0, 1)), .a(IPv4Address(10, 0, 0, 2))])
        #expect(list[.A]?.ttl == 300)
        list[.A] = nil
        #expect(list.map(\.type) == [.NS, .MX, .TXT])
        list[.AAAA] = RRSet(name: owner, type: .AAAA, ttl: 5, rdatas: [.aaaa(IPv6Address(text: "::1")!)])
        list[.CAA] = RRSet(name: owner, type: .CAA, ttl: 5, rdatas: [.caa(flags: 0, tag: [0x69], value: [0x78])])
        #expect(list.map(\.type) == [.NS, .MX, .TXT, .AAAA, .CAA])
        #expect(list[.SOA] == nil)
    }
}
