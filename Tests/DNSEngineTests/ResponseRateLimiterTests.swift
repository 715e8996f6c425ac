// SPDX-License-Identifier: Apache-2.0
import Testing

@testable import DNSEngine

@Suite struct ResponseRateLimiterTests {
    let outsider = ClientAddress([192, 0, 2, 7])

    @Test func burstThenRateThenSlip() {
        var limiter = ResponseRateLimiter(settings: .init(rate: 10, burst: 5, slip: 2))
        let verdicts = (0..<9).map { _ in limiter.check(outsider, now: 100) }
        #expect(verdicts == [.allow, .allow, .allow, .allow, .allow, .drop, .slip, .drop, .slip])
        // A second later the bucket holds 5 again (burst caps the refill of 10).
        let later = (0..<6).map { _ in limiter.check(outsider, now: 101) }
        #expect(later.filter { $0 == .allow }.count == 5)
        #expect(limiter.limitedCount == 5)
    }

    @Test func loopbackIsExemptAndOthersAreSeparate() {
        var limiter = ResponseRateLimiter(settings: .init(rate: 1, burst: 1, slip: 0))
        for _ in 0..<100 { #expect(limiter.check(ClientAddress([127, 0, 0, 1]), now: 5) == .allow) }
        #expect(limiter.check(outsider, now: 5) == .allow)
        #expect(limiter.check(outsider, now: 5) == .drop)
        #expect(limiter.check(ClientAddress([192, 0, 2, 8]), now: 5) == .allow)
        // IPv6 clients share a /56.
        let a = ClientAddress([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0x01] + [UInt8](repeating: 0, count: 7) + [1])
        let b = ClientAddress([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0x02] + [UInt8](repeating: 0, count: 7) + [2])
        #expect(limiter.check(a, now: 5) == .allow)
        #expect(limiter.check(b, now: 5) == .drop)
    }

    @Test func zeroRateIsOff() {
        var limiter = ResponseRateLimiter(settings: .init(rate: 0))
        for _ in 0..<10_000 { #expect(limiter.check(outsider, now: 1) == .allow) }
    }
}
