// SPDX-License-Identifier: Apache-2.0
import Testing
@testable import DNSCore

@Suite struct DNSNameTests {
    @Test(arguments: [
        ("example.com.", "example.com."),
        ("Example.COM", "Example.COM."),
        (".", "."),
        ("a\\.b.example.", "a\\.b.example."),
        ("\\065bc.", "Abc."),
        ("\\000\\255.x.", "\\000\\255.x."),
        ("semi\\;colon.", "semi\\;colon."),
        ("sp\\032ace.", "sp\\032ace."),
    ])
    func presentationRoundTrip(input: String, printed: String) throws {
        let name = try DNSName(parsing: input)
        #expect(name.text == printed)
        #expect(try DNSName(parsing: name.text) == name)
    }

    @Test func relativeNamesTakeTheOrigin() throws {
        let origin = try DNSName(parsing: "corp.")
        #expect(try DNSName(parsing: "www.internal", origin: origin).text == "www.internal.corp.")
        #expect(try DNSName(parsing: "www.other.", origin: origin).text == "www.other.")
    }

    @Test func labelAndNameLimits() throws {
        let label63 = String(repeating: "a", count: 63)
        #expect(throws: Never.self) { try DNSName(parsing: label63 + ".") }
        #expect(throws: DNSNameError.invalidLabelLength(64)) { try DNSName(parsing: label63 + "a.") }
        // 4 × (1 + 62) + 1 = 253 octets fits; one more label does not.
        let label62 = String(repeating: "b", count: 62)
        let long = [label62, label62, label62, label62].joined(separator: ".") + "."
        #expect(try DNSName(parsing: long).wire.count == 253)
        #expect(throws: DNSNameError.nameTooLong(256)) { try DNSName(parsing: "ab." + long) }
        #expect(throws: DNSNameError.self) { try DNSName(parsing: "a..b.") }
        #expect(throws: DNSNameError.self) { try DNSName(parsing: "bad\\25") }
        #expect(throws: DNSNameError.self) { try DNSName(parsing: "bad\\256.") }
        #expect(throws: DNSNameError.self) { try DNSName(parsing: "") }
    }

    /// The parser builds on a 256-octet stack buffer: what runs past it is still measured, so the
    /// error names the true length.
    @Test func limitsPastTheParseBuffer() throws {
        #expect(throws: DNSNameError.invalidLabelLength(300)) { try DNSName(parsing: String(repeating: "x", count: 300)) }
        let label62 = String(repeating: "c", count: 62)
        let labels = [label62, label62, label62, label62, label62].joined(separator: ".")
        #expect(throws: DNSNameError.nameTooLong(316)) { try DNSName(parsing: labels + ".") }
        // Fits alone, not with the origin appended: 3 × 63 + 62 labels' octets + "corp." (6).
        let origin = try DNSName(parsing: "corp.")
        let relative = [label62, label62, label62, "d"].joined(separator: ".")
        #expect(try DNSName(parsing: relative, origin: origin).wire.count == 197)
        let tooLong = [label62, label62, label62, String(repeating: "d", count: 60)].joined(separator: ".")
        #expect(throws: DNSNameError.nameTooLong(256)) { try DNSName(parsing: tooLong, origin: origin) }
        #expect(try DNSName(parsing: "a\\.b\\065.", origin: origin).text == "a\\.bA.")
    }

    /// RFC 4343 §3: ASCII case is ignored in comparisons and hashing, but kept.
    @Test func caseInsensitiveEqualityAndHash() throws {
        let a = try DNSName(parsing: "WWW.Example.COM.")
        let b = try DNSName(parsing: "www.example.com.")
        #expect(a == b)
        #expect(a.hashValue == b.hashValue)
        #expect(Set([a, b]).count == 1)
        #expect(a.text == "WWW.Example.COM.")
        #expect(try DNSName(parsing: "\\195.") != DNSName(parsing: "\\227."))  // only ASCII folds
    }

    /// RFC 4034 §6.1: the example list is in canonical order.
    @Test func rfc4034Section6_1CanonicalOrdering() throws {
        let ordered = [
            "example.", "a.example.", "yljkjljk.a.example.", "Z.a.example.", "zABC.a.EXAMPLE.", "z.example.",
            "\\001.z.example.", "*.z.example.", "\\200.z.example.",
        ].map { try! DNSName(parsing: $0) }
        #expect(ordered.shuffled().sorted() == ordered)
        for i in 0..<(ordered.count - 1) {
            #expect(ordered[i] < ordered[i + 1])
            #expect(!(ordered[i + 1] < ordered[i]))
        }
    }

    @Test func hierarchy() throws {
        let name = try DNSName(parsing: "a.b.example.")
        let zone = try DNSName(parsing: "EXAMPLE.")
        #expect(name.isSubdomain(of: zone))
        #expect(zone.isSubdomain(of: zone))
        #expect(!zone.isSubdomain(of: name))
        #expect(!(try DNSName(parsing: "notexample.")).isSubdomain(of: zone))
        #expect(name.isSubdomain(of: .root))
        #expect(name.parent?.text == "b.example.")
        #expect(name.labelCount == 3)
        #expect(DNSName.root.parent == nil)
        #expect(zone.wildcard?.text == "*.EXAMPLE.")
        #expect(zone.wildcard!.isWildcard)
        #expect(!(try DNSName(parsing: "*a.example.")).isWildcard)
    }

    @Test func wireValidation() throws {
        #expect(try DNSName(wire: [3, 97, 98, 99, 0]).text == "abc.")
        #expect(throws: DNSNameError.self) { try DNSName(wire: [3, 97, 98]) }
        #expect(throws: DNSNameError.self) { try DNSName(wire: [1, 97, 0, 0]) }
        #expect(throws: DNSNameError.self) { try DNSName(wire: [64] + [UInt8](repeating: 97, count: 64) + [0]) }
    }
}
