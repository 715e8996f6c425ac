// SPDX-License-Identifier: Apache-2.0
import Testing

@testable import DNSCore

/// The word-at-a-time name hash and comparison agree with the octet-at-a-time definitions.
@Suite struct WireNameHashTests {
    @Test func loweringAWordLowersEachOctetAsAsciiLowerDoes() {
        for byte in 0...255 {
            for position in 0..<8 {
                // The octet under test amid neighbours that are letters and not.
                var octets: [UInt8] = [0x41, 0x5A, 0x40, 0x5B, 0x61, 0xC1, 0x00, 0x7F]
                octets[position] = UInt8(byte)
                let word = octets.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
                let lowered = withUnsafeBytes(of: WireNameHash.lowered(word).littleEndian) { Array($0) }
                #expect(lowered == octets.map(asciiLower), "octet \(byte) at \(position)")
            }
        }
    }

    @Test func theHashIgnoresCaseAndTellsNamesApart() {
        func hash(_ text: String) -> UInt64 { name(text).wire.withUnsafeBytes { WireNameHash.hash($0, 0, $0.count) } }
        #expect(hash("WWW.Example.COM.") == hash("www.example.com."))
        #expect(hash("ab.c.") != hash("a.bc."))
        // Only ASCII letters fold (RFC 4343 §3): octets 0xC0 and 0xE0 are different labels.
        let high: [[UInt8]] = [[1, 0xC0, 0], [1, 0xE0, 0]]
        let highHashes = high.map { $0.withUnsafeBytes { WireNameHash.hash($0, 0, $0.count) } }
        #expect(highHashes[0] != highHashes[1])
        // Labels of every length from 1 to 63, and 20,000 distinct names: no two share a hash.
        var seen = Set<UInt64>()
        for length in 1...63 { seen.insert(hash(String(repeating: "x", count: length) + ".example.")) }
        for i in 0..<20_000 { seen.insert(hash("name\(i).fwd.test.")) }
        #expect(seen.count == 63 + 20_000)
    }

    /// The hash of a suffix, computed inside a longer name in a packet (each label mixed right to
    /// left, as the fast path does), equals the hash of that suffix on its own.
    @Test func suffixHashesComeOutOfOnePass() {
        let full = name("api.Execute-API.us-east-1.amazonaws.com.").wire
        var packet: [UInt8] = Array(repeating: 0, count: 12) + full + [0, 1, 0, 1]
        packet[2] = 1
        packet.withUnsafeBytes { bytes in
            var starts: [Int] = []
            var p = 12
            while bytes[p] != 0 {
                starts.append(p)
                p += 1 + Int(bytes[p])
            }
            var h = WireNameHash.seed
            for start in starts.reversed() {
                h = WireNameHash.mix(h, bytes, start)
                let suffix = Array(bytes[start...p])
                let alone = suffix.withUnsafeBytes { WireNameHash.hash($0, 0, $0.count) }
                #expect(h == alone, "suffix at \(start)")
                #expect(WireNameHash.hash(bytes, start, p + 1) == alone)
            }
        }
    }

    /// `equal` against a lower-case copy, for every length up to 40 and a difference at every
    /// place, with the compared bytes at the very end of their buffers (the partial-word path).
    @Test func equalMatchesAnOctetByOctetComparison() {
        var generator = SeededGenerator(seed: 7)
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_".utf8) + [0x80, 0xC3, 0xE9]
        for length in 0...40 {
            let text = (0..<length).map { _ in alphabet.randomElement(using: &generator)! }
            let lower = text.map(asciiLower)
            for padding in [0, 3, 16] {
                let query = [0xEE, 0xEE] + text + Array(repeating: 0xEE, count: padding)
                let stored = lower + Array(repeating: 0, count: padding)
                query.withUnsafeBytes { q in
                    stored.withUnsafeBytes { s in
                        #expect(WireNameHash.equal(q, 2, lowered: s, 0, count: length))
                        for place in 0..<length {
                            var other = stored
                            other[place] = other[place] == 0x7A ? 0x79 : asciiLower(other[place] &+ 1)
                            if other[place] == stored[place] { continue }
                            let same = other.withUnsafeBytes { WireNameHash.equal(q, 2, lowered: $0, 0, count: length) }
                            #expect(!same, "length \(length), difference at \(place)")
                        }
                    }
                }
            }
        }
    }
}

@Suite struct CopyLoweredTests {
    /// Every length around the word size, every octet value: the copy is `asciiLower` octet by
    /// octet, and nothing past the end is written.
    @Test func copiesLoweredAndStopsAtTheEnd() {
        let octets = (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 37) }
        for count in 0..<20 {
            for start in [0, 1, 7] {
                let source = Array(octets[start..<(start + count * 13 % 300)])
                var destination = [UInt8](repeating: 0xEE, count: source.count + 9)
                source.withUnsafeBytes { from in
                    destination.withUnsafeMutableBytes { WireNameHash.copyLowered(from, to: $0.baseAddress!) }
                }
                #expect(Array(destination[0..<source.count]) == source.map(asciiLower))
                #expect(destination[source.count...].allSatisfy { $0 == 0xEE })
            }
        }
    }
}

@Suite struct HugePagesTests {
    /// `map` gives zeroed, writable memory on a 2 MiB boundary, whatever the size asked for.
    @Test func mapIsAlignedAndZero() throws {
        for size in [4096, HugePages.size, 3 * HugePages.size + 123] {
            let base = try #require(HugePages.map(byteCount: size))
            #expect(Int(bitPattern: base) % HugePages.size == 0)
            let bytes = UnsafeMutableRawBufferPointer(start: base, count: size)
            #expect(bytes[0] == 0 && bytes[size - 1] == 0)
            bytes[size - 1] = 7
            #expect(bytes[size - 1] == 7)
            HugePages.unmap(base, byteCount: size)
        }
    }
}
