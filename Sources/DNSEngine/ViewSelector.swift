// SPDX-License-Identifier: Apache-2.0

/// Which view answers a query (`route53-semantics.md` §4): the view a listener is bound to (an
/// "inbound endpoint"), else the view whose client prefix is the longest that holds the client's
/// address, else the `default` view; with none of those, the query is refused. Immutable and held
/// in raw memory like `PrefixTable`: workers read it without touching a reference count.
public final class ViewSelector: @unchecked Sendable {
    /// A listener (address and port) bound to a view.
    public struct Listener: Sendable {
        public var address: ClientAddress
        public var port: UInt16
        public var view: Int32
        public init(address: ClientAddress, port: UInt16, view: Int32) {
            self.address = address
            self.port = port
            self.view = view
        }
    }
    private let listeners: UnsafeMutableBufferPointer<Listener>
    public let clients: PrefixTable
    /// The view of a client no prefix holds; nil: such a client is refused.
    public let fallback: Int32?
    /// One view for everyone: selecting costs nothing.
    public let isSingle: Bool

    public init(listeners: [Listener], clients: PrefixTable, fallback: Int32?) {
        self.listeners = .allocate(capacity: listeners.count)
        _ = self.listeners.initialize(from: listeners)
        self.clients = clients
        self.fallback = fallback
        isSingle = listeners.isEmpty && clients.isEmpty && fallback == 0
    }

    deinit { listeners.deallocate() }

    /// Everyone in the one view.
    public static let single = ViewSelector(listeners: [], clients: PrefixTable([]), fallback: 0)

    /// The view for a query from `client` that came to the listener at `local`:`port`; nil: refuse it.
    @inline(__always)
    public func select(client: ClientAddress, local: ClientAddress, port: UInt16) -> Int32? {
        for i in 0..<listeners.count
        where listeners[i].port == port && listeners[i].address.high == local.high && listeners[i].address.low == local.low
            && listeners[i].address.isIPv6 == local.isIPv6
        {
            return listeners[i].view
        }
        return clients.lookup(client) ?? fallback
    }
}
