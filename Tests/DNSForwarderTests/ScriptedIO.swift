// SPDX-License-Identifier: Apache-2.0
import DNSCore
import DNSEngine

@testable import DNSForwarder

/// A stepped clock and scripted upstreams for the forwarder (unbound's `.rpl` idea): every
/// exchange is recorded; the test answers it, or lets time run out.
final class ScriptedIO: ForwarderIO {
    final class Handle: Cancellable {
        var cancelled = false
        func cancel() { cancelled = true }
    }

    final class Exchange {
        let query: Message
        let upstream: Upstream
        let overTCP: Bool
        let expires: Double
        let onMessage: ([UInt8]) -> Bool
        let onFailure: (ExchangeFailure) -> Void
        let handle = Handle()
        var finished = false

        init(query: Message, upstream: Upstream, overTCP: Bool, expires: Double, onMessage: @escaping ([UInt8]) -> Bool,
            onFailure: @escaping (ExchangeFailure) -> Void) {
            self.query = query
            self.upstream = upstream
            self.overTCP = overTCP
            self.expires = expires
            self.onMessage = onMessage
            self.onFailure = onFailure
        }

        var open: Bool { !finished && !handle.cancelled }

        /// Delivers a datagram; returns whether the forwarder accepted it.
        @discardableResult
        func deliver(_ message: Message) -> Bool {
            guard open else { return false }
            let accepted = onMessage(message.encode())
            if accepted { finished = true }
            return accepted
        }

        /// Answers the question with `records`.
        @discardableResult
        func answer(_ records: [ResourceRecord], rcode: RCode = .noError, authority: [ResourceRecord] = [],
            additional: [ResourceRecord] = [], truncated: Bool = false, id: UInt16? = nil) -> Bool {
            var header = Header(id: id ?? query.header.id)
            header.isResponse = true
            header.recursionAvailable = true
            header.truncated = truncated
            var response = Message(header: header, questions: query.questions, answers: records, authority: authority,
                additional: additional)
            response.rcode = rcode
            return deliver(response)
        }
    }

    var now: Double = 100
    var exchanges: [Exchange] = []
    private var timers: [(at: Double, seq: Int, handle: Handle, action: () -> Void)] = []
    private var sequence = 0
    private var nextID: UInt16 = 0x4000

    func schedule(after seconds: Double, _ action: @escaping () -> Void) -> Cancellable {
        let handle = Handle()
        sequence += 1
        timers.append((now + seconds, sequence, handle, action))
        return handle
    }

    func exchange(
        _ query: [UInt8], with upstream: Upstream, overTCP: Bool, timeout: Double,
        onMessage: @escaping ([UInt8]) -> Bool, onFailure: @escaping (ExchangeFailure) -> Void
    ) -> Cancellable {
        let exchange = Exchange(
            query: try! Message(wire: query), upstream: upstream, overTCP: overTCP, expires: now + timeout,
            onMessage: onMessage, onFailure: onFailure)
        exchanges.append(exchange)
        return exchange.handle
    }

    func randomID() -> UInt16 {
        nextID &+= 7919
        return nextID
    }

    /// Moves the clock, firing due timers and exchange timeouts in time order.
    func advance(by seconds: Double) {
        let end = now + seconds
        while true {
            let dueTimer = timers.filter { !$0.handle.cancelled && $0.at <= end }.min { ($0.at, $0.seq) < ($1.at, $1.seq) }
            let dueExchange = exchanges.filter { $0.open && $0.expires <= end }.min { $0.expires < $1.expires }
            if let t = dueTimer, dueExchange == nil || t.at <= dueExchange!.expires {
                now = max(now, t.at)
                timers.removeAll { $0.seq == t.seq }
                t.action()
            } else if let e = dueExchange {
                now = max(now, e.expires)
                e.finished = true
                e.onFailure(.timeout)
            } else {
                break
            }
        }
        now = end
    }

    var open: [Exchange] { exchanges.filter(\.open) }
}
