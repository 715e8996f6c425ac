// SPDX-License-Identifier: Apache-2.0

/// What the engine needs to know about where a query came from.
public struct QueryContext: Sendable {
    public enum Transport: String, Sendable {
        case udp, tcp
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
