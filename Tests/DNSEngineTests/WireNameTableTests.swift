// SPDX-License-Identifier: Apache-2.0
import DNSCore
import Testing

@testable import DNSEngine

@Suite struct WireNameTableTests {
    private func wire(_ text: String) -> [UInt8] { try! DNSName(parsing: text).wire }

    /// A name is found from packet bytes in any case, its value and payload come back, and names it
    /// was not given are not found.
    @Test func findsValueAndPayloadWithoutCase() throws {
        var table = WireNameTable<Int64>(expected: 1_000)
        var records: [Int] = []
        for i in 0..<1_000 {
            let name = try DNSName(parsing: "host\(i).example.")
            records.append(table.insert(name, Int64(i) * 3, payload: [UInt8(i & 0xFF), UInt8(i >> 8)]))
        }
        #expect(table.count == 1_000)
        for i in stride(from: 0, to: 1_000, by: 37) {
            let bytes = [0xAA] + wire("HOST\(i).Example.")  // the name starts one octet in, as in a packet
            let found = bytes.withUnsafeBytes { raw in
                table.find(raw, 1, raw.count, hash: WireNameHash.hash(raw, 1, raw.count))
            }
            #expect(found == records[i])
            guard let found else { continue }
            #expect(table.value(at: found) == Int64(i) * 3)
            let start = table.payloadStart(at: found)
            #expect(table.withArena { [$0[start], $0[start + 1]] } == [UInt8(i & 0xFF), UInt8(i >> 8)])
        }
        #expect(table.find(try DNSName(parsing: "host1000.example.")) == nil)
        #expect(table.find(try DNSName(parsing: "host1.example.com.")) == nil)
    }

    /// Inserting a name again points it at a new record (another payload size fits); `update`
    /// changes a value in place.
    @Test func reinsertAndUpdate() throws {
        var table = WireNameTable<Int32>(expected: 4)
        let name = try DNSName(parsing: "a.example.")
        let first = table.insert(name, 1, payload: [1, 2, 3, 4])
        let second = table.insert(try DNSName(parsing: "A.EXAMPLE."), 2, payload: Array(repeating: 9, count: 16))
        #expect(first != second)
        #expect(table.count == 1)
        #expect(table.find(name) == second)
        #expect(table.value(at: second) == 2)
        table.update(at: second) { $0 += 40 }
        #expect(table.value(at: try #require(table.find(name))) == 42)
        #expect(table.withArena { $0[table.payloadStart(at: second) + 15] } == 9)
    }
}
