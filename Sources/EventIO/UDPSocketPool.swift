// SPDX-License-Identifier: Apache-2.0
import CSocketBatch
import Glibc

/// Connected UDP sockets to a loop's upstreams, each shared by a few exchanges (dnsmasq's and
/// CoreDNS's idea, kept short-lived). A fresh socket per query costs `socket`, `connect`, two
/// `epoll_ctl` and `close`, about a quarter of a forwarded query's CPU; here that is paid once per
/// `queriesPerSocket` queries, and one `recvmmsg` reads the replies of several.
///
/// What a source port must give (RFC 5452 §9.2, §10) is kept: every socket gets a random port from
/// the kernel, serves at most `queriesPerSocket` queries and lives at most `lifetime` seconds, so a
/// port is never long enough in use to be found by scanning (the "SAD DNS" side channel); an off-path
/// forger still has to match a live (port, ID) pair, of which there are exactly as many as queries in
/// flight, as with a socket each. A socket that receives `strayLimit` datagrams matching no waiting
/// query is retired at once. `queriesPerSocket` 1 gives every query a socket of its own.
public final class UDPSocketPool {
    /// Queries sent from one socket before it is retired; 1 means a fresh socket per query.
    public var queriesPerSocket: Int
    /// Seconds a socket takes new queries after it opens.
    public var lifetime: Double
    /// Sockets open at once per upstream (new queries pick one by their random ID).
    static let slotsPerRemote = 8
    /// Unmatched datagrams after which a socket takes no more queries.
    static let strayLimit = 20
    static let batchSize = 16
    static let datagramSize = 65536

    let loop: EventLoop
    /// Exchanges' queries, sent together at the end of each loop turn.
    let outbox: DatagramOutbox
    private var remotes: [SocketAddress] = []
    private var slots: [[PooledSocket?]] = []
    /// What the sockets' replies are read into, one socket at a time.
    let received: DatagramSlots

    public init(loop: EventLoop, queriesPerSocket: Int = 32, lifetime: Double = 1.0) {
        self.loop = loop
        self.queriesPerSocket = queriesPerSocket
        self.lifetime = lifetime
        outbox = DatagramOutbox(loop: loop)
        // A full-size buffer per slot, so no reply is ever cut.
        received = DatagramSlots(count: Self.batchSize, bufferSize: Self.datagramSize)
    }

    /// Sends the queries through an io_uring ring (see `UDPServer.sendThroughIOUring()`).
    /// - Throws: `EventIOError` when no ring can be made; queries then go out with `sendmsg`.
    public func sendThroughIOUring() throws(EventIOError) { try outbox.sendThroughIOUring() }

    deinit {
        for row in slots { for socket in row { socket?.retire() } }
    }

    /// A shared socket to `remote` on which `id` is not waiting, or nil when the query should have a
    /// socket of its own (reuse is off, or a socket could not be opened: the caller's own attempt
    /// reports why).
    func lease(to remote: SocketAddress, id: UInt16) -> PooledSocket? {
        guard queriesPerSocket > 1 else { return nil }
        let row: Int
        if let found = remotes.firstIndex(of: remote) {
            row = found
        } else {
            remotes.append(remote)
            slots.append(Array(repeating: nil, count: Self.slotsPerRemote))
            row = remotes.count - 1
        }
        let index = Int(id) % Self.slotsPerRemote  // the ID is random: so is the slot
        let now = monotonicSeconds()
        let socket: PooledSocket
        if let current = slots[row][index], current.takes(id, now: now, limit: queriesPerSocket, lifetime: lifetime) {
            socket = current
        } else {
            slots[row][index]?.retire()
            slots[row][index] = PooledSocket(to: remote, pool: self, now: now)
            guard let fresh = slots[row][index] else { return nil }
            socket = fresh
        }
        socket.uses += 1
        return socket
    }
}

/// One connected socket of a pool: a read watch, and the exchanges waiting on it by ID.
final class PooledSocket {
    private(set) var fd: Int32 = -1
    private var watcher: IOWatcher?
    private unowned let pool: UDPSocketPool
    private var waiting: [UInt16: UDPExchange] = [:]
    var uses = 0
    private var strays = 0
    private let openedAt: Double
    private(set) var retired = false
    /// A socket error to report to the waiting queries (see `fail`).
    private var failure: String?

    init?(to remote: SocketAddress, pool: UDPSocketPool, now: Double) {
        self.pool = pool
        openedAt = now
        guard let fd = try? connectedDatagramSocket(to: remote) else { return nil }
        self.fd = fd
        guard let watcher = try? IOWatcher(fd: fd, events: .read, on: pool.loop, { [unowned self] _ in self.readable() }) else {
            closeNow()
            return nil
        }
        self.watcher = watcher
    }

    deinit { closeNow() }

    /// Whether a new query with `id` may go out on this socket.
    func takes(_ id: UInt16, now: Double, limit: Int, lifetime: Double) -> Bool {
        !retired && uses < limit && now - openedAt < lifetime && strays < UDPSocketPool.strayLimit && waiting[id] == nil
    }

    func wait(_ exchange: UDPExchange, for id: UInt16) { waiting[id] = exchange }

    /// The exchange waiting on `id` is done; a retired socket closes with its last one.
    func release(_ id: UInt16) {
        waiting[id] = nil
        if retired && waiting.isEmpty { closeNow() }
    }

    /// Takes no more queries; closes once nobody waits on it.
    func retire() {
        retired = true
        if waiting.isEmpty { closeNow() }
    }

    /// Fails every query waiting here on the next loop turn (never inside the caller's call), and
    /// takes no new ones.
    func fail(_ why: String) {
        retired = true
        guard !waiting.isEmpty else {
            closeNow()
            return
        }
        failure = why
        watcher?.activate()
    }

    private func readable() {
        // Hold self: the last release may close the socket mid-batch.
        withExtendedLifetime(self) {
            if let failure {
                failAll(failure)
                return
            }
            for _ in 0..<4 {
                guard fd >= 0 else { return }
                let received = Int(vpcdns_batch_receive(fd, pool.received.batch))
                if received < 0 {
                    failAll(String(cString: strerror(errno)))  // e.g. ICMP port unreachable
                    return
                }
                for i in 0..<received {
                    let slot = pool.received.slots + i
                    let bytes = Array(UnsafeRawBufferPointer(start: slot.pointee.data, count: slot.pointee.length))
                    deliver(bytes)
                }
                if received < UDPSocketPool.batchSize { return }
            }
        }
    }

    private func deliver(_ bytes: [UInt8]) {
        if bytes.count >= 2, let exchange = waiting[UInt16(bytes[0]) << 8 | UInt16(bytes[1])] {
            exchange.deliver(bytes)
            return
        }
        // Aimed at this port but at no query: each waiting exchange counts it as a near miss, as it
        // would on a socket of its own, and the socket takes no more queries after `strayLimit`.
        strays += 1
        for exchange in Array(waiting.values) { exchange.deliver(bytes) }
    }

    private func failAll(_ why: String) {
        retired = true
        for exchange in Array(waiting.values) { exchange.socketFailed(why) }
        if waiting.isEmpty { closeNow() }
    }

    /// Stops the watch and closes the descriptor; the watcher itself goes with the object, never
    /// from inside its own callback.
    private func closeNow() {
        watcher?.stop()
        if fd >= 0 {
            close(fd)
            fd = -1
        }
    }
}
