// SPDX-License-Identifier: Apache-2.0

/// Response-rate limiting for UDP (so the resolver cannot be used to amplify): a token bucket per
/// client network (/32 for IPv4, /56 for IPv6), `rate` responses a second with `burst` in hand.
/// Over the limit, every `slip`-th response goes out as an empty TC=1 reply (a real client retries
/// over TCP, which is not limited), the rest are dropped (BIND RRL's slip). Exempt networks
/// (loopback by default) are never limited. One limiter per worker: not thread-safe, no locks.
public struct ResponseRateLimiter {
    public struct Settings: Sendable, Equatable {
        /// Responses per second per client network; 0 turns limiting off.
        public var rate: Double
        public var burst: Double
        public var slip: Int
        public var exempt: AccessControlList

        public init(
            rate: Double = 1000, burst: Double = 2000, slip: Int = 2,
            exempt: AccessControlList = AccessControlList([CIDR(parsing: "127.0.0.0/8")!, CIDR(parsing: "::1/128")!])
        ) {
            self.rate = rate
            self.burst = max(burst, 1)
            self.slip = slip
            self.exempt = exempt
        }

        public static func == (l: Settings, r: Settings) -> Bool {
            l.rate == r.rate && l.burst == r.burst && l.slip == r.slip && l.exempt.allowed == r.exempt.allowed
        }
    }

    public enum Verdict: Equatable {
        case allow
        /// Send an empty reply with TC=1 instead.
        case slip
        case drop
    }

    private struct Bucket {
        var tokens: Double
        var last: Double
        var limited: Int
    }

    public var settings: Settings
    private var buckets: [UInt64: Bucket] = [:]
    /// Clients tracked before the table is swept of full buckets.
    static let maxTracked = 100_000
    /// Responses withheld (slipped or dropped).
    public private(set) var limitedCount = 0

    public init(settings: Settings) { self.settings = settings }

    /// Decides for one response to `client` at monotonic time `now`.
    /// - Parameter now: read only for a client that is limited (no clock read for exempt ones).
    public mutating func check(_ client: ClientAddress, now clock: @autoclosure () -> Double) -> Verdict {
        guard settings.rate > 0, !settings.exempt.allows(client) else { return .allow }
        let now = clock()
        let key = client.isIPv6 ? (client.high & 0xFFFF_FFFF_FFFF_FF00) | 1 : client.high
        var bucket = buckets[key] ?? Bucket(tokens: settings.burst, last: now, limited: 0)
        bucket.tokens = min(settings.burst, bucket.tokens + (now - bucket.last) * settings.rate)
        bucket.last = now
        let verdict: Verdict
        if bucket.tokens >= 1 {
            bucket.tokens -= 1
            verdict = .allow
        } else {
            bucket.limited += 1
            limitedCount += 1
            verdict = settings.slip > 0 && bucket.limited % settings.slip == 0 ? .slip : .drop
        }
        if buckets.count >= ResponseRateLimiter.maxTracked && buckets[key] == nil {
            // Forget clients whose buckets have refilled: they lose nothing by it.
            buckets = buckets.filter { now - $0.value.last < settings.burst / settings.rate }
        }
        buckets[key] = bucket
        return verdict
    }
}
