// SPDX-License-Identifier: Apache-2.0
import CSocketBatch
import Glibc

/// What a `UDPServer` hands its datagrams to (the daemon's query pipeline).
public protocol DatagramHandler: AnyObject {
    /// Sees each receive's batch before `handle` sees its first datagram: a chance to read them all
    /// once and start loading what answering them will read, so their cache misses overlap.
    func willHandle(_ batch: UDPServer.Batch)

    /// Datagram `index` of the batch `willHandle` saw: writes the reply to send to its source now
    /// into `reply` and returns its length, or returns 0 for none (a later reply goes through
    /// `server.send(_:to:)`).
    func handle(
        datagram index: Int, _ request: UnsafeRawBufferPointer, from: SocketAddress, into reply: UnsafeMutableRawBufferPointer,
        server: UDPServer
    ) -> Int
}

/// A UDP socket on a loop that reads datagrams in batches (`recvmmsg`), hands each to a handler and
/// sends the replies in batches (`sendmmsg`, or one `io_uring` submission after
/// `sendThroughIOUring()`). Bytes in, bytes out: it knows nothing of DNS.
public final class UDPServer {
    /// `DatagramHandler.handle` as a closure, for small servers and tests.
    public typealias Handler = (
        _ request: UnsafeRawBufferPointer, _ from: SocketAddress, _ reply: UnsafeMutableRawBufferPointer, _ server: UDPServer
    ) -> Int

    /// The datagrams of one receive, for `DatagramHandler.willHandle`.
    public struct Batch {
        fileprivate let slots: UnsafeMutablePointer<vpcdns_datagram>
        public let count: Int
        /// The address the datagrams came to (the listener's).
        public let local: SocketAddress

        /// The bytes of datagram `i` (those cut short by the buffer too: a preview only looks).
        public subscript(i: Int) -> UnsafeRawBufferPointer {
            UnsafeRawBufferPointer(start: slots[i].data, count: slots[i].length)
        }

        /// Where datagram `i` came from.
        public func source(_ i: Int) -> SocketAddress? {
            withUnsafePointer(to: &slots[i].address) { SocketAddress(UnsafeRawPointer($0), length: Int(slots[i].address_length)) }
        }
    }

    public let socket: Socket
    private unowned let loop: EventLoop
    /// Unretained: its owner keeps it for as long as the server (the worker, its pipeline), and a
    /// wake-up then costs no reference counting on it.
    private unowned(unsafe) let handler: any DatagramHandler
    /// The wrapper of a closure handler, which the server does own.
    private let closureHandler: ClosureHandler?
    private var watcher: IOWatcher?
    private let batchSize: Int
    private let received: DatagramSlots
    private let replies: DatagramSlots
    /// Replies that complete later (`send(_:to:)`), sent together at the end of the loop's turn.
    private let later: DatagramSlots
    private var laterCount = 0
    /// Largest datagram read; a bigger one is dropped unanswered (`oversizeDrops`).
    public static let receiveBufferSize = 4096
    /// Largest reply copied into a batch slot; a bigger one is sent on its own.
    static let sendBufferSize = 4096
    /// Batches read per wake-up before yielding to other events.
    static let batchesPerWake = 8

    /// When the thread gives up the CPU (`sched_yield`, at the end of the loop's turn) after a
    /// receive that read one datagram and answered it. On one host, the reply has just woken the
    /// client, usually queued on this core; yielding lets it read the reply now rather than once
    /// this thread next sleeps in `epoll_wait`. After a batch of several, the next batch is likely
    /// waiting: no yield.
    public enum LoneReplyYield: Sendable {
        case never
        /// When the datagram came from a loopback address (127.0.0.0/8, ::1): a client on this host.
        case toLoopback
        case always

        /// Whether a lone reply to `client` is followed by a yield.
        func applies(to client: SocketAddress) -> Bool {
            switch self {
            case .never: false
            case .toLoopback: client.isLoopback
            case .always: true
            }
        }
    }

    /// See `LoneReplyYield`; set on the loop's thread. The loop counts the yields (`EventLoop.yields`).
    public var yieldAfterLoneReply = LoneReplyYield.never

    /// Whether replies go through an io_uring ring (`sendThroughIOUring()`) rather than `sendmmsg`.
    public private(set) var sendsThroughIOUring = false

    /// Datagrams dropped because the socket buffer was full when replying.
    public private(set) var sendDrops = 0
    /// Datagrams dropped because they were longer than `receiveBufferSize`.
    public private(set) var oversizeDrops = 0

    /// - Throws: `EventIOError` if the socket cannot be bound or watched.
    public convenience init(binding address: SocketAddress, reusePort: Bool, on loop: EventLoop, batchSize: Int = 32,
        handler: @escaping Handler) throws(EventIOError)
    {
        let owned = ClosureHandler(handler)
        try self.init(
            socket: Socket(binding: address, datagram: true, reusePort: reusePort), on: loop, batchSize: batchSize,
            handler: owned, owning: owned)
    }

    /// Serves a datagram socket already bound (e.g. by the main thread, before workers start),
    /// handing its datagrams to `handler`, which must outlive the server.
    /// - Throws: `EventIOError` if the socket cannot be watched.
    public convenience init(socket: Socket, on loop: EventLoop, batchSize: Int = 32, handler: any DatagramHandler) throws(EventIOError) {
        try self.init(socket: socket, on: loop, batchSize: batchSize, handler: handler, owning: nil)
    }

