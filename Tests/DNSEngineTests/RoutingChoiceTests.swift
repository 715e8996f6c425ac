// SPDX-License-Identifier: Apache-2.0
import DNSCore
import DNSZone
import Testing

@testable import DNSEngine

/// A seeded generator (SplitMix64), so a test's draws are the same every run.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func member(_ id: String, _ policy: RoutedRecordSet.Policy, check: String? = nil, address: String = "10.0.0.1") -> RoutedRecordSet {
    let rdata = RData.a(IPv4Address(textBytes: ArraySlice(address.utf8))!)
    return RoutedRecordSet(
        identifier: id, policy: policy, healthCheck: check,
        content: .records(RRSet(name: name("x.corp."), type: .A, ttl: 60, rdatas: [rdata])))
}

@Suite struct RoutingChoiceTests {
    func choose(
        _ members: [RoutedRecordSet], down: Set<String> = [], region: String? = nil, seed: UInt64 = 1
    ) -> [String] {
        var random = SeededRandom(state: seed)
        return RoutingChoice.choose(
            members, region: region.flatMap { AWSRegion.all[$0] }, healthy: { !down.contains($0.healthCheck ?? "") },
            hasCheck: { $0.healthCheck != nil }, using: &random
        ).compactMap(\.identifier)
    }

    func shares(_ members: [RoutedRecordSet], down: Set<String> = [], draws: Int = 4000) -> [String: Int] {
        var counts: [String: Int] = [:]
        var random = SeededRandom(state: 7)
        for _ in 0..<draws {
            let picked = RoutingChoice.choose(
                members, region: nil, healthy: { !down.contains($0.healthCheck ?? "") }, hasCheck: { $0.healthCheck != nil },
                using: &random)
            counts[picked[0].identifier!, default: 0] += 1
        }
        return counts
    }

    @Test func weightedSharesFollowTheWeights() {
        let counts = shares([member("a", .weighted(1)), member("b", .weighted(3)), member("z", .weighted(0))])
        // 1:3 over 4,000 draws: a expects 1,000 with σ = √(4000·¼·¾) ≈ 27; z never.
        #expect(abs(counts["a", default: 0] - 1000) < 3 * 28)
        #expect(counts["z"] == nil)
    }

    @Test func weightZeroOnlyWhenEveryNonzeroIsDown() {
        let members = [member("a", .weighted(1), check: "ha"), member("z1", .weighted(0)), member("z2", .weighted(0))]
        let counts = shares(members, down: ["ha"])
        #expect(counts["a"] == nil)
        #expect(abs(counts["z1", default: 0] - 2000) < 3 * 32)
        // All weights 0: an equal share each.
        let zeros = shares([member("p", .weighted(0)), member("q", .weighted(0))])
        #expect(abs(zeros["p", default: 0] - 2000) < 3 * 32)
        // Every one down: all count as healthy again.
        #expect(shares([member("a", .weighted(1), check: "ha"), member("b", .weighted(1), check: "hb")], down: ["ha", "hb"]).count == 2)
    }

    @Test func failoverFollowsRoute53sTable() {
        let primary = member("p", .failover(primary: true), check: "hp")
        let checked = member("s", .failover(primary: false), check: "hs")
        let unchecked = member("s", .failover(primary: false))
        #expect(choose([primary, checked]) == ["p"])
        #expect(choose([primary, checked], down: ["hp"]) == ["s"])
        #expect(choose([primary, checked], down: ["hp", "hs"]) == ["p"])
        #expect(choose([primary, unchecked], down: ["hp"]) == ["s"])
        #expect(choose([checked], down: ["hs"]) == ["s"])
    }

    @Test func multivalueAnswersAtMostEightHealthy() {
        let members = (1...12).map { member("m\($0)", .multivalue, check: $0 <= 5 ? "h\($0)" : nil) }
        for seed in 1...20 as ClosedRange<UInt64> {
            let picked = choose(members, seed: seed)
            #expect(picked.count == 8 && Set(picked).count == 8)
        }
        let down = Set((1...5).map { "h\($0)" })
        #expect(Set(choose(members, down: down)) .isDisjoint(with: (1...5).map { "m\($0)" }))
        // None healthy: up to eight of the unhealthy ones.
        let few = (1...3).map { member("m\($0)", .multivalue, check: "h\($0)") }
        #expect(choose(few, down: ["h1", "h2", "h3"]).count == 3)
    }

    @Test func latencyPicksTheRegionOrTheNearestHealthy() {
        let members = [
            member("use1", .latency(region: "us-east-1"), check: "h1"), member("usw2", .latency(region: "us-west-2")),
            member("euw1", .latency(region: "eu-west-1")),
        ]
        #expect(choose(members, region: "us-east-1") == ["use1"])
        #expect(choose(members, region: "eu-central-1") == ["euw1"])
        #expect(choose(members, down: ["h1"], region: "us-east-1") == ["usw2"])
    }

    @Test func geolocationFromSubdivisionToDefault() {
        let members = [
            member("va", .geolocation(GeoLocation(continent: nil, country: "US", subdivision: "VA")), check: "hva"),
            member("us", .geolocation(GeoLocation(continent: nil, country: "US", subdivision: nil)), check: "hus"),
            member("eu", .geolocation(GeoLocation(continent: "EU", country: nil, subdivision: nil))),
            member("any", .geolocation(GeoLocation(continent: nil, country: "*", subdivision: nil))),
        ]
        #expect(choose(members, region: "us-east-1") == ["va"])
        #expect(choose(members, region: "us-west-2") == ["us"])
        #expect(choose(members, down: ["hva"], region: "us-east-1") == ["us"])
        #expect(choose(members, down: ["hva", "hus"], region: "us-east-1") == ["any"])
        #expect(choose(members, region: "eu-west-1") == ["eu"])
        #expect(choose(members, region: "ap-northeast-1") == ["any"])
        // No match and no default: nothing (NODATA).
        #expect(choose(Array(members.prefix(3)), region: "ap-northeast-1") == [])
    }

    @Test func geoproximityWeighsBias() {
        let members = [
            member("use1", .geoproximity(GeoProximity(region: "us-east-1", latitude: nil, longitude: nil, bias: 0))),
            member("euw1", .geoproximity(GeoProximity(region: "eu-west-1", latitude: nil, longitude: nil, bias: 0))),
        ]
        #expect(choose(members, region: "us-east-2") == ["use1"])
        var biased = members
        biased[1].policy = .geoproximity(GeoProximity(region: "eu-west-1", latitude: nil, longitude: nil, bias: 99))
        #expect(choose(biased, region: "us-east-2") == ["euw1"])
    }

    @Test func regionDistances() {
        let virginia = AWSRegion.all["us-east-1"]!
        let ireland = AWSRegion.all["eu-west-1"]!
        // About 5,500 km apart.
        #expect(abs(virginia.distance(latitude: ireland.latitude, longitude: ireland.longitude) - 5_480) < 150)
    }
}
