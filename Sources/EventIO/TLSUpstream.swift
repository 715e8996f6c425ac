// SPDX-License-Identifier: Apache-2.0
internal import CLibevent
import COpenSSL
import Glibc

/// Encrypted DNS to one upstream from one loop, over one TLS connection: DNS over TLS (RFC 7858),
/// queries pipelined and answers matched by ID in whatever order they come (RFC 7766 §6.2.1.1),
/// or DNS over HTTPS (RFC 8484), each query a POST on an HTTP/2 stream of its own. The connection closes
/// after `idleTimeout` without queries; the next one offers the last session ticket (TLS 1.3
/// resumption). A connection that cannot be made or authenticated fails its queries, is logged
/// through `report`, and is not tried again for a back-off that doubles from 1 s to 30 s. There is
/// never a plain-DNS fallback. Everything runs on the loop's thread.
public final class TLSUpstream {
    /// How queries travel inside the TLS connection.
    public enum Framing: Sendable, Equatable {
        /// 2-octet length prefixes (DoT).
        case dns
        /// HTTP/2 POSTs to `https://authority/path` (DoH).
        case http2(authority: String, path: String)
    }

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
    let framing: Framing
    /// The trust its next connection starts from (a reload may re-read the CA file).
    public var context: TLSClientContext
    let identity: TLSPeerIdentity
    let loop: EventLoop
    private let report: (String) -> Void
    public private(set) var counters = Counters()
    /// The last session ticket, offered by the next connection.
    let sessions = TLSSessionKeeper()
    private var connection: TLSUpstreamConnection?
    private var backoff = 0.0
    private var retryAt = 0.0
    private var lastFailure = ""

    /// - Parameter report: called with a line for the log when a connection fails.
    public init(
        remote: SocketAddress, framing: Framing = .dns, context: TLSClientContext, identity: TLSPeerIdentity, loop: EventLoop,
        report: @escaping (String) -> Void
    ) {
        self.remote = remote
        self.framing = framing
        self.context = context
        self.identity = identity
        self.loop = loop
        self.report = report
    }

    // Its exchanges' own timers fail them (a reload removed the upstream).
    deinit { _ = connection?.close() }

    /// Sends `query`; replies go to `onMessage` until it returns true, or `onFailure` is called once
    /// (timeout, or the connection failed). Callbacks never run inside this call.
    public func exchange(
        _ query: [UInt8], timeout: Double, onMessage: @escaping ([UInt8]) -> Bool,
        onFailure: @escaping (ExchangeError) -> Void
    ) -> TLSUpstreamExchange {
        let exchange = TLSUpstreamExchange(query: query, onMessage: onMessage, onFailure: onFailure)
        exchange.timer = try? Timer(after: timeout, on: loop) { [unowned exchange] in exchange.fail(.timeout) }
        guard query.count >= 2, query.count <= 0xFFFF else {
            exchange.failSoon(on: loop, "not a DNS message")
            return exchange
        }
        send(exchange)
        return exchange
    }

    private func send(_ exchange: TLSUpstreamExchange) {
        let now = monotonicSeconds()
        if connection == nil && now < retryAt {
            exchange.failSoon(
                on: loop, "\(lastFailure) (\(name) to \(remote): next try in \(Int((retryAt - now).rounded(.up))) s)")
            return
        }
        // Twice at most: a connection that takes no more streams retires itself, and the query
        // goes on a new one.
        for _ in 0..<2 {
            if connection == nil {
                connection = TLSUpstreamConnection(client: self)
                if connection == nil {
                    connectionFailed("cannot create a TLS connection: \(openSSLErrors(or: "out of memory"))")
                }
            }
            guard let current = connection else { break }
            if current.send(exchange) { return }
            if connection === current { break }  // not retired: full
        }
        exchange.failSoon(on: loop, connection == nil ? lastFailure : "too many queries in flight on one connection")
    }

