// SPDX-License-Identifier: Apache-2.0
import DNSCore

/// A query the engine could not answer itself: what to ask upstream, where, and how to shape the
/// client's response.
public struct ForwardRequest: Sendable, Equatable {
    /// The client's query as received (ID, flags, question case, EDNS).
    public var query: Message
    /// What to ask upstream: the client's question, or the target of a private CNAME.
    public var question: Question
    public var upstreams: UpstreamGroup
    /// Records from the private zones that come first in the answer (a CNAME chain leaving them).
    public var prefix: [ResourceRecord]
    /// The largest response the client can take.
    public var sizeLimit: Int
    /// Set when `question` is an alias's target: its records are answered under the alias's name,
    /// with no CNAME (Route 53's flattening).
    public var alias: AliasAnswer? = nil

    public init(query: Message, question: Question, upstreams: UpstreamGroup, prefix: [ResourceRecord], sizeLimit: Int) {
        self.query = query
        self.question = question
        self.upstreams = upstreams
        self.prefix = prefix
        self.sizeLimit = sizeLimit
    }

    /// The client asked with the DO bit (RFC 3225); part of the cache key.
    public var dnssecOK: Bool { query.edns?.dnssecOK ?? false }
}

/// How the answer to an alias's target is given under the alias.
public struct AliasAnswer: Sendable, Equatable {
    /// The alias's name: the answer's owner.
    public var owner: DNSName
    /// The alias's zone's SOA for a negative answer (TTL already min(TTL, MINIMUM)): the alias's
    /// name exists, whatever its target's fate.
    public var negativeSOA: ResourceRecord

    public init(owner: DNSName, negativeSOA: ResourceRecord) {
        self.owner = owner
        self.negativeSOA = negativeSOA
    }
}
