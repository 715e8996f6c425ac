// SPDX-License-Identifier: Apache-2.0
import DNSEngine
import DNSForwarder
import EventIO
import Glibc

extension UDPExchange: Cancellable {}
extension TCPExchange: Cancellable {}
extension EventIO.Timer: Cancellable {}

/// `ForwarderIO` on a worker's libevent loop.
final class LoopForwarderIO: ForwarderIO {
    private let loop: EventLoop
    /// Upstream UDP sockets shared by a few queries each (`forward.queries_per_socket`).
    let pool: UDPSocketPool

    init(loop: EventLoop, queriesPerSocket: Int) {
        self.loop = loop
        pool = UDPSocketPool(loop: loop, queriesPerSocket: queriesPerSocket)
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
        if overTCP {
            return TCPExchange(to: address, payload: query, timeout: timeout, on: loop, onMessage: onMessage, onFailure: failure)
        }
        return UDPExchange(
            to: address, payload: query, timeout: timeout, on: loop, pool: pool, onDatagram: onMessage, onFailure: failure)
    }

    func randomID() -> UInt16 {
        // SystemRandomNumberGenerator reads getrandom(2): unpredictable, as RFC 5452 §9.2 asks.
        UInt16.random(in: 0...UInt16.max)
    }
}

private final class NoTimer: Cancellable {
    func cancel() {}
}
