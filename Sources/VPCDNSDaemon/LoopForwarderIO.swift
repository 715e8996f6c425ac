// SPDX-License-Identifier: Apache-2.0
import DNSEngine
import DNSForwarder
import EventIO
import Glibc
import Logging

extension UDPExchange: Cancellable {}
extension TCPExchange: Cancellable {}
extension TLSUpstreamExchange: Cancellable {}
extension EventIO.Timer: Cancellable {}

/// `ForwarderIO` on a worker's libevent loop.
final class LoopForwarderIO: ForwarderIO {
    private let loop: EventLoop
    /// Upstream UDP sockets shared by a few queries each (`forward.queries_per_socket`).
    let pool: UDPSocketPool
    /// One connection (at most) per DoT or DoH upstream, made on first use.
    private var encrypted: [Upstream: TLSUpstream] = [:]
    /// The DoT upstreams' trust, by CA file, from the snapshot in force.
    private var trust: [String: TLSClientContext] = [:]
    private let logger: Logger
    private let ids = RandomIDs()

    init(loop: EventLoop, queriesPerSocket: Int, logger: Logger) {
        self.loop = loop
        self.logger = logger
        pool = UDPSocketPool(loop: loop, queriesPerSocket: queriesPerSocket)
    }

    /// After a reload: upstreams no longer configured lose their connections; the rest make their
    /// next connection with the CA files as read now.
    func retainTLS(for upstreams: Set<Upstream>, trust: [String: TLSClientContext]) {
        self.trust = trust
        encrypted = encrypted.filter { upstreams.contains($0.key) }
        for (upstream, client) in encrypted {
            if let context = trust[upstream.tlsPeer?.caFile ?? ""] { client.context = context }
        }
    }

    /// DoT handshakes and failures over this worker's clients.
    var tlsCounters: TLSUpstream.Counters {
        encrypted.values.reduce(into: TLSUpstream.Counters()) {
            $0.handshakes += $1.counters.handshakes
            $0.resumed += $1.counters.resumed
            $0.failures += $1.counters.failures
        }
    }

    var now: Double { monotonicSeconds() }

    func schedule(after seconds: Double, _ action: @escaping () -> Void) -> Cancellable {
        if let timer = try? EventIO.Timer(after: seconds, on: loop, action) { return timer }
        // event_new only fails without memory; do the work on the next query rather than never.
        return NoTimer()
    }

    func exchange(
        _ query: [UInt8], with upstream: Upstream, overTCP: Bool, timeout: Double,
        onMessage: @escaping ([UInt8]) -> Bool, onFailure: @escaping (ExchangeFailure) -> Void
    ) -> Cancellable {
        let address = SocketAddress(ip: upstream.ip, port: upstream.port)
        let failure: (ExchangeError) -> Void = { error in
            switch error {
            case .timeout: onFailure(.timeout)
            case .failed(let why): onFailure(.unreachable(why))
            }
        }
        switch upstream.transport {
        case .plain: break
        case .tls, .https:
            guard let client = encryptedClient(upstream, address) else {
                return schedule(after: 0) { onFailure(.unreachable("cannot read the CA certificates of \(upstream)")) }
            }
            return client.exchange(query, timeout: timeout, onMessage: onMessage, onFailure: failure)
        }
        if overTCP {
            return TCPExchange(to: address, payload: query, timeout: timeout, on: loop, onMessage: onMessage, onFailure: failure)
        }
        return UDPExchange(
            to: address, payload: query, timeout: timeout, on: loop, pool: pool, onDatagram: onMessage, onFailure: failure)
    }

    private func encryptedClient(_ upstream: Upstream, _ address: SocketAddress) -> TLSUpstream? {
        if let client = encrypted[upstream] { return client }
        guard let peer = upstream.tlsPeer else { return nil }
        var framing = TLSUpstream.Framing.dns
        if case .https(let doh) = upstream.transport { framing = .http2(authority: doh.authority, path: doh.path) }
        // The loader read every CA file the snapshot's upstreams name (a probe of an upstream a
        // reload removed may still come): read it now if not.
        guard let context = trust[peer.caFile ?? ""] ?? (try? TLSClientContext(caFile: peer.caFile)) else { return nil }
        let client = TLSUpstream(
            remote: address, framing: framing, context: context, identity: TLSPeerIdentity(serverName: peer.serverName, spkiPins: peer.spkiPins),
            loop: loop, report: { [logger] line in logger.warning("\(line)") })
        encrypted[upstream] = client
        return client
    }

    func randomID() -> UInt16 { ids.next() }
}

private final class NoTimer: Cancellable {
    func cancel() {}
}
