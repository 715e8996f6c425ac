// SPDX-License-Identifier: Apache-2.0

/// What the engine needs to know about where a query came from.
public struct QueryContext: Sendable {
    /// How a query came in, or went upstream.
    public enum Transport: Int, Sendable, CaseIterable {
        case udp, tcp
        /// DNS over TLS (RFC 7858).
        case tls
        /// DNS over HTTPS (RFC 8484).
        case https

        /// The name metrics use (Route 53 Resolver's and RFC 8310's words).
        public var label: String {
            switch self {
            case .udp: "Do53-UDP"
            case .tcp: "Do53-TCP"
            case .tls: "DoT"
            case .https: "DoH"
            }
        }

        /// A connection carrying many messages: no truncation, no 512-octet limit.
        public var isStream: Bool { self != .udp }
    }

    public var transport: Transport
    /// The client's IP address, 4 or 16 octets.
    public var clientAddress: [UInt8]
    /// Varies per query so multi-address answers are rotated (any counter will do).
    public var rotation: Int

    public init(transport: Transport, clientAddress: [UInt8], rotation: Int = 0) {
        self.transport = transport
        self.clientAddress = clientAddress
        self.rotation = rotation
    }
}

/// What to do with one query.
public enum QueryOutcome: Sendable, Equatable {
    /// Send these bytes back.
    case reply([UInt8])
    /// Send nothing (not a query, or too short to answer).
    case drop
    /// Ask upstream; the forwarder builds the reply.
    case forward(ForwardRequest)
}
