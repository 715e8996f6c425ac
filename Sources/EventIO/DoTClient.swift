// SPDX-License-Identifier: Apache-2.0
internal import CLibevent
import COpenSSL
import Glibc

/// DNS over TLS to one upstream from one loop (RFC 7858): queries pipelined on one connection,
/// answers matched by ID in whatever order they come (RFC 7766 §6.2.1.1). The connection closes
/// after `idleTimeout` without queries; the next one offers the last session ticket (TLS 1.3
/// resumption). A connection that cannot be made or authenticated fails its queries, is logged
/// through `report`, and is not tried again for a back-off that doubles from 1 s to 30 s. There is
/// never a plain-DNS fallback. Everything runs on the loop's thread.
public final class DoTClient {
    public struct Counters: Sendable, Equatable {
        /// Handshakes completed, and of them those that resumed a session.
        public var handshakes = 0
        public var resumed = 0
        /// Connections that could not be made or authenticated.
        public var failures = 0
        public init() {}
    }

    /// Seconds a connection with nothing in flight stays open (below the 30 s Unbound and Knot
    /// wait, so the client is the one to close, RFC 7766 §6.2.3).
    public static let idleTimeout = 10.0
    static let handshakeTimeout = 5.0
    static let maxBackoff = 30.0
    /// Queries in flight on one connection; past it an exchange fails (the forwarder's own cap
    /// is far lower by default). Half the ID space keeps picking a free ID quick.
    static let maxInFlight = 32_768

    public let remote: SocketAddress
    /// The trust its next connection starts from (a reload may re-read the CA file).
    public var context: TLSClientContext
    let identity: TLSPeerIdentity
    let loop: EventLoop
    private let report: (String) -> Void
    public private(set) var counters = Counters()
    /// The last session ticket, offered by the next connection.
    let sessions = TLSSessionKeeper()
    private var connection: DoTConnection?
    private var backoff = 0.0
    private var retryAt = 0.0
    private var lastFailure = ""

    /// - Parameter report: called with a line for the log when a connection fails.
    public init(
        remote: SocketAddress, context: TLSClientContext, identity: TLSPeerIdentity, loop: EventLoop,
        report: @escaping (String) -> Void
    ) {
        self.remote = remote
        self.context = context
        self.identity = identity
        self.loop = loop
        self.report = report
    }

    deinit { connection?.close() }

    /// Sends `query`; replies go to `onMessage` until it returns true, or `onFailure` is called once
    /// (timeout, or the connection failed). Callbacks never run inside this call.
    public func exchange(
        _ query: [UInt8], timeout: Double, onMessage: @escaping ([UInt8]) -> Bool,
        onFailure: @escaping (ExchangeError) -> Void
    ) -> DoTExchange {
        let exchange = DoTExchange(query: query, onMessage: onMessage, onFailure: onFailure)
        exchange.timer = try? Timer(after: timeout, on: loop) { [unowned exchange] in exchange.fail(.timeout) }
        guard query.count >= 2, query.count <= 0xFFFF else {
            exchange.failSoon(on: loop, "not a DNS message")
            return exchange
        }
        send(exchange)
        return exchange
    }

    private func send(_ exchange: DoTExchange) {
        let now = monotonicSeconds()
        if connection == nil && now < retryAt {
            exchange.failSoon(
                on: loop, "\(lastFailure) (DoT to \(remote): next try in \(Int((retryAt - now).rounded(.up))) s)")
            return
        }
        if connection == nil {
            connection = DoTConnection(client: self)
            if connection == nil {
                connectionFailed("cannot create a TLS connection: \(openSSLErrors(or: "out of memory"))")
            }
        }
        guard let connection, connection.send(exchange) else {
            exchange.failSoon(on: loop, connection == nil ? lastFailure : "too many queries in flight on one connection")
            return
        }
    }

    func connected(_ connection: DoTConnection, resumed: Bool) {
        counters.handshakes += 1
        if resumed { counters.resumed += 1 }
        backoff = 0
    }

    /// The connection is gone: queries sent on a connection that had already answered are sent once
    /// more on a new one (the server may have closed it as they went out); the rest fail.
    func lost(_ lost: DoTConnection, reason: String, authenticated: Bool) {
        guard connection === lost else { return }
        connection = nil
        let waiting = lost.close()
        if !authenticated {
            connectionFailed(reason)
            for exchange in waiting { exchange.fail(.failed(reason)) }
            return
        }
        for exchange in waiting {
            if lost.answered > 0 && !exchange.resent {
                exchange.resent = true
                send(exchange)
            } else {
                exchange.fail(.failed("DoT connection to \(remote) closed: \(reason)"))
            }
        }
    }

