// SPDX-License-Identifier: Apache-2.0
import Testing

@testable import EventIO

@Suite struct DoHMessageTests {
    /// RFC 8484 §4.1.1's example: `www.example.com A`, ID 0, RD, as GET's `dns=`.
    static let example = "AAABAAABAAAAAAAAA3d3dwdleGFtcGxlA2NvbQAAAQAB"
    static let exampleBytes: [UInt8] = [
        0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, 119, 119, 119, 7, 101, 120, 97, 109, 112, 108, 101, 3, 99, 111, 109, 0, 0, 1, 0, 1,
    ]

    @Test func base64URLWithAndWithoutPadding() {
        #expect(DoH.base64URL(decoding: Self.example[...]) == Self.exampleBytes)
        #expect(DoH.base64URL(decoding: "-_8") == [0xFB, 0xFF])
        #expect(DoH.base64URL(decoding: "-_8=") == [0xFB, 0xFF])
        #expect(DoH.base64URL(decoding: "+/8") == nil)  // base64's alphabet, not base64url's
    }

    @Test func requestsAndTheirRefusals() {
        func status(_ method: String, _ path: String, type: String = "", body: [UInt8] = []) -> Int {
            let request = DoH.Request()
            (request.method, request.path, request.contentType, request.body) = (method, path, type, body)
            switch DoH.message(of: request, servedPath: "/dns-query") {
            case .success(let message): return message == Self.exampleBytes ? 200 : -1
            case .failure(let refusal): return refusal.rawValue
            }
        }
        #expect(status("GET", "/dns-query?dns=" + Self.example) == 200)
        #expect(status("GET", "/dns-query?ct&dns=" + Self.example) == 200)
        #expect(status("POST", "/dns-query", type: "application/dns-message", body: Self.exampleBytes) == 200)
        #expect(status("GET", "/other?dns=" + Self.example) == 404)
        #expect(status("GET", "/dns-query") == 400)
        #expect(status("GET", "/dns-query?dns=AAAA") == 400)  // shorter than a header
        #expect(status("POST", "/dns-query", type: "text/plain", body: Self.exampleBytes) == 415)
        #expect(status("DELETE", "/dns-query") == 405)
        let big = DoH.Request()
        (big.method, big.path, big.contentType, big.tooLarge) = ("POST", "/dns-query", DoH.mediaType, true)
        #expect(DoH.message(of: big, servedPath: "/dns-query") == .failure(.payloadTooLarge))
    }

    @Test func maxAgeIsTheSmallestTTLLeavingOutOPT() {
        // www.example.com A: two answers (TTL 300, 60, the second by a compression pointer) and an OPT.
        var reply = Self.exampleBytes
        reply[2] = 0x81
        reply[7] = 2  // ANCOUNT
        reply[11] = 1  // ARCOUNT
        reply += [0xC0, 12, 0, 1, 0, 1, 0, 0, 1, 44, 0, 4, 192, 0, 2, 1]
        reply += [0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 2]
        reply += [0, 0, 41, 4, 208, 0, 0, 0, 0, 0, 0]  // OPT: its TTL field is flags, 0 here
        #expect(reply.withUnsafeBytes { DoH.minimumTTL($0) } == 60)
        #expect(Self.exampleBytes.withUnsafeBytes { DoH.minimumTTL($0) } == nil)
        #expect(Array(reply.prefix(20)).withUnsafeBytes { DoH.minimumTTL($0) } == nil)
    }
}