    func connected(_ connection: TLSUpstreamConnection, resumed: Bool) {
        counters.handshakes += 1
        if resumed { counters.resumed += 1 }
        backoff = 0
    }

    /// The connection is gone: queries sent on a connection that had already answered are sent once
    /// more on a new one (the server may have closed it as they went out); the rest fail.
    func lost(_ lost: TLSUpstreamConnection, reason: String, authenticated: Bool) {
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
                resend(exchange)
            } else {
                exchange.fail(.failed("\(name) connection to \(remote) closed: \(reason)"))
            }
        }
    }

    /// Sends a query its connection did not get answered once more, on another connection; a
    /// second time it fails.
    func resend(_ exchange: TLSUpstreamExchange) {
        guard !exchange.resent else {
            exchange.fail(.failed("\(name) to \(remote): refused twice"))
            return
        }
        exchange.resent = true
        send(exchange)
    }

    func idle(_ connection: TLSUpstreamConnection) {
        guard self.connection === connection else { return }
        self.connection = nil
        _ = connection.close()
    }

    /// The connection takes no new queries (its HTTP/2 stream IDs ran out): the next ones go on a
    /// new connection; it closes once its own are answered.
    func retire(_ connection: TLSUpstreamConnection) {
        if self.connection === connection { self.connection = nil }
    }

    private var name: String {
        if case .dns = framing { return "DoT" }
        return "DoH"
    }

    private func connectionFailed(_ reason: String) {
        counters.failures += 1
        backoff = min(max(backoff * 2, 1), TLSUpstream.maxBackoff)
        retryAt = monotonicSeconds() + backoff
        lastFailure = reason
        sessions.forgetSession()
        report("\(name) upstream \(remote)\(identity.serverName.map { "#\($0)" } ?? ""): \(reason); no plain DNS is sent; "
            + "next connection in \(Int(backoff)) s")
    }
}

/// One query to an encrypted upstream; `cancel()` forgets it (a late answer is dropped).
public final class TLSUpstreamExchange {
    let query: [UInt8]
    private let onMessage: ([UInt8]) -> Bool
    private let onFailure: (ExchangeError) -> Void
    var timer: Timer?
    weak var connection: TLSUpstreamConnection?
    /// What its answer is matched by: the ID it carries on a DoT connection, its HTTP/2 stream.
    var key: Int32 = 0
    /// Sent again after its connection closed.
    var resent = false
    private var finished = false
    private var keepAlive: TLSUpstreamExchange?

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

/// One TLS connection of a `TLSUpstream`.
final class TLSUpstreamConnection {
    private unowned let client: TLSUpstream
    private var bufferEvent: OpaquePointer?
    private let ssl: OpaquePointer
    private var authenticated = false
    private var handshakeTimer: Timer?
    private var idleTimer: Timer?
    private var waiting: [Int32: TLSUpstreamExchange] = [:]
    /// DoH: the HTTP/2 session inside the TLS connection.
    private var h2: HTTP2ClientSession?
    /// Replies matched so far.
    private(set) var answered = 0

