// SPDX-License-Identifier: Apache-2.0

/// Whether an endpoint's regional and private names answer a client with its own AZ's ENIs
/// (★: neither AWS nor its peers do): traffic then stays in the AZ, with no cross-AZ charges.
public enum AZAffinity: String, Sendable, CaseIterable {
    /// Every ENI, as AWS answers.
    case off
    /// The client's AZ's ENIs first, then the others.
    case prefer
    /// Only the client's AZ's ENIs (every ENI when that AZ has none up).
    case only
}

/// A view's affinity and the subnets that tell a client's AZ.
public struct EndpointAffinity: Sendable {
    public let mode: AZAffinity
    /// Subnet → AZ, as given (for comparing two engines' settings).
    public let subnets: [(cidr: CIDR, availabilityZone: String)]
    private let table: PrefixTable
    private let names: [String]

    public init(mode: AZAffinity, subnets: [(cidr: CIDR, availabilityZone: String)]) {
        self.mode = mode
        self.subnets = subnets
        var names: [String] = []
        var entries: [(CIDR, Int32)] = []
        for (cidr, az) in subnets {
            if !names.contains(az) { names.append(az) }
            entries.append((cidr, Int32(names.firstIndex(of: az)!)))
        }
        self.names = names
        table = PrefixTable(entries)
    }

    public static let off = EndpointAffinity(mode: .off, subnets: [])

    /// The AZ of the subnet holding `client` (4 or 16 octets); nil when affinity is off or no subnet holds it.
    public func availabilityZone(of client: [UInt8]) -> String? {
        guard mode != .off, client.count == 4 || client.count == 16, let index = table.lookup(ClientAddress(client)) else { return nil }
        return names[Int(index)]
    }

    public func sameSettings(as other: EndpointAffinity) -> Bool {
        mode == other.mode && subnets.count == other.subnets.count
            && zip(subnets, other.subnets).allSatisfy { $0.cidr == $1.cidr && $0.availabilityZone == $1.availabilityZone }
    }
}
