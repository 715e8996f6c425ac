// SPDX-License-Identifier: Apache-2.0
import DNSCore
import DNSZone

/// What a routed group answers with.
enum RoutedAnswer {
    /// Records under the queried name (a CNAME among them is followed like any other).
    case records(RRSet)
    /// Nothing of that type: NODATA.
    case none
    /// An alias to a name outside the private zones: the forwarder resolves it and answers under
    /// the alias's name.
    case upstream(DNSName, UpstreamGroup)
}

extension QueryEngine {
    /// Aliases followed to another alias before giving up (Route 53 allows chains within a zone).
    static let maxAliasDepth = 8

    /// Chooses among `group`'s record sets (health, region) and turns the choice into records under
    /// `owner`: a set's own records, or an alias's target's, with the target's TTL and no CNAME
    /// (`route53-semantics.md` §1.4, §7 item 9).
    func answerRouted(
        _ group: RoutedGroup, owner: DNSName, type: RRType, depth: Int = 0, clientAZ: String? = nil, rotation: Int = 0
    ) -> RoutedAnswer {
        var random = SystemRandomNumberGenerator()
        let chosen = RoutingChoice.choose(
            group.members, region: region, healthy: { self.isHealthy($0, type: type, depth: depth) },
            hasCheck: { self.health.has($0.healthCheck) }, clientAZ: clientAZ, affinity: affinity.mode, rotation: rotation,
            using: &random)
        var answer: RRSet?
        for member in chosen {
            switch member.content {
            case .records(let set):
                guard var merged = answer else {
                    answer = set.renamed(owner)
                    continue
                }
                // Multivalue: one RRset of every chosen set's records, at the least TTL (RFC 2181 §5.2).
                for rdata in set.rdatas where !merged.rdatas.contains(rdata) { merged.rdatas.append(rdata) }
                merged.ttl = min(merged.ttl, set.ttl)
                answer = merged
            case .alias(let target):
                return aliasAnswer(target.name, owner: owner, type: type, depth: depth)
            }
        }
        return answer.map { .records($0) } ?? .none
    }

    /// The target's data of `type`: from the private zone it routes to (a record of the same zone,
    /// or an interface endpoint's name), else from upstream.
    private func aliasAnswer(_ target: DNSName, owner: DNSName, type: RRType, depth: Int) -> RoutedAnswer {
        switch fastPath.route(target) {
        case .refuse:
            return .none
        case .forward(let group):
            guard let upstreams = fastPath.upstreams(group) else { return .none }
            return .upstream(target, upstreams)
        case .zone(let route):
            switch fastPath.zone(route).lookup(target, type: type) {
            case .answer(let set, _):
                return .records(set.renamed(owner))
            case .routed(let group, _) where depth < QueryEngine.maxAliasDepth:
                return answerRouted(group, owner: owner, type: type, depth: depth + 1)
            default:
                // The types must match: an alias never answers with a CNAME or another type.
                return .none
            }
        }
    }

    /// A set counts as healthy when its check passes, and, for an alias with EvaluateTargetHealth, when
    /// its target in the private zones has a healthy set (a target outside them counts as healthy).
    func isHealthy(_ member: RoutedRecordSet, type: RRType, depth: Int) -> Bool {
        guard health.isHealthy(member.healthCheck) else { return false }
        guard case .alias(let target) = member.content, target.evaluateTargetHealth, depth < QueryEngine.maxAliasDepth,
            case .zone(let route) = fastPath.route(target.name)
        else { return true }
        switch fastPath.zone(route).lookup(target.name, type: type) {
        case .answer: return true
        case .routed(let group, _): return group.members.contains { isHealthy($0, type: type, depth: depth + 1) }
        default: return false
        }
    }
}
