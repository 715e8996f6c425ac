// SPDX-License-Identifier: Apache-2.0

/// Per-zone behaviour switches.
public struct ZoneOptions: Sendable, Equatable {
    /// Names missing from the zone are forwarded upstream instead of answered NXDOMAIN.
    public var fallThrough: Bool
    /// Answer NXDOMAIN where RFC 2308 says NODATA (name exists, type does not), as Route 53's
    /// documentation describes private zones.
    public var awsStrictNXDomain: Bool

    public init(fallThrough: Bool = false, awsStrictNXDomain: Bool = false) {
        self.fallThrough = fallThrough
        self.awsStrictNXDomain = awsStrictNXDomain
    }
}
