// SPDX-License-Identifier: Apache-2.0
import DNSEngine
import DNSForwarder
import EventIO
import Foundation
import Logging
import Synchronization

/// One serving thread: its own libevent loop, its own SO_REUSEPORT sockets, its own view of the
/// snapshot. Everything but `stop()` runs on the worker's thread.
final class Worker: @unchecked Sendable {
    let index: Int
    private let udpSockets: [Socket]
    private let tcpSockets: [Socket]
    private let store: SnapshotStore
    private let cache: ResponseCache
    private let logger: Logger
    private let control = Mutex<(waker: Waker?, stopRequested: Bool)>((nil, false))
    private let finished = DispatchSemaphore(value: 0)

    // Loop-thread state.
    private var snapshot: Snapshot
    private var generation = -1
    private var rotation = 0

    private var forwarder: Forwarder?

    init(index: Int, udpSockets: [Socket], tcpSockets: [Socket], store: SnapshotStore, cache: ResponseCache, logger: Logger) {
        self.index = index
        self.udpSockets = udpSockets
        self.tcpSockets = tcpSockets
        self.store = store
        self.cache = cache
        self.logger = logger
        self.snapshot = store.load()
    }

    /// Starts the thread; `ready` is signalled once the loop is set up (or failed to be).
    func start(ready: DispatchSemaphore, failure: StartupFailure) {
        let thread = Thread { [self] in
            do {
                try self.run(ready: ready)
            } catch {
                failure.message.withLock { $0 = "worker \(self.index): \(error)" }
                ready.signal()
            }
            self.finished.signal()
        }
        thread.name = "vpcdnsd-worker-\(index)"
        thread.start()
    }

    /// Asks the loop to stop; safe from any thread.
    func stop() {
        let waker = control.withLock { state -> Waker? in
            state.stopRequested = true
            return state.waker
        }
        waker?.wake()
    }

    /// Blocks until the worker's thread has returned.
    func join() { finished.wait() }

    private func run(ready: DispatchSemaphore) throws {
        let loop = try EventLoop()
        forwarder = Forwarder(io: LoopForwarderIO(loop: loop), cache: cache, settings: snapshot.forwarderSettings)
        let udp = try udpSockets.map { socket in
            try UDPServer(socket: socket, on: loop) { [unowned self] request, from, server in
                self.answer(Array(request), from: from, transport: .udp) { [unowned server] reply in
                    server.send(reply, to: from)
                }
            }
        }
        let tcp = try tcpSockets.map { socket in
            try TCPServer(socket: socket, on: loop, limits: snapshot.config.tcp) { [unowned self] message, connection in
                connection.beginQuery()
                let now = self.answer(message, from: connection.peer, transport: .tcp) { reply in
                    connection.send(reply)
                    connection.endQuery()
                }
                guard let now else { return }
                connection.endQuery()
                // Not a query (a response, a runt): a TCP peer sending those is closed.
                if now.isEmpty { connection.close() } else { connection.send(now) }
            }
        }
        let waker = try Waker(on: loop) { loop.stop() }
        let stopEarly = control.withLock { state -> Bool in
            state.waker = waker
            return state.stopRequested
        }
        ready.signal()
        if !stopEarly { try loop.run() }
        control.withLock { $0.waker = nil }
        withExtendedLifetime((udp, tcp, waker)) {}
    }

    /// The reply to send now, or nil: nothing to send, or `later` will be called with it once an
    /// upstream answers. `later` is called at most once, and only when this returns nil.
    private func answer(
        _ bytes: [UInt8], from: SocketAddress, transport: QueryContext.Transport, later: @escaping ([UInt8]) -> Void
    ) -> [UInt8]? {
        let current = store.generation
        if current != generation {
            snapshot = store.load()
            generation = current
            forwarder?.settings = snapshot.forwarderSettings
            forwarder?.retainHealth(for: snapshot.upstreams)
        }
        rotation &+= 1
        switch snapshot.engine.respond(
            to: bytes, context: QueryContext(transport: transport, clientAddress: from.ip, rotation: rotation))
        {
        case .reply(let reply): return reply
        case .drop: return transport == .tcp ? [] : nil
        case .forward(let request):
            guard let forwarder else { return nil }
            forwarder.resolve(request, reply: later)
            return nil
        }
    }
}

/// The first start-up failure of any worker.
final class StartupFailure: Sendable {
    let message = Mutex<String?>(nil)
}