    func idle(_ connection: DoTConnection) {
        guard self.connection === connection else { return }
        self.connection = nil
        _ = connection.close()
    }

    private func connectionFailed(_ reason: String) {
        counters.failures += 1
        backoff = min(max(backoff * 2, 1), DoTClient.maxBackoff)
        retryAt = monotonicSeconds() + backoff
        lastFailure = reason
        sessions.forgetSession()
        report("DoT upstream \(remote)\(identity.serverName.map { "#\($0)" } ?? ""): \(reason); no plain DNS is sent; "
            + "next connection in \(Int(backoff)) s")
    }
}

/// One query to a DoT upstream; `cancel()` forgets it (a late answer is dropped).
public final class DoTExchange {
    let query: [UInt8]
    private let onMessage: ([UInt8]) -> Bool
    private let onFailure: (ExchangeError) -> Void
    var timer: Timer?
    weak var connection: DoTConnection?
    /// The ID it carries on its connection, which the answer is matched by.
    var wireID: UInt16 = 0
    /// Sent again after its connection closed.
    var resent = false
    private var finished = false
    private var keepAlive: DoTExchange?

    init(query: [UInt8], onMessage: @escaping ([UInt8]) -> Bool, onFailure: @escaping (ExchangeError) -> Void) {
        self.query = query
        self.onMessage = onMessage
        self.onFailure = onFailure
        keepAlive = self
    }

    public func cancel() { finish() }

    /// A reply with its ID restored; true when the exchange is done.
    func deliver(_ reply: [UInt8]) -> Bool {
        guard !finished else { return true }
        if onMessage(reply) {
            finish()
            return true
        }
        return false
    }

    func fail(_ error: ExchangeError) {
        guard !finished else { return }
        finish()
        onFailure(error)
    }

    func failSoon(on loop: EventLoop, _ reason: String) {
        timer = try? Timer(after: 0, on: loop) { [unowned self] in self.fail(.failed(reason)) }
    }

    private func finish() {
        guard !finished else { return }
        finished = true
        connection?.forget(self)
        connection = nil
        timer = nil
        keepAlive = nil
    }
}

/// One TLS connection of a `DoTClient`.
final class DoTConnection {
    private unowned let client: DoTClient
    private var bufferEvent: OpaquePointer?
    private let ssl: OpaquePointer
    private var authenticated = false
    private var handshakeTimer: Timer?
    private var idleTimer: Timer?
    private var waiting: [UInt16: DoTExchange] = [:]
    /// Replies matched so far.
    private(set) var answered = 0

    init?(client: DoTClient) {
        self.client = client
        guard let ssl = SSL_new(client.context.context) else { return nil }
        guard client.identity.configure(ssl) else {
            SSL_free(ssl)
            return nil
        }
        // Unretained: the client's keeper outlives its connections (deinit closes them first).
        _ = vpcdns_ssl_set_app_data(ssl, Unmanaged.passUnretained(client.sessions).toOpaque())
        if let session = client.sessions.session { SSL_set_session(ssl, session) }
        // With CLOSE_ON_FREE the bufferevent frees the SSL object and closes the socket.
        guard let bev = bufferevent_openssl_socket_new(
            client.loop.base, -1, ssl, BUFFEREVENT_SSL_CONNECTING,
            Int32(BEV_OPT_CLOSE_ON_FREE.rawValue | BEV_OPT_DEFER_CALLBACKS.rawValue))
        else {
            SSL_free(ssl)
            return nil
        }
        self.ssl = ssl
        bufferEvent = bev
        bufferevent_openssl_set_allow_dirty_shutdown(bev, 1)
        let context = Unmanaged.passUnretained(self).toOpaque()
        bufferevent_setcb(bev, { _, context in
            DoTConnection.from(context).readable()
        }, nil, { _, what, context in
            DoTConnection.from(context).event(what)
        }, context)
        bufferevent_enable(bev, Int16(EV_READ | EV_WRITE))
        handshakeTimer = try? Timer(after: DoTClient.handshakeTimeout, on: client.loop) { [unowned self] in
            self.client.lost(self, reason: "the TLS handshake took over \(Int(DoTClient.handshakeTimeout)) s", authenticated: false)
        }
        let connected = client.remote.withSockAddr { address, length in
            bufferevent_socket_connect(bev, UnsafeMutablePointer(mutating: address), Int32(length))
        }
        if connected != 0 {
            // The failure comes back through the event callback (deferred), like any other.
            handshakeTimer = try? Timer(after: 0, on: client.loop) { [unowned self] in
                self.client.lost(self, reason: "connect failed: \(String(cString: strerror(errno)))", authenticated: false)
            }
        }
    }

