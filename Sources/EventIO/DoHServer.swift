// SPDX-License-Identifier: Apache-2.0
internal import CLibevent
import COpenSSL
import Glibc

/// What a `DoHServer` hands each DNS message to (the daemon's query pipeline).
public protocol DoHRequestHandler: AnyObject {
    /// Answer with `request.respond(_:)`, now or later, or `request.reject()`.
    func handle(message: [UInt8], request: DoHRequest)
}

/// A listening socket serving DNS over HTTPS (RFC 8484) at one path: TLS, then HTTP/2 when the
/// client offers `h2` by ALPN, else HTTP/1.1; GET with `dns=` and POST. The limits are those of
/// `TCPLimits`, with `maxStreams` requests in flight per connection.
public final class DoHServer {
    public let socket: Socket
    let loop: EventLoop
    /// New connections take the limits and the certificate in force when they are accepted.
    public var limits: TCPLimits
    public var tls: TLSServerContext
    /// The path queries are served at (`/dns-query`); others get 404.
    public let path: String
    unowned(unsafe) let handler: any DoHRequestHandler
    private var listener: StreamListener?
    /// Connections turned away because `maxConnections` were open.
    public var rejected: Int { listener?.rejected ?? 0 }
    /// Connections closed because their handshake outlasted `handshakeTimeout`.
    public internal(set) var handshakesTimedOut = 0

    public var localAddress: SocketAddress { socket.localAddress }
    /// Requests not yet answered on all connections.
    public var outstandingQueries: Int { listener?.outstanding ?? 0 }

    /// - Parameter tls: a context made with ALPN `h2` and `http/1.1`.
    public init(
        socket: Socket, on loop: EventLoop, limits: TCPLimits, tls: TLSServerContext, path: String,
        handler: any DoHRequestHandler
    ) throws(EventIOError) {
        self.socket = socket
        self.loop = loop
        self.limits = limits
        self.tls = tls
        self.path = path
        self.handler = handler
        listener = try StreamListener(socket: socket, on: loop, maxConnections: { [unowned self] in self.limits.maxConnections }) {
            [unowned self] fd, peer in HTTPSConnection(fd: fd, peer: peer, server: self)
        }
    }

    /// Stops accepting new connections; open ones continue.
    public func stopAccepting() { listener?.disable() }

    func remove(_ connection: HTTPSConnection) { listener?.remove(connection) }
}

/// One DNS message received over DoH, waiting for its answer.
public final class DoHRequest {
    public let peer: SocketAddress
    /// The listener's address (a view may be bound to it).
    public let local: SocketAddress
    private weak var connection: HTTPSConnection?
    /// The HTTP/2 stream, or the HTTP/1.1 request's place in line.
    let stream: Int32
    private var done = false

    init(connection: HTTPSConnection, stream: Int32) {
        self.connection = connection
        peer = connection.peer
        local = connection.local
        self.stream = stream
        connection.outstanding += 1
    }

    /// 200 with `message` (a reply once the connection is gone goes nowhere).
    public func respond(_ message: [UInt8]) { finish(.ok, message) }

    /// 400: not a DNS query.
    public func reject() { finish(.badRequest, []) }

    func finish(_ status: DoH.Status, _ body: [UInt8]) {
        guard !done else { return }
        done = true
        guard let connection else { return }
        connection.outstanding -= 1
        connection.respond(self, status: status, body: body)
    }
}

/// One accepted DoH connection: TLS, then HTTP/2 or HTTP/1.1 as ALPN chose.
final class HTTPSConnection: AcceptedConnection {
    let peer: SocketAddress
    let local: SocketAddress
    private(set) weak var server: DoHServer?
    private var bufferEvent: OpaquePointer?
    private let ssl: OpaquePointer
    private var handshakeTimer: Timer?
    private enum Session {
        case handshaking
        case http2(HTTP2ServerSession)
        case http1(HTTP1ServerSession)
    }
    private var session = Session.handshaking
    private var closing = false
    /// The last bytes are out and the write side is shut: what the client still sends is dropped.
    private var lingering = false
    private var lingerTimer: Timer?
    private var corked: [UInt8] = []
    private var reading = false
    /// Requests not yet answered; the connection is not idle while any are.
    var outstanding = 0
    let limits: TCPLimits

    init?(fd: Int32, peer: SocketAddress, server: DoHServer) {
        self.peer = peer
        self.server = server
        local = server.localAddress
        limits = server.limits
        guard let ssl = server.tls.newSession() else { return nil }
        guard let bev = tlsBufferEvent(on: server.loop, fd: fd, ssl: ssl, accepting: true) else { return nil }
        self.ssl = ssl
        bufferEvent = bev
        let context = Unmanaged.passUnretained(self).toOpaque()
        bufferevent_setcb(bev, { _, context in
            HTTPSConnection.from(context).readable()
        }, { _, context in
            HTTPSConnection.from(context).drained()
        }, { _, what, context in
            HTTPSConnection.from(context).event(what)
        }, context)
        let whole = limits.idleTimeout.rounded(.down)
        var idle = timeval(tv_sec: Int(whole), tv_usec: Int((limits.idleTimeout - whole) * 1_000_000))
        bufferevent_set_timeouts(bev, &idle, &idle)
        bufferevent_enable(bev, Int16(EV_READ | EV_WRITE))
        handshakeTimer = try? Timer(after: limits.handshakeTimeout, on: server.loop) { [unowned self] in
            server.handshakesTimedOut += 1
            self.finish()
        }
    }

