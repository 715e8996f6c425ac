// SPDX-License-Identifier: Apache-2.0
import DNSEngine

/// Something started that can be called off.
public protocol Cancellable: AnyObject {
    func cancel()
}

/// Why an exchange with an upstream ended without an accepted message.
public enum ExchangeFailure: Error, Sendable, Equatable {
    /// Nothing acceptable arrived in time.
    case timeout
    /// The upstream refused (ICMP port unreachable, TCP reset) or the socket failed.
    case unreachable(String)
}

/// The forwarder's only window on the world: time, timers and upstream exchanges. The daemon
/// implements it on libevent; tests implement it with a stepped clock and scripted upstreams
/// (unbound's fake_event idea). Everything is called on one thread, the worker's.
public protocol ForwarderIO: AnyObject {
    /// Monotonic seconds.
    var now: Double { get }

    /// Runs `action` once after `seconds`.
    func schedule(after seconds: Double, _ action: @escaping () -> Void) -> Cancellable

    /// Sends `query` to `upstream` from a random source port (RFC 5452: a fresh socket, or one shared
    /// briefly with a few other queries, see `UDPSocketPool`) and
    /// hands every reply that arrives to `onMessage` until it returns true (accepted) or `timeout`
    /// passes; then `onFailure` is called, exactly once, unless a message was accepted.
    /// Over UDP only datagrams from the upstream's own address arrive; over TCP messages are
    /// length-framed (RFC 1035 §4.2.2).
    func exchange(
        _ query: [UInt8], with upstream: Upstream, overTCP: Bool, timeout: Double,
        onMessage: @escaping ([UInt8]) -> Bool, onFailure: @escaping (ExchangeFailure) -> Void
    ) -> Cancellable

    /// A fresh, unpredictable query ID (RFC 5452 §9.2).
    func randomID() -> UInt16
}
