// SPDX-License-Identifier: Apache-2.0
import DNSCore

/// Turns an upstream response into what is kept and served: only the chain of the question (the
/// name, the CNAMEs from it, the records of the last name) and, for negative answers, the SOA of an
/// enclosing zone. Everything else — additional data, other authority records, answers about other
/// names — is out of the query's bailiwick and dropped (RFC 5452 §6, Unbound's scrubber).
enum CacheScrubber {
    static func entry(for response: Message, question: Question, now: Double, policy: CachePolicy)
        -> (entry: CachedAnswer, cacheable: Bool)
    {
        var chain: [ResourceRecord] = []
        chain.reserveCapacity(response.answers.count)
        var name = question.name
        var visited = [name]
        // Follow CNAMEs in the order given; a bounded walk that never revisits a name.
        for _ in 0..<16 {
            var found = false
            var next: DNSName?
            for record in response.answers
            where (record.type == question.type || record.type == .CNAME) && record.name == name {
                found = true
                if !chain.contains(record) { chain.append(record) }
                if next == nil, record.type == .CNAME, case .cname(let target) = record.rdata { next = target }
            }
            guard found, question.type != .CNAME, let target = next, !visited.contains(target) else { break }
            visited.append(target)
            name = target
        }
        let hasData = chain.contains { $0.name == name && $0.type == question.type }
        let rcode = response.rcode
        switch rcode {
        case .noError where hasData:
            let clamped = chain.map { record -> ResourceRecord in
                var copy = record
                copy.ttl = min(max(record.ttl, policy.minTTL), policy.maxTTL)
                return copy
            }
            let ttl = clamped.map(\.ttl).min() ?? 0
            return (CachedAnswer(kind: .positive, rcode: rcode, answers: clamped, authority: [], storedAt: now, ttl: ttl), ttl > 0)
        case .noError, .nxDomain:
            // RFC 2308 §5: the negative TTL is min(SOA TTL, SOA MINIMUM); without an SOA, do not cache.
            let soa = response.authority.first { record in
                guard record.type == .SOA, case .soa = record.rdata else { return false }
                return name.isSubdomain(of: record.name)
            }
            guard var soa, case .soa(let data) = soa.rdata else {
                return (CachedAnswer(kind: .negative, rcode: rcode, answers: chain, authority: [], storedAt: now, ttl: 0), false)
            }
            let ttl = min(min(soa.ttl, data.minimum), policy.maxNegativeTTL)
            soa.ttl = ttl
            let answers = chain.map { record -> ResourceRecord in
                var copy = record
                copy.ttl = min(record.ttl, ttl)
                return copy
            }
            return (CachedAnswer(kind: .negative, rcode: rcode, answers: answers, authority: [soa], storedAt: now, ttl: ttl), ttl > 0)
        case .servFail:
            let ttl = policy.failureTTL
            return (CachedAnswer(kind: .failure, rcode: rcode, answers: [], authority: [], storedAt: now, ttl: ttl), ttl > 0)
        default:
            // REFUSED, FORMERR, NOTIMP…: passed through, never cached.
            return (CachedAnswer(kind: .failure, rcode: rcode, answers: [], authority: [], storedAt: now, ttl: 0), false)
        }
    }
}
