// SPDX-License-Identifier: Apache-2.0

/// How a query was answered, for the query log and metrics.
public enum ResolvedBy: String, Sendable, CaseIterable {
    /// A private zone file.
    case zone
    /// Records synthesised from an interface endpoint.
    case endpoint
    /// The forward cache.
    case cache
    /// An upstream, just now.
    case upstream
    /// An expired cache entry, because every upstream failed (RFC 8767).
    case stale
    /// SERVFAIL: no upstream answered in time.
    case failure
    /// Not allowed, or not ours to answer.
    case refused
    /// FORMERR, NOTIMP, BADVERS.
    case error
}

extension ResolvedBy {
    /// Its place in `allCases`, without searching it (metrics count by it on every query).
    var index: Int {
        switch self {
        case .zone: 0
        case .endpoint: 1
        case .cache: 2
        case .upstream: 3
        case .stale: 4
        case .failure: 5
        case .refused: 6
        case .error: 7
        }
    }
}