    private static func from(_ context: UnsafeMutableRawPointer?) -> HTTPSConnection {
        guard let context else { preconditionFailure("libevent passed a nil context") }
        return Unmanaged<HTTPSConnection>.fromOpaque(context).takeUnretainedValue()
    }

    deinit { if let bufferEvent { bufferevent_free(bufferEvent) } }

    var handler: (any DoHRequestHandler)? { server?.handler }
    var path: String { server?.path ?? "/dns-query" }

    /// Queues bytes for the client: while requests read in one go are answered, they are held and
    /// written together after them (one TLS record, one write, not one per response).
    func write(_ bytes: UnsafeRawBufferPointer) {
        guard bufferEvent != nil, !bytes.isEmpty else { return }
        corked.append(contentsOf: bytes)
        if !reading { uncork() }
    }

    private func uncork() {
        guard let bev = bufferEvent, !corked.isEmpty else { return }
        _ = corked.withUnsafeBytes { bufferevent_write(bev, $0.baseAddress, $0.count) }
        corked.removeAll(keepingCapacity: true)
    }

    /// Closes once queued bytes are written.
    func close() {
        uncork()
        guard let bev = bufferEvent else { return }
        closing = true
        bufferevent_disable(bev, Int16(EV_READ))
        if evbuffer_get_length(bufferevent_get_output(bev)) == 0 { linger() }
    }

    /// Closes in stages (RFC 9112 §9.6): the write side first, then what the client still sends is
    /// read and dropped until it closes too, for a second at most. Closed with requests unread, the
    /// connection would be reset, and a reset can destroy the GOAWAY or the responses the client has
    /// not read yet.
    private func linger() {
        guard let bev = bufferEvent, !lingering else { return }
        lingering = true
        _ = shutdown(bufferevent_getfd(bev), Int32(SHUT_WR))
        guard let loop = server?.loop, let timer = try? Timer(after: 1, on: loop, { [unowned self] in self.finish() }) else {
            finish()
            return
        }
        lingerTimer = timer
        bufferevent_enable(bev, Int16(EV_READ))
    }

    func abort() {
        handshakeTimer = nil
        lingerTimer = nil
        if let bufferEvent { bufferevent_free(bufferEvent) }
        bufferEvent = nil
    }

    private func finish() {
        abort()
        server?.remove(self)
    }

    func respond(_ request: DoHRequest, status: DoH.Status, body: [UInt8]) {
        switch session {
        case .http2(let h2): if !h2.respond(stream: request.stream, status: status, body: body) { finish() }
        case .http1(let h1): h1.respond(slot: request.stream, status: status, body: body)
        case .handshaking: break
        }
    }

    private func readable() {
        guard let bev = bufferEvent, let input = bufferevent_get_input(bev) else { return }
        let length = evbuffer_get_length(input)
        if lingering {
            evbuffer_drain(input, length)
            return
        }
        guard !closing else { return }
        guard length > 0, let bytes = evbuffer_pullup(input, -1) else { return }
        reading = true
        defer {
            reading = false
            uncork()
        }
        let alive: Bool
        switch session {
        case .http2(let h2): alive = h2.receive(UnsafeRawBufferPointer(start: bytes, count: length))
        case .http1(let h1): alive = h1.receive(UnsafeRawBufferPointer(start: bytes, count: length))
        case .handshaking: return
        }
        if bufferEvent != nil { evbuffer_drain(input, length) }
        if !alive { close() }
    }

    private func drained() {
        guard let bev = bufferEvent, closing else { return }
        if evbuffer_get_length(bufferevent_get_output(bev)) == 0 { linger() }
    }

    private func event(_ what: Int16) {
        if what & Int16(BEV_EVENT_CONNECTED) != 0 {
            handshakeTimer = nil
            var protocolName: UnsafePointer<UInt8>?
            var length: UInt32 = 0
            SSL_get0_alpn_selected(ssl, &protocolName, &length)
            let h2 = length == 2 && protocolName.map { $0[0] == UInt8(ascii: "h") && $0[1] == UInt8(ascii: "2") } == true
            if h2, let session = HTTP2ServerSession(connection: self, maxStreams: limits.maxStreams) {
                self.session = .http2(session)
            } else if h2 {
                finish()
                return
            } else {
                session = .http1(HTTP1ServerSession(connection: self, maxInFlight: limits.maxStreams))
            }
            readable()
            return
        }
        ERR_clear_error()
        let timedOut = what & Int16(BEV_EVENT_TIMEOUT) != 0
        if lingering {  // the client closed too, or failed: done
            finish()
            return
        }
        if timedOut, case .handshaking = session {
            server?.handshakesTimedOut += 1
        } else if timedOut && outstanding > 0, let bev = bufferEvent {
            bufferevent_enable(bev, Int16(EV_READ | EV_WRITE))  // an answer is on its way: not idle
            return
        }
        finish()
    }
}