    private static func from(_ context: UnsafeMutableRawPointer?) -> DoTConnection {
        guard let context else { preconditionFailure("libevent passed a nil context") }
        return Unmanaged<DoTConnection>.fromOpaque(context).takeUnretainedValue()
    }

    deinit { if let bufferEvent { bufferevent_free(bufferEvent) } }

    /// Writes the query under an ID free on this connection; false when none is.
    func send(_ exchange: DoTExchange) -> Bool {
        guard let bev = bufferEvent, waiting.count < DoTClient.maxInFlight else { return false }
        var id = UInt16(exchange.query[0]) << 8 | UInt16(exchange.query[1])
        while waiting[id] != nil { id = UInt16.random(in: 0...UInt16.max) }
        exchange.wireID = id
        exchange.connection = self
        waiting[id] = exchange
        idleTimer = nil
        var frame = [UInt8(exchange.query.count >> 8), UInt8(exchange.query.count & 0xFF), UInt8(id >> 8), UInt8(id & 0xFF)]
        frame += exchange.query[2...]
        _ = frame.withUnsafeBytes { bufferevent_write(bev, $0.baseAddress, $0.count) }
        return true
    }

    func forget(_ exchange: DoTExchange) {
        if waiting[exchange.wireID] === exchange { waiting[exchange.wireID] = nil }
        armIdleTimer()
    }

    /// Frees the connection; the exchanges still waiting on it.
    func close() -> [DoTExchange] {
        handshakeTimer = nil
        idleTimer = nil
        // close_notify first: OpenSSL marks the session of a connection freed without it as not
        // resumable, and the server learns the close was meant (RFC 8446 §6.1).
        if authenticated && bufferEvent != nil { SSL_shutdown(ssl) }
        if let bufferEvent { bufferevent_free(bufferEvent) }
        bufferEvent = nil
        let left = Array(waiting.values)
        waiting = [:]
        for exchange in left { exchange.connection = nil }
        return left
    }

    private func armIdleTimer() {
        guard waiting.isEmpty, authenticated, idleTimer == nil, bufferEvent != nil else { return }
        idleTimer = try? Timer(after: DoTClient.idleTimeout, on: client.loop) { [unowned self] in self.client.idle(self) }
    }

    private func readable() {
        guard let bev = bufferEvent, let input = bufferevent_get_input(bev) else { return }
        while bufferEvent != nil, var reply = takeFrame(from: input) {
            guard reply.count >= 2, let exchange = waiting[UInt16(reply[0]) << 8 | UInt16(reply[1])] else { continue }
            // The ID the forwarder chose, which it checks.
            reply[0] = exchange.query[0]
            reply[1] = exchange.query[1]
            if exchange.deliver(reply) { answered += 1 }
        }
    }

    private func event(_ what: Int16) {
        if what & Int16(BEV_EVENT_CONNECTED) != 0 {
            handshakeTimer = nil
            if let refusal = client.identity.check(ssl) {
                client.lost(self, reason: refusal, authenticated: false)
                return
            }
            authenticated = true
            client.connected(self, resumed: SSL_session_reused(ssl) == 1)
            armIdleTimer()
            return
        }
        let reason: String
        if !authenticated {
            reason = TLSPeerIdentity.handshakeFailure(
                ssl, fallback: what & Int16(BEV_EVENT_EOF) != 0
                    ? "the server closed the connection during the TLS handshake"
                    : "connection failed: \(String(cString: strerror(errno)))")
        } else {
            ERR_clear_error()
            reason = what & Int16(BEV_EVENT_EOF) != 0 ? "closed by the server" : "connection error"
        }
        client.lost(self, reason: reason, authenticated: authenticated)
    }
}