    init?(client: TLSUpstream) {
        self.client = client
        guard let ssl = SSL_new(client.context.context) else { return nil }
        guard client.identity.configure(ssl) else {
            SSL_free(ssl)
            return nil
        }
        // Unretained: the client's keeper outlives its connections (deinit closes them first).
        _ = vpcdns_ssl_set_app_data(ssl, Unmanaged.passUnretained(client.sessions).toOpaque())
        if let session = client.sessions.session { SSL_set_session(ssl, session) }
        if case .http2 = client.framing {
            // RFC 9113 §3.2: h2 by ALPN, the only way into HTTP/2 over TLS.
            let h2: [UInt8] = [2, UInt8(ascii: "h"), UInt8(ascii: "2")]
            guard SSL_set_alpn_protos(ssl, h2, UInt32(h2.count)) == 0 else {
                SSL_free(ssl)
                return nil
            }
        }
        // Deferred callbacks: a connect that fails at once is reported from the loop, not inside init.
        guard let bev = tlsBufferEvent(on: client.loop, fd: -1, ssl: ssl, accepting: false, deferCallbacks: true) else {
            return nil
        }
        self.ssl = ssl
        bufferEvent = bev
        let context = Unmanaged.passUnretained(self).toOpaque()
        bufferevent_setcb(bev, { _, context in
            TLSUpstreamConnection.from(context).readable()
        }, nil, { _, what, context in
            TLSUpstreamConnection.from(context).event(what)
        }, context)
        if case .http2(let authority, let path) = client.framing {
            // The session writes its preface and requests into the bufferevent, which holds them
            // until the handshake is done.
            h2 = HTTP2ClientSession(
                authority: authority, path: path, write: { [unowned self] bytes in self.write(bytes) },
                complete: { [unowned self] stream, result in self.complete(stream, result) })
            guard h2 != nil else { return nil }
        }
        bufferevent_enable(bev, Int16(EV_READ | EV_WRITE))
        handshakeTimer = try? Timer(after: TLSUpstream.handshakeTimeout, on: client.loop) { [unowned self] in
            self.client.lost(self, reason: "the TLS handshake took over \(Int(TLSUpstream.handshakeTimeout)) s", authenticated: false)
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

    private static func from(_ context: UnsafeMutableRawPointer?) -> TLSUpstreamConnection {
        guard let context else { preconditionFailure("libevent passed a nil context") }
        return Unmanaged<TLSUpstreamConnection>.fromOpaque(context).takeUnretainedValue()
    }

    private func write(_ bytes: UnsafeRawBufferPointer) {
        guard let bev = bufferEvent, !bytes.isEmpty else { return }
        bufferevent_write(bev, bytes.baseAddress, bytes.count)
    }

    /// A DoH stream closed: its answer, with the ID the forwarder chose put back (RFC 8484 §4.1
    /// sends 0), or why there is none.
    private func complete(_ stream: Int32, _ outcome: HTTP2ClientSession.Outcome) {
        guard let exchange = waiting.removeValue(forKey: stream) else { return }
        exchange.connection = nil
        switch outcome {
        case .answer(var reply) where reply.count >= 12:
            reply[0] = exchange.query[0]
            reply[1] = exchange.query[1]
            if exchange.deliver(reply) {
                answered += 1
            } else {
                exchange.fail(.failed("the DoH answer does not match the question"))
            }
        case .answer:
            exchange.fail(.failed("a DoH answer shorter than a DNS header"))
        case .refused:
            // A server going away (GOAWAY) or at its stream limit did not touch it: once more,
            // as a query a closing DoT connection left unanswered (a session going away takes no
            // new stream, so it goes on a new connection).
            client.resend(exchange)
        case .failed(let reason):
            exchange.fail(.failed(reason))
        }
        armIdleTimer()
    }

    deinit { if let bufferEvent { bufferevent_free(bufferEvent) } }

    /// Writes the query: on DoT under an ID free on this connection, on DoH as a new stream with
    /// ID 0; false when it cannot go on this connection.
    func send(_ exchange: TLSUpstreamExchange) -> Bool {
        guard let bev = bufferEvent, waiting.count < TLSUpstream.maxInFlight else { return false }
        if let h2 {
            var message = exchange.query
            message[0] = 0
            message[1] = 0
            guard let stream = h2.post(message) else {
                client.retire(self)
                return false
            }
            exchange.key = stream
            exchange.connection = self
            waiting[stream] = exchange
            idleTimer = nil
            return true
        }
        var id = UInt16(exchange.query[0]) << 8 | UInt16(exchange.query[1])
        while waiting[Int32(id)] != nil { id = UInt16.random(in: 0...UInt16.max) }
        exchange.key = Int32(id)
        exchange.connection = self
        waiting[Int32(id)] = exchange
        idleTimer = nil
        var frame = [UInt8(exchange.query.count >> 8), UInt8(exchange.query.count & 0xFF), UInt8(id >> 8), UInt8(id & 0xFF)]
        frame += exchange.query[2...]
        _ = frame.withUnsafeBytes { bufferevent_write(bev, $0.baseAddress, $0.count) }
        return true
    }

    func forget(_ exchange: TLSUpstreamExchange) {
        if waiting[exchange.key] === exchange {
            waiting[exchange.key] = nil
            h2?.cancel(stream: exchange.key)
        }
        armIdleTimer()
    }

    /// Frees the connection; the exchanges still waiting on it.
    func close() -> [TLSUpstreamExchange] {
        handshakeTimer = nil
        idleTimer = nil
        // close_notify first: OpenSSL marks the session of a connection freed without it as not
        // resumable, and the server learns the close was meant (RFC 8446 §6.1).
        if authenticated && bufferEvent != nil { SSL_shutdown(ssl) }
        if let bufferEvent { bufferevent_free(bufferEvent) }
        bufferEvent = nil
        let left = Array(waiting.values)
        waiting = [:]
        _ = h2?.abandon()
        h2 = nil
        for exchange in left { exchange.connection = nil }
        return left
    }

    private func armIdleTimer() {
        guard waiting.isEmpty, authenticated, idleTimer == nil, bufferEvent != nil else { return }
        idleTimer = try? Timer(after: TLSUpstream.idleTimeout, on: client.loop) { [unowned self] in self.client.idle(self) }
    }

    private func readable() {
        guard let bev = bufferEvent, let input = bufferevent_get_input(bev) else { return }
        if let h2 {
            let length = evbuffer_get_length(input)
            guard length > 0, let bytes = evbuffer_pullup(input, -1) else { return }
            let alive = h2.receive(UnsafeRawBufferPointer(start: bytes, count: length))
            if bufferEvent != nil { evbuffer_drain(input, length) }
            if !alive { client.lost(self, reason: "the server ended the HTTP/2 session", authenticated: true) }
            return
        }
        while bufferEvent != nil, var reply = takeFrame(from: input) {
            guard reply.count >= 2, let exchange = waiting[Int32(reply[0]) << 8 | Int32(reply[1])] else { continue }
            // The ID the forwarder chose, which it checks.
            reply[0] = exchange.query[0]
            reply[1] = exchange.query[1]
            if exchange.deliver(reply) { answered += 1 }
        }
    }

    /// Whether the TCP connection was ever made (a refused or unreachable port leaves it unconnected).
    private func tcpConnected() -> Bool {
        guard let bev = bufferEvent else { return false }
        var address = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        return withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(bufferevent_getfd(bev), $0, &length) == 0 }
        }
    }

    private func event(_ what: Int16) {
        if what & Int16(BEV_EVENT_CONNECTED) != 0 {
            handshakeTimer = nil
            if let refusal = client.identity.check(ssl) {
                client.lost(self, reason: refusal, authenticated: false)
                return
            }
            if h2 != nil {
                var selected: UnsafePointer<UInt8>?
                var length: UInt32 = 0
                SSL_get0_alpn_selected(ssl, &selected, &length)
                guard length == 2, let selected, selected[0] == UInt8(ascii: "h"), selected[1] == UInt8(ascii: "2") else {
                    client.lost(self, reason: "the server did not agree to HTTP/2 (ALPN h2)", authenticated: false)
                    return
                }
            }
            authenticated = true
            client.connected(self, resumed: SSL_session_reused(ssl) == 1)
            armIdleTimer()
            return
        }
        let reason: String
        if !authenticated && !tcpConnected() {
            ERR_clear_error()
            reason = "cannot connect (refused or unreachable)"
        } else if !authenticated {
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