    private init(
        socket: Socket, on loop: EventLoop, batchSize: Int, handler: any DatagramHandler, owning closureHandler: ClosureHandler?
    ) throws(EventIOError) {
        self.socket = socket
        self.loop = loop
        self.handler = handler
        self.closureHandler = closureHandler
        self.batchSize = min(batchSize, Int(VPCDNS_MAX_BATCH))
        received = DatagramSlots(count: self.batchSize, bufferSize: UDPServer.receiveBufferSize)
        replies = DatagramSlots(count: self.batchSize, bufferSize: UDPServer.sendBufferSize)
        later = DatagramSlots(count: self.batchSize, bufferSize: UDPServer.sendBufferSize)
        watcher = try IOWatcher(fd: socket.fd, events: .read, on: loop) { [unowned self] _ in self.readDatagrams() }
        loop.afterEachTurn { [weak self] in self?.sendLater() }
    }

    deinit { watcher = nil }

    public var localAddress: SocketAddress { socket.localAddress }

    /// From now on, sends each batch of replies as one submission to an io_uring ring of this
    /// server's own, instead of with `sendmmsg`. The datagrams and what they cost the kernel are
    /// the same; what changes is that the thread is not switched out between them. On loopback a
    /// reply wakes its client, and `sendmmsg` yields the CPU between datagrams, so a client woken
    /// on the same core took it mid-batch, once every few replies (docs/design-notes.md, "UDP
    /// replies through io_uring"). Call on the loop's thread, before it runs.
    /// - Throws: `EventIOError` when no ring can be made (no io_uring in the kernel, turned off by
    ///   `kernel.io_uring_disabled` or a seccomp filter, no memory); replies then stay on `sendmmsg`.
    public func sendThroughIOUring() throws(EventIOError) {
        guard vpcdns_batch_send_through_uring(replies.batch) == 0, vpcdns_batch_send_through_uring(later.batch) == 0 else {
            throw EventIOError(call: "io_uring_setup", errno: errno)
        }
        sendsThroughIOUring = true
    }

    /// Whether this process may make io_uring rings (see `sendThroughIOUring()`).
    /// - Throws: `EventIOError` with the reason it may not.
    public static func checkIOUring() throws(EventIOError) {
        guard vpcdns_uring_available() == 0 else { throw EventIOError(call: "io_uring_setup", errno: errno) }
    }

    /// Stops reading; the socket stays open until the object goes away.
    public func stopReading() { watcher?.stop() }

    private func readDatagrams() {
        for _ in 0..<UDPServer.batchesPerWake {
            let count = Int(vpcdns_batch_receive(socket.fd, received.batch))
            if count <= 0 { return }
            handler.willHandle(Batch(slots: received.slots, count: count, local: socket.localAddress))
            var pending = 0
            var yieldAfter = false
            for i in 0..<count {
                let slot = received.slots + i
                // Longer than a receive buffer: not the whole message, so not answered (a query that
                // size is no real client's; TCP takes up to 65535).
                guard slot.pointee.truncated == 0 else {
                    oversizeDrops += 1
                    continue
                }
                guard let from = withUnsafePointer(to: &slot.pointee.address, {
                    SocketAddress(UnsafeRawPointer($0), length: Int(slot.pointee.address_length))
                }) else { continue }
                let request = UnsafeRawBufferPointer(start: slot.pointee.data, count: slot.pointee.length)
                let out = replies.slots + pending
                let length = handler.handle(
                    datagram: i, request, from: from,
                    into: UnsafeMutableRawBufferPointer(start: out.pointee.data, count: UDPServer.sendBufferSize), server: self)
                guard length > 0 else { continue }
                out.pointee.length = min(length, UDPServer.sendBufferSize)
                out.pointee.address = slot.pointee.address
                out.pointee.address_length = slot.pointee.address_length
                pending += 1
                if count == 1 { yieldAfter = yieldAfterLoneReply.applies(to: from) }
            }
            if pending > 0 {
                let sent = Int(vpcdns_batch_send(socket.fd, replies.batch, UInt32(pending)))
                if sent < pending { sendDrops += pending - max(sent, 0) }
                if yieldAfter { loop.yieldAtEndOfTurn() }
            }
            if count < batchSize { return }
        }
    }

    /// Sends a reply that completed later (e.g. when an upstream answered) at the end of the loop's
    /// turn, together with the others of that turn: one submission rather than a `sendto` each,
    /// every one of which could hand the core to the client it woke.
    public func send(_ bytes: [UInt8], to address: SocketAddress) {
        guard bytes.count <= UDPServer.sendBufferSize else {
            let result = address.withSockAddr { sockaddr, length in
                bytes.withUnsafeBytes { sendto(socket.fd, $0.baseAddress, $0.count, 0, sockaddr, length) }  // non-blocking
            }
            if result < 0 { sendDrops += 1 }
            return
        }
        if laterCount == batchSize { sendLater() }
        let slot = later.slots + laterCount
        bytes.withUnsafeBytes { UnsafeMutableRawPointer(slot.pointee.data).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        slot.pointee.length = bytes.count
        slot.pointee.address_length = address.write(to: &slot.pointee.address)
        laterCount += 1
        loop.queuedWork()
    }

    /// Sends the replies `send(_:to:)` queued.
    private func sendLater() {
        guard laterCount > 0 else { return }
        let pending = laterCount
        laterCount = 0
        let sent = Int(vpcdns_batch_send(socket.fd, later.batch, UInt32(pending)))
        if sent < pending { sendDrops += pending - max(sent, 0) }
    }
}

/// A closure as a `DatagramHandler` (no batch preview).
private final class ClosureHandler: DatagramHandler {
    let body: UDPServer.Handler
    init(_ body: @escaping UDPServer.Handler) { self.body = body }
    func willHandle(_ batch: UDPServer.Batch) {}
    func handle(
        datagram index: Int, _ request: UnsafeRawBufferPointer, from: SocketAddress, into reply: UnsafeMutableRawBufferPointer,
        server: UDPServer
    ) -> Int {
        body(request, from, reply, server)
    }
}
