// SPDX-License-Identifier: Apache-2.0
import Testing

@testable import DNSCore

/// The RFC 4648 §10 test vectors, both ways, and what must be refused.
@Suite struct BinaryTextTests {
    static let base64Vectors = [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy")]
    // RFC 4648 §10 gives them with padding; NSEC3 writes none (RFC 5155 §3.3).
    static let base32HexVectors = [("", ""), ("f", "CO"), ("fo", "CPNG"), ("foo", "CPNMU"), ("foob", "CPNMUOG"), ("fooba", "CPNMUOJ1"), ("foobar", "CPNMUOJ1E8")]

    @Test(arguments: base64Vectors)
    func base64(_ plain: String, _ encoded: String) {
        #expect(BinaryText.base64(Array(plain.utf8)) == encoded)
        #expect(BinaryText.base64(decoding: Array(encoded.utf8)) == Array(plain.utf8))
    }

    @Test(arguments: base32HexVectors)
    func base32Hex(_ plain: String, _ encoded: String) {
        #expect(BinaryText.base32Hex(Array(plain.utf8)) == encoded)
        #expect(BinaryText.base32Hex(decoding: Array(encoded.lowercased().utf8)) == Array(plain.utf8))
    }

    @Test func refusals() {
        #expect(BinaryText.base64(decoding: Array("Zg=".utf8)) == nil)  // not a multiple of 4
        #expect(BinaryText.base64(decoding: Array("Z===".utf8)) == nil)  // padding too early
        #expect(BinaryText.base64(decoding: Array("Zg==Zg==".utf8)) == nil)  // padding before the end
        #expect(BinaryText.base64(decoding: Array("Zm9*".utf8)) == nil)
        #expect(BinaryText.base32Hex(decoding: Array("W0".utf8)) == nil)  // W is past base32hex
        #expect(BinaryText.hex(decoding: Array("ABC".utf8)) == nil)
        #expect(BinaryText.hex(decoding: Array("0G".utf8)) == nil)
        #expect(BinaryText.hex(decoding: Array("0aFf".utf8)) == [0x0A, 0xFF])
    }

    /// RFC 4034 §3.3's example signature times, both ways.
    @Test func rrsigTimes() {
        #expect(RDataSchema.timestamp(Array("20030322173103".utf8)) == 1_048_354_263)
        #expect(RDataSchema.timestampText(1_048_354_263) == "20030322173103")
        #expect(RDataSchema.timestampText(0) == "19700101000000")
        #expect(RDataSchema.timestamp(Array("20031322173103".utf8)) == nil)  // month 13
        for seconds: UInt32 in [951_782_400, 1_709_251_199, 4_102_444_800, UInt32.max] {  // leap days, far ahead
            #expect(RDataSchema.timestamp(Array(RDataSchema.timestampText(seconds).utf8)) == seconds)
        }
    }
}

/// RFC 9460's rules at load time, and the presentation of what was loaded.
@Suite struct SvcParamsTests {
    func wire(_ params: [(String, String?)]) throws -> [UInt8] {
        try SvcParams.wire(params.map { ($0.0, $0.1.map { Array($0.utf8) }) })
    }

    func problem(_ params: [(String, String?)]) -> String? {
        do {
            _ = try wire(params)
            return nil
        } catch let error as SvcParams.Problem {
            return error.message
        } catch {
            return "\(error)"
        }
    }

    /// RFC 9460 Appendix D.2's examples, in wire form, and back.
    @Test func appendixDExamples() throws {
        // "1 foo.example.com. key667=hello": key 667, length 5, "hello".
        #expect(try wire([("key667", "hello")]) == [0x02, 0x9B, 0x00, 0x05] + Array("hello".utf8))
        // port=53.
        #expect(try wire([("port", "53")]) == [0x00, 0x03, 0x00, 0x02, 0x00, 0x35])
        // Keys are sorted; mandatory lists them sorted: "alpn=h2,h3-19 mandatory=ipv4hint,alpn ipv4hint=192.0.2.1".
        let sorted = try wire([("alpn", "h2,h3-19"), ("mandatory", "ipv4hint,alpn"), ("ipv4hint", "192.0.2.1")])
        #expect(sorted == [0, 0, 0, 4, 0, 1, 0, 4] + [0, 1, 0, 9, 2] + Array("h2".utf8) + [5] + Array("h3-19".utf8)
            + [0, 4, 0, 4, 192, 0, 2, 1])
        #expect(SvcParams.presentation(sorted[...]) == ["mandatory=alpn,ipv4hint", "alpn=\"h2,h3-19\"", "ipv4hint=192.0.2.1"])
        // An alpn id with a comma in it (Appendix D.2, "f\\oo\\,bar,h2").
        let odd = try wire([("alpn", "f\\\\oo\\,bar,h2")])
        #expect(odd == [0, 1, 0, 12, 8] + Array("f\\oo,bar".utf8) + [2] + Array("h2".utf8))
    }

    @Test func theRFCsLoadTimeErrors() {
        #expect(problem([("alpn", "h2"), ("mandatory", "port")]) == "mandatory lists \"port\", which the record does not have (RFC 9460 §8)")
        #expect(problem([("mandatory", "mandatory")]) == "mandatory must not list itself (RFC 9460 §8)")
        #expect(problem([("alpn", "h2"), ("mandatory", "alpn,alpn")]) == "mandatory lists \"alpn\" twice (RFC 9460 §8)")
        #expect(problem([("alpn", "h2"), ("ALPN", "h3")]) == "SvcParamKey \"alpn\" appears twice (RFC 9460 §2.2)")
        #expect(problem([("no-default-alpn", nil)]) == "no-default-alpn needs alpn in the same record (RFC 9460 §7.1.1)")
        #expect(problem([("colour", "blue")]) == "unknown SvcParamKey \"colour\"")
        #expect(problem([("key65535", nil)]) == "key65535 is reserved (RFC 9460 §14.3.2)")
        #expect(problem([("port", "99999")]) == "port must be a number from 0 to 65535, found \"99999\"")
        #expect(problem([("ohttp", "1")]) == "ohttp takes no value")
        #expect(problem([("alpn", nil)]) == "alpn needs a value")
        #expect(problem([("alpn", "h2,,h3")]) == "alpn has an empty item")
        #expect(problem([("ipv4hint", "192.0.2.300")]) == "ipv4hint: \"192.0.2.300\" is not an IPv4 address")
        #expect(problem([("dohpath", "dns-query")]) != nil)
        #expect(problem([("key65000", nil), ("no-default-alpn", nil), ("alpn", "h2")]) == nil)
    }

    /// Wire forms that break the rules print as nothing, so the record prints as `\#`.
    @Test func malformedWireIsNotPresented() {
        #expect(SvcParams.presentation([0, 3, 0, 2, 0, 53, 0, 1, 0, 3, 2, 104, 50][...]) == nil)  // keys out of order
        #expect(SvcParams.presentation([0, 3, 0, 1, 53][...]) == nil)  // a port of one octet
        #expect(SvcParams.presentation([0, 1, 0, 3, 5, 104, 50][...]) == nil)  // an alpn id overrunning
    }
}
