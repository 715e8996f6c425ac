// SPDX-License-Identifier: Apache-2.0
import DNSCore
import DNSZone
import Testing

@testable import DNSEngine

@Suite struct ViewSelectionTests {
    static func address(_ text: String) -> ClientAddress {
        let bytes = IPv4Address(textBytes: ArraySlice(text.utf8)).map(\.array) ?? IPv6Address(text: Substring(text))!.array
        return ClientAddress(bytes)
    }

    @Test func theLongestPrefixWins() {
        let table = PrefixTable(
            [("10.0.0.0/8", 1), ("10.1.0.0/16", 2), ("10.1.2.0/24", 3), ("10.1.2.3/32", 4), ("fd00::/8", 5), ("fd00:1::/32", 6),
             ("10.1.0.0/16", 9)].map { (CIDR(parsing: $0.0)!, Int32($0.1)) })
        #expect(table.lookup(Self.address("10.9.9.9")) == 1)
        #expect(table.lookup(Self.address("10.1.9.9")) == 2)  // the first of two equal prefixes
        #expect(table.lookup(Self.address("10.1.2.9")) == 3)
        #expect(table.lookup(Self.address("10.1.2.3")) == 4)
        #expect(table.lookup(Self.address("11.0.0.1")) == nil)
        #expect(table.lookup(Self.address("fd00:1::5")) == 6)
        #expect(table.lookup(Self.address("fd00:2::5")) == 5)
        #expect(table.lookup(Self.address("::ffff:10.1.2.3")) == 4)  // IPv4-mapped counts as IPv4
        #expect(PrefixTable([(CIDR(parsing: "0.0.0.0/0")!, 7)]).lookup(Self.address("192.0.2.1")) == 7)
        #expect(PrefixTable([]).isEmpty)
    }

    /// Many views, one prefix length: every client finds its own view (a table that is a hash must
    /// still tell them apart).
    @Test func fiftyViews() {
        let table = PrefixTable((0..<50).map { (CIDR(parsing: "10.\($0).0.0/16")!, Int32($0)) })
        for v in 0..<50 { #expect(table.lookup(Self.address("10.\(v).7.7")) == Int32(v)) }
        #expect(table.lookup(Self.address("10.50.7.7")) == nil)
    }

    @Test func aBoundListenerThenTheClientThenTheDefault() {
        let selector = ViewSelector(
            listeners: [.init(address: Self.address("10.1.0.2"), port: 53, view: 2)],
            clients: PrefixTable([(CIDR(parsing: "10.0.0.0/8")!, 1)]), fallback: 0)
        let anyListener = Self.address("127.0.0.1")
        #expect(selector.select(client: Self.address("192.0.2.1"), local: Self.address("10.1.0.2"), port: 53) == 2)
        #expect(selector.select(client: Self.address("192.0.2.1"), local: Self.address("10.1.0.2"), port: 5353) == 0)
        #expect(selector.select(client: Self.address("10.7.7.7"), local: anyListener, port: 53) == 1)
        #expect(selector.select(client: Self.address("192.0.2.1"), local: anyListener, port: 53) == 0)
        let noDefault = ViewSelector(listeners: [], clients: PrefixTable([(CIDR(parsing: "10.0.0.0/8")!, 0)]), fallback: nil)
        #expect(noDefault.select(client: Self.address("192.0.2.1"), local: anyListener, port: 53) == nil)
        #expect(!noDefault.isSingle && ViewSelector.single.isSingle)
    }

    @Test func endpointENIsByHealthAndAffinity() {
        let members = [("a1", "us-east-1a"), ("a2", "us-east-1a"), ("b1", "us-east-1b"), ("c1", "us-east-1c")].map { id, az in
            member(id, .endpointENI(availabilityZone: az), check: id)
        }
        func choose(down: Set<String> = [], az: String? = nil, _ affinity: AZAffinity = .off, rotation: Int = 0) -> [String] {
            var random = SeededRandom(state: 1)
            return RoutingChoice.choose(
                members, region: nil, healthy: { !down.contains($0.healthCheck ?? "") }, hasCheck: { _ in true }, clientAZ: az,
                affinity: affinity, rotation: rotation, using: &random
            ).compactMap(\.identifier)
        }
        #expect(choose() == ["a1", "a2", "b1", "c1"])
        #expect(choose(rotation: 1) == ["a2", "b1", "c1", "a1"])
        #expect(choose(down: ["a2", "c1"]) == ["a1", "b1"])
        #expect(choose(down: ["a1", "a2", "b1", "c1"]) == ["a1", "a2", "b1", "c1"])  // never an empty answer
        #expect(choose(az: "us-east-1b", .prefer) == ["b1", "a1", "a2", "c1"])
        #expect(choose(az: "us-east-1a", .prefer, rotation: 1) == ["a2", "a1", "c1", "b1"])
        #expect(choose(az: "us-east-1a", .only) == ["a1", "a2"])
        #expect(choose(down: ["a1", "a2"], az: "us-east-1a", .only) == ["b1", "c1"])  // its AZ has none up: the rest
        #expect(choose(az: "us-east-1b", .off) == ["a1", "a2", "b1", "c1"])
        #expect(choose(az: nil, .only) == ["a1", "a2", "b1", "c1"])
    }

    @Test func aClientsAZFromTheSubnets() {
        let affinity = EndpointAffinity(
            mode: .prefer, subnets: [(CIDR(parsing: "10.0.1.0/24")!, "us-east-1a"), (CIDR(parsing: "10.0.2.0/24")!, "us-east-1b")])
        #expect(affinity.availabilityZone(of: [10, 0, 2, 9]) == "us-east-1b")
        #expect(affinity.availabilityZone(of: [10, 0, 3, 9]) == nil)
        #expect(EndpointAffinity(mode: .off, subnets: affinity.subnets).availabilityZone(of: [10, 0, 2, 9]) == nil)
        #expect(affinity.sameSettings(as: EndpointAffinity(mode: .prefer, subnets: affinity.subnets)))
        #expect(!affinity.sameSettings(as: EndpointAffinity(mode: .only, subnets: affinity.subnets)))
    }
}
