// SPDX-License-Identifier: Apache-2.0
import Testing
@testable import DNSCore

/// Random and mutated bytes must only ever make the reader throw or return (never trap or hang),
/// and whatever it accepts must survive decode → encode → decode unchanged.
@Suite struct FuzzTests {
    static let seeds: [[UInt8]] = {
        var seeds = everyType.map { record in
            Message(
                header: Header(id: 1, flags: 0x8180), questions: [Question(name: record.name, type: record.type)],
                answers: [record, record], authority: everyType.prefix(3).map { $0 }, additional: [record],
                edns: EDNS(udpPayloadSize: 1232, options: [EDNS.Option(code: 10, data: [1, 2, 3, 4, 5, 6, 7, 8])])
            ).encode()
        }
        var query = PacketBuilder()
        query.header()
        query.name("abcdef1234.execute-api.us-east-1.amazonaws.com.")
        query.u16(1)
        query.u16(1)
        seeds.append(query.bytes)
        return seeds
    }()

    @Test func hundredThousandRandomAndMutatedPackets() {
        var rng = SeededGenerator(seed: 0x5EED_D15C)
        var accepted = 0
        var rejected = 0
        for round in 0..<100_000 {
            var packet: [UInt8]
            if round % 4 == 0 {
                packet = (0..<Int.random(in: 0...600, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            } else {
                packet = FuzzTests.seeds[Int.random(in: 0..<FuzzTests.seeds.count, using: &rng)]
                let edits = Int.random(in: 1...8, using: &rng)
                for _ in 0..<edits where !packet.isEmpty {
                    let at = Int.random(in: 0..<packet.count, using: &rng)
                    switch UInt8.random(in: 0...4, using: &rng) {
                    case 0: packet[at] = UInt8.random(in: 0...255, using: &rng)
                    case 1: packet[at] ^= 1 << UInt8.random(in: 0...7, using: &rng)
                    case 2: packet.removeSubrange(at...)
                    case 3: packet.insert(UInt8.random(in: 0...255, using: &rng), at: at)
                    default: packet[at] = [0, 0xC0, 0x3F, 0xFF][Int.random(in: 0...3, using: &rng)]
                    }
                }
            }
            _ = try? QueryPreview.parse(packet)
            do {
                let message = try Message(wire: packet)
                accepted += 1
                let reencoded = message.encode()
                let again = try Message(wire: reencoded)
                #expect(again == message, "round trip changed \(packet)")
                if again != message { return }
            } catch {
                rejected += 1
            }
        }
        #expect(accepted + rejected == 100_000)
        #expect(accepted > 1_000, "mutations should leave many packets valid")
        #expect(rejected > 10_000)
    }
}
