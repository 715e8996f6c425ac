// SPDX-License-Identifier: Apache-2.0
internal import CLibevent
import Glibc

/// A connection a `StreamListener` keeps open: a TCP or DoT connection, or a DoH one.
protocol AcceptedConnection: AnyObject {
    /// Replies (or requests) still owed on it.
    var outstanding: Int { get }
    /// Closes now, dropping anything unsent.
    func abort()
}

/// The accepts of a listening TCP socket on a loop (libevent's evconnlistener) and the connections
/// they opened: the front door of the TCP, DoT and DoH servers. Past `maxConnections` open
/// connections, an accept is closed at once (RFC 7766 §6.2.2).
final class StreamListener {
    private var listener: OpaquePointer?
    private let maxConnections: () -> Int
    private let open: (Int32, SocketAddress) -> (any AcceptedConnection)?
    private var connections: [ObjectIdentifier: any AcceptedConnection] = [:]
    /// Connections turned away because `maxConnections` were open.
    private(set) var rejected = 0

    /// Replies owed on all connections.
    var outstanding: Int { connections.values.reduce(0) { $0 + $1.outstanding } }

    /// - Parameters:
    ///   - maxConnections: read at each accept (a reload may change it).
    ///   - open: the connection for an accepted descriptor, or nil when it cannot be set up (the
    ///     descriptor is then closed here).
    /// - Throws: `EventIOError` if the listener cannot be made.
    init(
        socket: Socket, on loop: EventLoop, maxConnections: @escaping () -> Int,
        open: @escaping (Int32, SocketAddress) -> (any AcceptedConnection)?
    ) throws(EventIOError) {
        self.maxConnections = maxConnections
        self.open = open
        let context = Unmanaged.passUnretained(self).toOpaque()
        // Backlog 0: the socket already listens. Unretained is safe: deinit frees the listener first.
        listener = evconnlistener_new(loop.base, { _, fd, address, length, context in
            guard let context else { preconditionFailure("libevent passed a nil context") }
            let peer = address.flatMap { SocketAddress(UnsafeRawPointer($0), length: Int(length)) }
            Unmanaged<StreamListener>.fromOpaque(context).takeUnretainedValue().accept(fd: fd, peer: peer)
        }, context, 0, 0, socket.fd)
        guard listener != nil else { throw EventIOError(call: "evconnlistener_new") }
    }

    deinit {
        if let listener { evconnlistener_free(listener) }
        for connection in connections.values { connection.abort() }
    }

    /// Stops accepting; connections already open continue.
    func disable() {
        if let listener { evconnlistener_disable(listener) }
    }

    /// Forgets a connection that closed.
    func remove(_ connection: some AcceptedConnection) {
        connections[ObjectIdentifier(connection)] = nil
    }

    private func accept(fd: Int32, peer: SocketAddress?) {
        guard let peer, connections.count < maxConnections() else {
            rejected += 1
            close(fd)
            return
        }
        guard let connection = open(fd, peer) else {
            close(fd)
            return
        }
        connections[ObjectIdentifier(connection)] = connection
    }
}
