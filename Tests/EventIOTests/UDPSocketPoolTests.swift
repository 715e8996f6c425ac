// SPDX-License-Identifier: Apache-2.0
import Glibc
import Testing

@testable import EventIO

/// A UDP "upstream" on 127.0.0.1 in the test's loop: records the source port of every query and
/// answers as `reply` says (nothing, or the datagrams returned).
private final class ScriptedUpstream {
    let socket: Socket
    var sourcePorts: [UInt16] = []
    var reply: ([UInt8]) -> [[UInt8]]
    private var watcher: IOWatcher?

    init(on loop: EventLoop, reply: @escaping ([UInt8]) -> [[UInt8]]) throws {
        socket = try Socket(binding: SocketAddress(ip: [127, 0, 0, 1], port: 0), datagram: true, reusePort: false)
        self.reply = reply
        watcher = try IOWatcher(fd: socket.fd, events: .read, on: loop) { [unowned self] _ in self.readable() }
    }

    var address: SocketAddress { socket.localAddress }

    private func readable() {
        var buffer = [UInt8](repeating: 0, count: 4096)
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let n = buffer.withUnsafeMutableBytes { bytes in
            withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(socket.fd, bytes.baseAddress, bytes.count, 0, $0, &length) }
            }
        }
        guard n > 0, let from = withUnsafePointer(to: &storage, { SocketAddress(UnsafeRawPointer($0), length: Int(length)) }) else {
            return
        }
        sourcePorts.append(from.port)
        for datagram in reply(Array(buffer[0..<n])) {
            _ = from.withSockAddr { address, size in
                datagram.withUnsafeBytes { sendto(socket.fd, $0.baseAddress, $0.count, 0, address, size) }
            }
        }
    }
}

/// A query: the ID, then filler.
private func query(_ id: UInt16) -> [UInt8] { [UInt8(id >> 8), UInt8(id & 0xff), 0, 0] }
private func id(of bytes: [UInt8]) -> UInt16 { UInt16(bytes[0]) << 8 | UInt16(bytes[1]) }
private func echo(_ request: [UInt8]) -> [[UInt8]] { [request] }

@Suite struct UDPSocketPoolTests {
    /// Starts one exchange per ID, all at once, and records the accepted IDs and the failures.
    private func exchanges(
        _ ids: [UInt16], to upstream: ScriptedUpstream, pool: UDPSocketPool?, loop: EventLoop, timeout: Double = 2,
        accept: @escaping (UInt16, [UInt8]) -> Bool = { id, bytes in bytes.count >= 2 && UInt16(bytes[0]) << 8 | UInt16(bytes[1]) == id }
    ) throws -> (accepted: [UInt16], failed: [ExchangeError]) {
        var accepted: [UInt16] = []
        var failed: [ExchangeError] = []
        var started: [UDPExchange] = []
        for qid in ids {
            started.append(
                UDPExchange(
                    to: upstream.address, payload: query(qid), timeout: timeout, on: loop, pool: pool,
                    onDatagram: { bytes in
                        guard accept(qid, bytes) else { return false }
                        accepted.append(qid)
                        return true
                    }, onFailure: { failed.append($0) }))
        }
        #expect(try loop.run { accepted.count + failed.count == ids.count })
        _ = started
        return (accepted, failed)
    }

    @Test func queriesInOneSlotShareASocket() throws {
        let loop = try EventLoop()
        let upstream = try ScriptedUpstream(on: loop, reply: echo)
        let pool = UDPSocketPool(loop: loop, queriesPerSocket: 32)
        // IDs 8, 16, 24 fall in the same slot (ID mod 8).
        let result = try exchanges([8, 16, 24], to: upstream, pool: pool, loop: loop)
        #expect(result.accepted.sorted() == [8, 16, 24])
        #expect(result.failed.isEmpty)
        #expect(upstream.sourcePorts.count == 3)
        #expect(Set(upstream.sourcePorts).count == 1)
    }

    /// Queries leave at the end of the loop's turn, through the pool's ring or a `sendmsg` each:
    /// twenty at once, on shared sockets and on sockets of their own, all arrive and are answered.
    @Test(arguments: [(32, false), (32, true), (1, false), (1, true)])
    func queriesQueuedInOneTurnAllGo(queriesPerSocket: Int, ioUring: Bool) throws {
        let loop = try EventLoop()
        let upstream = try ScriptedUpstream(on: loop, reply: echo)
        let pool = UDPSocketPool(loop: loop, queriesPerSocket: queriesPerSocket)
        if ioUring { try pool.sendThroughIOUring() }
        let ids = (1...20).map { UInt16($0) }
        let result = try exchanges(ids, to: upstream, pool: pool, loop: loop)
        #expect(result.accepted.sorted() == ids)
        #expect(result.failed.isEmpty)
        #expect(upstream.sourcePorts.count == 20)
    }

