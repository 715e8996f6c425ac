// SPDX-License-Identifier: Apache-2.0
internal import CLibevent
import CSocketBatch
import Glibc

/// Why an exchange ended without an accepted reply.
public enum ExchangeError: Error, Sendable, Equatable, CustomStringConvertible {
    case timeout
    case failed(String)

    public var description: String {
        switch self {
        case .timeout: "timed out"
        case .failed(let why): why
        }
    }
}

/// One request and its replies over a connected UDP socket, fresh or lent by a `UDPSocketPool`: the
/// kernel picks a random source port (RFC 5452 §10) and drops datagrams from any other address. Every datagram goes to
/// `onDatagram` until it returns true; otherwise `onFailure` fires once, at the timeout or on an
/// error (e.g. ICMP port unreachable). Callbacks never run inside `init`. The exchange keeps itself
/// alive until it ends or is cancelled. One libevent event carries both the read and the timeout:
/// one-shot, re-added with what is left of the time after datagrams that were not accepted, so a
/// stream of forgeries cannot stretch the wait.
public final class UDPExchange {
    private let onDatagram: ([UInt8]) -> Bool
    private let onFailure: (ExchangeError) -> Void
    private var fd: Int32 = -1
    private var event: OpaquePointer?
    /// The pooled socket sent from, and the ID waited on there.
    private var lease: (socket: PooledSocket, id: UInt16)?
    private var keepAlive: UDPExchange?
    private var finished = false
    private let scratch: UnsafeMutableRawBufferPointer
    private let expires: Double
    private let remote: SocketAddress
    /// Set when the exchange could not start; reported on the next loop turn.
    private var startError: String?

    /// - Parameter pool: shared sockets to send from (see `UDPSocketPool`); without one, or when it
    ///   has none to lend, the exchange opens a socket of its own.
    public init(to remote: SocketAddress, payload: [UInt8], timeout: Double, on loop: EventLoop,
        pool: UDPSocketPool? = nil, onDatagram: @escaping ([UInt8]) -> Bool, onFailure: @escaping (ExchangeError) -> Void)
    {
        self.onDatagram = onDatagram
        self.onFailure = onFailure
        scratch = loop.scratch
        self.remote = remote
        expires = monotonicSeconds() + timeout
        keepAlive = self
        var wait = timeout
        let id = payload.count >= 2 ? UInt16(payload[0]) << 8 | UInt16(payload[1]) : 0
        if let pool, payload.count >= 2, let socket = pool.lease(to: remote, id: id) {
            // Replies come from the socket (`deliver`); the event is the timeout alone.
            lease = (socket, id)
            socket.wait(self, for: id)
            if let error = queueOrSend(payload, on: socket.fd, pool: pool) {
                failStart(errno: error, pooled: socket)
                wait = 0
            }
            startEvent(on: loop, fd: -1, events: 0, wait: wait)
            return
        }
        do {
            fd = try connectedDatagramSocket(to: remote)
            if let error = queueOrSend(payload, on: fd, pool: pool) { throw EventIOError(call: "send to \(remote)", errno: error) }
        } catch {
            // Report on the next loop turn, never from inside init.
            startError = "\(error)"
            wait = 0
        }
        startEvent(on: loop, fd: startError == nil ? fd : -1, events: startError == nil ? Int16(EV_READ) : 0, wait: wait)
    }

    /// Queues the query in the pool's outbox, to leave at the end of the turn, or sends it now (no
    /// pool, or too long to queue). The errno of a send that failed now, else nil.
    private func queueOrSend(_ payload: [UInt8], on fd: Int32, pool: UDPSocketPool?) -> Int32? {
        if pool?.outbox.queue(payload, on: fd, for: self) == true { return nil }
        let sent = payload.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        return sent == payload.count ? nil : errno
    }

    /// Whether the exchange has ended (accepted, failed or cancelled).
    var isFinished: Bool { finished }

    /// The query could not be sent (`errno`): to be reported on the next loop turn. An error on a
    /// pooled socket is the socket's (e.g. an ICMP error an earlier query drew), owed to every query
    /// waiting there.
    private func failStart(errno error: Int32, pooled socket: PooledSocket?) {
        let why = "\(EventIOError(call: "send to \(remote)", errno: error))"
        startError = why
        socket?.fail(why)
    }

    /// The outbox could not send the query (`DatagramOutbox.flush`): the event fires at once.
    func sendFailed(errno error: Int32) {
        guard !finished else { return }
        failStart(errno: error, pooled: lease?.socket)
        if event != nil, !arm(seconds: 0) { fail(.failed(startError ?? "send failed")) }
    }

    private func startEvent(on loop: EventLoop, fd: Int32, events: Int16, wait: Double) {
        // Unretained is safe: the event is freed before `self` goes away (finish, deinit).
        let context = Unmanaged.passUnretained(self).toOpaque()
        event = event_new(loop.base, fd, events, { _, what, context in
            guard let context else { preconditionFailure("libevent passed a nil context") }
            Unmanaged<UDPExchange>.fromOpaque(context).takeUnretainedValue().fired(what)
        }, context)
        guard event != nil, arm(seconds: wait) else {
            finish()  // no memory for an event: nothing will ever call back, so nothing is owed
            return
        }
    }

    /// A datagram for this exchange from its pooled socket.
    func deliver(_ bytes: [UInt8]) {
        if !finished && onDatagram(bytes) { finish() }
    }

    /// The pooled socket failed (e.g. ICMP port unreachable).
    func socketFailed(_ why: String) { fail(.failed(why)) }

    /// Ends the exchange; no callback fires afterwards.
    public func cancel() { finish() }

    private func arm(seconds: Double) -> Bool {
        guard let event else { return false }
        let whole = max(0, seconds).rounded(.down)
        var tv = timeval(tv_sec: Int(whole), tv_usec: Int((max(0, seconds) - whole) * 1_000_000))
        return event_add(event, &tv) == 0
    }

    private func fired(_ what: Int16) {
        if let startError {
            fail(.failed(startError))
            return
        }
        if what & Int16(EV_READ) != 0 { readable() }
        guard !finished else { return }
        let left = expires - monotonicSeconds()
        if what & Int16(EV_TIMEOUT) != 0 || left <= 0 || !arm(seconds: left) { fail(.timeout) }
    }

    private func readable() {
        while !finished {
            let n = recv(fd, scratch.baseAddress, scratch.count, Int32(MSG_DONTWAIT))
            if n < 0 {
                let error = errno
                if error == EINTR { continue }
                if error == EAGAIN || error == EWOULDBLOCK { return }
                fail(.failed(String(cString: strerror(error))))
                return
            }
            if onDatagram(Array(UnsafeRawBufferPointer(rebasing: scratch[0..<n]))) {
                finish()
                return
            }
        }
    }

    private func fail(_ error: ExchangeError) {
        guard !finished else { return }
        finish()
        onFailure(error)
    }

    private func finish() {
        guard !finished else { return }
        finished = true
        closeEvent(&event, fd: &fd)
        if let lease {
            self.lease = nil
            lease.socket.release(lease.id)
        }
        keepAlive = nil
    }

    deinit { closeEvent(&event, fd: &fd) }
}

/// Frees a descriptor's event, then closes the descriptor; both are left empty (nil, -1).
private func closeEvent(_ event: inout OpaquePointer?, fd: inout Int32) {
    if let current = event {
        event_free(current)
        event = nil
    }
    if fd >= 0 {
        close(fd)
        fd = -1
    }
}
