// SPDX-License-Identifier: Apache-2.0
internal import CLibevent
import COpenSSL
import Glibc

/// Limits of a TCP service (RFC 7766 §6.2).
public struct TCPLimits: Sendable {
    /// Simultaneous connections; more are accepted and closed at once.
    public var maxConnections: Int
    /// Seconds a connection may stay without reading or writing anything, and also the most a client
    /// may take to send one whole message: a trickle of one byte a second does not hold a slot.
    public var idleTimeout: Double
    /// Reply bytes a connection may hold unsent before it stops reading queries.
    public var maxBufferedBytes: Int
    /// Seconds a TLS client has to finish its handshake, however slowly its bytes trickle in.
    public var handshakeTimeout: Double
    /// DoH requests in flight on one connection: HTTP/2 streams open at once, or HTTP/1.1
    /// requests pipelined.
    public var maxStreams: Int

    public init(
        maxConnections: Int = 1000, idleTimeout: Double = 10, maxBufferedBytes: Int = 256 * 1024, handshakeTimeout: Double = 5,
        maxStreams: Int = 100
    ) {
        self.maxConnections = maxConnections
        self.idleTimeout = idleTimeout
        self.maxBufferedBytes = maxBufferedBytes
        self.handshakeTimeout = handshakeTimeout
        self.maxStreams = maxStreams
    }
}

/// What a `TCPServer` hands each complete message to (the daemon's query pipeline).
public protocol TCPMessageHandler: AnyObject {
    /// Reply with `connection.send(_:)`, now or later (`beginQuery` / `endQuery` around a later one).
    func handle(message: [UInt8], on connection: TCPConnection)
}

/// A listening TCP socket on a loop whose connections carry 2-octet length-prefixed messages
/// (RFC 1035 §4.2.2), in clear or inside TLS (DNS over TLS, RFC 7858). Several messages per
/// connection are handled as they arrive (pipelining).
public final class TCPServer {
    public let socket: Socket
    let loop: EventLoop
    /// New connections take the limits in force when they are accepted (a reload may change them).
    public var limits: TCPLimits
    /// Set for a DoT listener: new connections take the certificate in force when they are
    /// accepted (a reload may renew it).
    public var tls: TLSServerContext?
    /// Unretained: its owner keeps it for as long as the server.
    unowned(unsafe) let handler: any TCPMessageHandler
    private var listener: StreamListener?
    /// Connections turned away because `maxConnections` were open.
    public var rejected: Int { listener?.rejected ?? 0 }
    /// TLS connections closed because their handshake outlasted `handshakeTimeout`.
    public internal(set) var handshakesTimedOut = 0

    public var localAddress: SocketAddress { socket.localAddress }
    /// Replies owed on all connections.
    public var outstandingQueries: Int { listener?.outstanding ?? 0 }

    /// Serves a listening socket already bound, handing each message to `handler`, which must
    /// outlive the server.
    /// - Throws: `EventIOError` if the listener cannot be made.
    public init(
        socket: Socket, on loop: EventLoop, limits: TCPLimits, tls: TLSServerContext? = nil, handler: any TCPMessageHandler
    ) throws(EventIOError) {
        self.socket = socket
        self.loop = loop
        self.limits = limits
        self.tls = tls
        self.handler = handler
        listener = try StreamListener(socket: socket, on: loop, maxConnections: { [unowned self] in self.limits.maxConnections }) {
            [unowned self] fd, peer in TCPConnection(fd: fd, peer: peer, server: self)
        }
    }

    /// Stops accepting new connections; open ones continue.
    public func stopAccepting() { listener?.disable() }

    func remove(_ connection: TCPConnection) { listener?.remove(connection) }
}

/// One accepted TCP connection, owned by its server until it closes.
public final class TCPConnection: AcceptedConnection {
    public let peer: SocketAddress
    /// The listener's address: which view a listener bound to one answers as.
    public let local: SocketAddress
    /// Inside TLS (DoT).
    public let isTLS: Bool
    private weak var server: TCPServer?
    private var bufferEvent: OpaquePointer?
    /// Until the TLS handshake is done: it cuts off a client that stalls or trickles in it.
    private var handshakeTimer: Timer?
    private var closing = false
    private var readingPaused = false
    /// The client closed its side; close ours once the owed replies are written.
    private var halfClosed = false
    /// Replies still owed by the handler; the connection is not idle while any are.
    public private(set) var outstanding = 0
    /// Monotonic seconds when the first octets of a message not yet complete arrived.
    private var partialSince: Double?
    /// Replies given while the queries read in one go are answered, written together after them:
    /// one write (and over TLS one record) for a batch of pipelined queries, not one each.
    private var corked: [UInt8] = []
    private var reading = false

    /// The handler will reply later (`send` then `endQuery`).
    public func beginQuery() { outstanding += 1 }

    /// A reply promised by `beginQuery` has been sent (or will never be).
    public func endQuery() {
        outstanding = max(0, outstanding - 1)
        if outstanding == 0 && halfClosed { close() }
    }

