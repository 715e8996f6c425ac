// SPDX-License-Identifier: Apache-2.0
import DNSCore

/// What one zone knows about (name, type), per RFC 1034 §4.3.2 step 3. The zone reports facts; the
/// answer engine builds the sections from them.
public enum ZoneLookupResult: Sendable, Equatable {
    /// The RRset asked for. With `wildcard`, it was synthesised from that wildcard with the query
    /// name as owner (RFC 4592 §3.3.1).
    case answer(RRSet, wildcard: DNSName?)
    /// The name's record sets of that type (or its CNAMEs) are chosen per query: a routing policy
    /// or an alias. The engine chooses.
    case routed(RoutedGroup, wildcard: DNSName?)
    /// The name owns a CNAME and the type asked for is another: the engine follows it.
    case cname(RRSet, wildcard: DNSName?)
    /// The name exists (or a wildcard matched) but has no data of that type (RFC 2308 §2.2).
    /// `emptyNonTerminal` is set when the name owns nothing but has names below it.
    case noData(wildcard: DNSName?, emptyNonTerminal: Bool)
    /// The name is at or below a zone cut; these are the cut's NS records (RFC 1034 §4.3.2 3b).
    case delegation(RRSet)
    /// The name does not exist and no wildcard covers it (RFC 2308 §2.1).
    case nameError
    /// The name is not inside this zone.
    case notInZone
}
