// SPDX-License-Identifier: Apache-2.0
import DNSCore
import DNSZone

/// How an authoritative answer ended.
enum AuthoritativeOutcome {
    /// The response is complete.
    case done
    /// A CNAME chain (or a `fallthrough` zone) leads outside the private zones: ask upstream for this
    /// name; the answers so far come first. With `alias`, the name is an alias's target, whose
    /// records are answered under the alias's name.
    case continueUpstream(DNSName, UpstreamGroup, alias: AliasAnswer?)
}

extension QueryEngine {
    /// Fills the answer from the private zones (RFC 1034 §4.3.2): the RRset, a CNAME chain followed
    /// across the zones, NODATA/NXDOMAIN with the zone's SOA (RFC 2308), or a referral.
    /// `first` is where the question's name was routed; each CNAME target is routed in turn.
    /// `clientAZ`: the client's Availability Zone, for endpoint answers with AZ affinity.
    func answerAuthoritatively(
        _ question: Question, in first: ZoneRoute, into response: inout Message, rotation: Int, clientAZ: String? = nil
    ) -> AuthoritativeOutcome {
        var name = question.name
        var visited: Set<DNSName> = []
        response.header.authoritative = true
        for hop in 0...QueryEngine.maxCNAMEChain {
            let zone: Zone
            switch hop == 0 ? .zone(first) : fastPath.route(name) {
            case .zone(let route):
                zone = fastPath.zone(route)
            case .forward(let group):
                // The chain leaves the private zones: the forwarder completes it (Route 53 does too).
                guard let upstreams = fastPath.upstreams(group) else { return .done }
                response.header.authoritative = false
                return .continueUpstream(name, upstreams, alias: nil)
            case .refuse:
                return .done
            }
            let options = zoneOptions[zone.origin] ?? ZoneOptions()
            if question.type == .ANY {
                answerANY(name, in: zone, into: &response, options: options)
                return .done
            }
            var found = zone.lookup(name, type: question.type)
            // An endpoint's ENIs come in the order the choice gave (its AZ first): not rotated again.
            var ordered = false
            if case .routed(let group, let wildcard) = found {
                if case .endpointENI = group.members.first?.policy { ordered = true }
                switch answerRouted(group, owner: name, type: question.type, clientAZ: clientAZ, rotation: rotation) {
                case .records(let set):
                    found = set.type == .CNAME && question.type != .CNAME ? .cname(set, wildcard: wildcard) : .answer(set, wildcard: wildcard)
                case .none:
                    found = .noData(wildcard: wildcard, emptyNonTerminal: false)
                case .upstream(let target, let group):
                    return .continueUpstream(target, group, alias: AliasAnswer(owner: name, negativeSOA: negativeSOA(zone)))
                }
            }
            switch found {
            case .routed:
                return .done
            case .answer(let set, _):
                response.answers += (ordered ? set : rotated(set, by: rotation)).records
                if set.type == .SVCB || set.type == .HTTPS { response.additional += serviceAddresses(set, owner: name) }
                return .done
            case .cname(let set, _):
                response.answers += set.records
                guard case .cname(let target) = set.rdatas[0] else { return .done }
                visited.insert(name)
                // A loop ends the chain with what was found (RFC 1034 §3.6.2).
                if visited.contains(target) { return .done }
                name = target
            case .noData:
                if options.awsStrictNXDomain {
                    response.rcode = .nxDomain
                }
                response.authority.append(negativeSOA(zone))
                return .done
            case .nameError, .notInZone:
                if options.fallThrough, let group = fallthroughGroup(name) {
                    response.header.authoritative = false
                    return .continueUpstream(name, group, alias: nil)
                }
                // RFC 6604 §3: after a CNAME, the RCODE speaks of the last name in the chain.
                response.rcode = .nxDomain
                response.authority.append(negativeSOA(zone))
                return .done
            case .delegation(let ns):
                if response.answers.isEmpty { response.header.authoritative = false }
                response.authority += ns.records
                response.additional += glue(for: ns, in: zone)
                return .done
            }
        }
        return .done
    }

    /// RFC 8482 §4.1: answer ANY with one RRset rather than everything.
    private func answerANY(_ name: DNSName, in zone: Zone, into response: inout Message, options: ZoneOptions) {
        switch zone.lookup(name, type: .ANY) {
        case .answer(let set, _), .cname(let set, _):
            response.answers += set.records
        case .routed(let group, _):
            // RFC 8482 §4.1 lets one RRset stand for all: the first routed group's choice (an alias
            // outside the zones answers with nothing).
            if case .records(let set) = answerRouted(group, owner: name, type: group.type) {
                response.answers += set.records
            } else {
                response.authority.append(negativeSOA(zone))
            }
        case .noData(let wildcard, let emptyNonTerminal):
            let owner = wildcard ?? name
            if !emptyNonTerminal, let first = zone.rrsets(at: owner)?.first {
                response.answers += first.renamed(name).records
            } else {
                response.authority.append(negativeSOA(zone))
            }
        case .nameError, .notInZone:
            response.rcode = .nxDomain
            response.authority.append(negativeSOA(zone))
        case .delegation(let ns):
            response.header.authoritative = false
            response.authority += ns.records
        }
    }

    /// The SOA for a negative answer, its TTL min(SOA TTL, MINIMUM) (RFC 2308 §3).
    func negativeSOA(_ zone: Zone) -> ResourceRecord {
        var record = zone.soa.records[0]
        record.ttl = zone.negativeTTL
        return record
    }

    /// A/AAAA of the NS targets that lie in the zone (glue, RFC 1034 §4.3.2 3b).
    private func glue(for ns: RRSet, in zone: Zone) -> [ResourceRecord] {
        var records: [ResourceRecord] = []
        for case .ns(let target) in ns.rdatas where target.isSubdomain(of: zone.origin) {
            for set in zone.rrsets(at: target) ?? RRSetList() where set.type == .A || set.type == .AAAA {
                records += set.records
            }
        }
        return records
    }

    /// The A/AAAA records of SVCB/HTTPS targets that lie in the private zones (RFC 9460 §4.1). A
    /// ServiceMode target of "." is the owner itself (§2.5.2); an AliasMode "." has none.
    private func serviceAddresses(_ set: RRSet, owner: DNSName) -> [ResourceRecord] {
        var records: [ResourceRecord] = []
        var seen: Set<DNSName> = []
        for case .unknown(let bytes) in set.rdatas {
            guard let (priority, written) = RDataSchema.serviceTarget(bytes) else { continue }
            if written == .root && priority == 0 { continue }
            let target = written == .root ? owner : written
            guard seen.insert(target).inserted, case .zone(let route) = fastPath.route(target) else { continue }
            for set in fastPath.zone(route).rrsets(at: target) ?? RRSetList() where set.type == .A || set.type == .AAAA {
                records += set.records
            }
        }
        return records
    }

    /// Address RRsets rotated so clients spread over the addresses (round robin).
    func rotated(_ set: RRSet, by rotation: Int) -> RRSet {
        guard set.rdatas.count > 1, set.type == .A || set.type == .AAAA else { return set }
        let shift = abs(rotation % set.rdatas.count)
        var copy = set
        copy.rdatas = SmallArray(set.rdatas[shift...] + set.rdatas[..<shift])
        return copy
    }
}