    init?(fd: Int32, peer: SocketAddress, server: TCPServer) {
        self.peer = peer
        self.server = server
        local = server.localAddress
        isTLS = server.tls != nil
        let bev: OpaquePointer
        if let tls = server.tls {
            guard let ssl = tls.newSession(), let made = tlsBufferEvent(on: server.loop, fd: fd, ssl: ssl, accepting: true)
            else { return nil }
            bev = made
        } else {
            guard let made = bufferevent_socket_new(server.loop.base, fd, Int32(BEV_OPT_CLOSE_ON_FREE.rawValue)) else {
                return nil
            }
            bev = made
        }
        bufferEvent = bev
        let context = Unmanaged.passUnretained(self).toOpaque()
        bufferevent_setcb(bev, { _, context in
            TCPConnection.from(context).readable()
        }, { _, context in
            TCPConnection.from(context).drained()
        }, { _, what, context in
            TCPConnection.from(context).event(what)
        }, context)
        let whole = server.limits.idleTimeout.rounded(.down)
        var idle = timeval(tv_sec: Int(whole), tv_usec: Int((server.limits.idleTimeout - whole) * 1_000_000))
        bufferevent_set_timeouts(bev, &idle, &idle)
        // The write callback fires when pending output falls to half the cap: reading resumes then.
        bufferevent_setwatermark(bev, Int16(EV_WRITE), server.limits.maxBufferedBytes / 2, 0)
        bufferevent_enable(bev, Int16(EV_READ | EV_WRITE))
        if isTLS {
            handshakeTimer = try? Timer(after: server.limits.handshakeTimeout, on: server.loop) { [unowned self] in
                server.handshakesTimedOut += 1
                self.finish()
            }
        }
    }

    private static func from(_ context: UnsafeMutableRawPointer?) -> TCPConnection {
        guard let context else { preconditionFailure("libevent passed a nil context") }
        return Unmanaged<TCPConnection>.fromOpaque(context).takeUnretainedValue()
    }

    deinit { if let bufferEvent { bufferevent_free(bufferEvent) } }

    /// Queues one message with its length prefix. Dropped if the connection is gone.
    public func send(_ message: [UInt8]) {
        message.withUnsafeBytes { send($0) }
    }

    /// Queues one message with its length prefix. Dropped if the connection is gone.
    public func send(_ message: UnsafeRawBufferPointer) {
        guard bufferEvent != nil, message.count <= 0xFFFF else { return }
        corked.append(UInt8(message.count >> 8))
        corked.append(UInt8(message.count & 0xFF))
        corked.append(contentsOf: message)
        if !reading { uncork() }
    }

    /// Writes the corked replies.
    private func uncork() {
        guard let bev = bufferEvent, !corked.isEmpty else { return }
        _ = corked.withUnsafeBytes { bufferevent_write(bev, $0.baseAddress, $0.count) }
        corked.removeAll(keepingCapacity: true)
        if evbuffer_get_length(bufferevent_get_output(bev)) > server?.limits.maxBufferedBytes ?? Int.max {
            // RFC 7766 §6.2.3 back-pressure: a client that does not read its answers gets no new ones.
            readingPaused = true
            bufferevent_disable(bev, Int16(EV_READ))
        }
    }

    /// Closes once queued replies are written.
    public func close() {
        uncork()
        guard let bev = bufferEvent else { return }
        closing = true
        bufferevent_disable(bev, Int16(EV_READ))
        if evbuffer_get_length(bufferevent_get_output(bev)) == 0 { finish() }
    }

    /// Closes now, dropping anything unsent.
    func abort() {
        handshakeTimer = nil
        if let bufferEvent { bufferevent_free(bufferEvent) }
        bufferEvent = nil
    }

    private func finish() {
        abort()
        server?.remove(self)
    }

    private func readable() {
        guard let bev = bufferEvent, !closing else { return }
        guard let input = bufferevent_get_input(bev) else { return }
        reading = true
        defer {
            reading = false
            uncork()
        }
        while let message = takeFrame(from: input) {
            partialSince = nil
            server?.handler.handle(message: message, on: self)
            if bufferEvent == nil || closing || readingPaused { return }
        }
        guard evbuffer_get_length(input) > 0, let limit = server?.limits.idleTimeout else { return }
        // Part of a message is buffered: it must be complete within the idle timeout of its first octet.
        let now = monotonicSeconds()
        if let since = partialSince {
            if now - since > limit { finish() }
        } else {
            partialSince = now
        }
    }

    private func drained() {
        guard let bev = bufferEvent else { return }
        if closing {
            if evbuffer_get_length(bufferevent_get_output(bev)) == 0 { finish() }
            return
        }
        if readingPaused {
            readingPaused = false
            bufferevent_enable(bev, Int16(EV_READ))
            readable()
        }
    }

    private func event(_ what: Int16) {
        if what & Int16(BEV_EVENT_CONNECTED) != 0 {
            handshakeTimer = nil  // the TLS handshake is done
            return
        }
        if isTLS { ERR_clear_error() }  // a failed handshake leaves its reasons queued on this thread
        let timedOut = what & Int16(BEV_EVENT_TIMEOUT) != 0
        if timedOut && handshakeTimer != nil {
            // Silent through the idle timeout before the handshake's own deadline came.
            server?.handshakesTimedOut += 1
            finish()
            return
        }
        if timedOut && outstanding > 0, let bev = bufferEvent {
            // Not idle: an answer is still being worked on. Re-arm reading and wait.
            bufferevent_enable(bev, Int16(EV_READ | EV_WRITE))
            return
        }
        if what & Int16(BEV_EVENT_EOF) != 0, outstanding > 0 {
            // The client half-closed after its queries (RFC 7766 §6.2.4): answer them, then close.
            halfClosed = true
            if let bev = bufferEvent { bufferevent_disable(bev, Int16(EV_READ)) }
            return
        }
        if what & Int16(BEV_EVENT_EOF) != 0 {
            close()
            return
        }
        finish()
    }
}