    /// An exchange cancelled in the turn that started it never sends its query (its socket may be
    /// closed by then, its descriptor reused) and never calls back; the others go.
    @Test(arguments: [32, 1]) func aQueryCancelledBeforeItLeavesIsNotSent(queriesPerSocket: Int) throws {
        let loop = try EventLoop()
        let upstream = try ScriptedUpstream(on: loop, reply: echo)
        let pool = UDPSocketPool(loop: loop, queriesPerSocket: queriesPerSocket)
        var calls = 0
        let cancelled = UDPExchange(
            to: upstream.address, payload: query(8), timeout: 0.05, on: loop, pool: pool, onDatagram: { _ in
                calls += 1
                return true
            }, onFailure: { _ in calls += 1 })
        cancelled.cancel()
        let result = try exchanges([16], to: upstream, pool: pool, loop: loop)
        #expect(result.accepted == [16])
        #expect(upstream.sourcePorts.count == 1)
        #expect(try !loop.run(until: { calls > 0 }, seconds: 0.1))
        #expect(upstream.sourcePorts.count == 1)
    }

    @Test func oneQueryPerSocketGivesEveryQueryItsOwnPort() throws {
        let loop = try EventLoop()
        let upstream = try ScriptedUpstream(on: loop, reply: echo)
        for pool in [UDPSocketPool(loop: loop, queriesPerSocket: 1), nil] {
            upstream.sourcePorts = []
            let result = try exchanges([8, 16, 24], to: upstream, pool: pool, loop: loop)
            #expect(result.accepted.sorted() == [8, 16, 24])
            #expect(Set(upstream.sourcePorts).count == 3)
        }
    }

    @Test func aSocketIsRetiredAfterItsQuota() throws {
        let loop = try EventLoop()
        let upstream = try ScriptedUpstream(on: loop, reply: echo)
        let pool = UDPSocketPool(loop: loop, queriesPerSocket: 2)
        let result = try exchanges([8, 16, 24, 32], to: upstream, pool: pool, loop: loop)
        #expect(result.accepted.sorted() == [8, 16, 24, 32])
        // Two queries a socket: the first pair on one port, the second on another.
        #expect(upstream.sourcePorts.count == 4)
        #expect(upstream.sourcePorts[0] == upstream.sourcePorts[1])
        #expect(upstream.sourcePorts[2] == upstream.sourcePorts[3])
        #expect(upstream.sourcePorts[0] != upstream.sourcePorts[2])
    }

    @Test func aSocketIsRetiredAfterItsLifetime() throws {
        let loop = try EventLoop()
        let upstream = try ScriptedUpstream(on: loop, reply: echo)
        let pool = UDPSocketPool(loop: loop, queriesPerSocket: 32, lifetime: 0)
        let result = try exchanges([8, 16], to: upstream, pool: pool, loop: loop)
        #expect(result.accepted.sorted() == [8, 16])
        #expect(Set(upstream.sourcePorts).count == 2)
    }

    /// Datagrams that match no waiting ID reach every exchange on the socket as near misses (as they
    /// would on a socket of its own), and the socket takes no new queries afterwards.
    @Test func straysAreNearMissesAndRetireTheSocket() throws {
        let loop = try EventLoop()
        let upstream = try ScriptedUpstream(on: loop) { request in
            (0..<25).map { query(id(of: request) &+ 1 + UInt16($0)) } + [request]
        }
        let pool = UDPSocketPool(loop: loop, queriesPerSocket: 32)
        var nearMisses = 0
        let result = try exchanges([8], to: upstream, pool: pool, loop: loop) { qid, bytes in
            if id(of: bytes) != qid { nearMisses += 1 }
            return id(of: bytes) == qid
        }
        #expect(result.accepted == [8])
        #expect(nearMisses == 25)
        upstream.reply = echo
        _ = try exchanges([16], to: upstream, pool: pool, loop: loop)
        #expect(upstream.sourcePorts.count == 2)
        #expect(upstream.sourcePorts[0] != upstream.sourcePorts[1])
    }

    @Test func pooledExchangesTimeOut() throws {
        let loop = try EventLoop()
        let upstream = try ScriptedUpstream(on: loop) { _ in [] }
        let pool = UDPSocketPool(loop: loop, queriesPerSocket: 32)
        let result = try exchanges([8, 16], to: upstream, pool: pool, loop: loop, timeout: 0.05)
        #expect(result.accepted.isEmpty)
        #expect(result.failed == [.timeout, .timeout])
    }

    /// A closed port answers with ICMP port unreachable: every exchange waiting on the socket fails
    /// at once instead of waiting out its timeout. (Both queries leave in one turn: the second send
    /// on the socket already meets the error the first one drew.)
    @Test(arguments: [false, true]) func portUnreachableFailsTheWaiters(ioUring: Bool) throws {
        let loop = try EventLoop()
        let pool = UDPSocketPool(loop: loop, queriesPerSocket: 32)
        if ioUring { try pool.sendThroughIOUring() }
        // A port that was just bound and closed again.
        let unreachable = try { try Socket(binding: SocketAddress(ip: [127, 0, 0, 1], port: 0), datagram: true, reusePort: false).localAddress }()
        var failures: [ExchangeError] = []
        var started: [UDPExchange] = []
        for qid: UInt16 in [8, 16] {
            started.append(
                UDPExchange(
                    to: unreachable, payload: query(qid), timeout: 2, on: loop, pool: pool, onDatagram: { _ in true },
                    onFailure: { failures.append($0) }))
        }
        #expect(try loop.run { failures.count == 2 })
        #expect(failures.allSatisfy { $0 != .timeout })
        _ = started
    }
}
