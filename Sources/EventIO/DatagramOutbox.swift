// SPDX-License-Identifier: Apache-2.0
import CSocketBatch
import Glibc

/// Datagrams for connected UDP sockets (exchanges' queries to upstreams), queued during a loop's
/// turn and sent together at its end (`EventLoop.afterEachTurn`): one io_uring submission for all
/// of them once `sendThroughIOUring()` was called, else a `sendmsg` each. A send each, made as the
/// query is handled, woke the upstream then and there, and on a shared core the woken upstream
/// could take the CPU in the middle of the turn, once every two cache misses or so.
final class DatagramOutbox {
    /// Largest datagram queued; a longer one is sent at once by its exchange.
    static let datagramSize = 4096

    private let capacity: Int
    private let slots: UnsafeMutablePointer<vpcdns_datagram>
    private let buffers: UnsafeMutableRawPointer
    private let batch: OpaquePointer
    private var fds: [Int32]
    private var results: [Int32]
    private var senders: [UDPExchange?]
    private var count = 0

    init(loop: EventLoop) {
        capacity = Int(VPCDNS_MAX_BATCH)
        slots = .allocate(capacity: capacity)
        buffers = .allocate(byteCount: capacity * Self.datagramSize, alignment: 16)
        for i in 0..<capacity {
            (slots + i).initialize(to: vpcdns_datagram())
            slots[i].data = (buffers + i * Self.datagramSize).assumingMemoryBound(to: UInt8.self)
            slots[i].capacity = Self.datagramSize
        }
        guard let batch = vpcdns_batch_create(slots, UInt32(capacity)) else { fatalError("out of memory for a datagram batch") }
        self.batch = batch
        fds = Array(repeating: -1, count: capacity)
        results = Array(repeating: 0, count: capacity)
        senders = Array(repeating: nil, count: capacity)
        loop.afterEachTurn { [weak self] in self?.flush() }
    }

    deinit {
        vpcdns_batch_destroy(batch)
        slots.deallocate()
        buffers.deallocate()
    }

    /// Sends through an io_uring ring of the outbox's own (see `UDPServer.sendThroughIOUring()`).
    /// - Throws: `EventIOError` when no ring can be made; sends then stay on `sendmsg`.
    func sendThroughIOUring() throws(EventIOError) {
        guard vpcdns_batch_send_through_uring(batch) == 0 else { throw EventIOError(call: "io_uring_setup", errno: errno) }
    }

    /// Queues `payload` for the connected socket `fd`, on behalf of `exchange`, which hears of a
    /// failed send through `sendFailed(_:)`. False when the payload is too long to queue.
    func queue(_ payload: [UInt8], on fd: Int32, for exchange: UDPExchange) -> Bool {
        guard payload.count <= Self.datagramSize else { return false }
        if count == capacity { flush() }
        payload.withUnsafeBytes { UnsafeMutableRawPointer(slots[count].data).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        slots[count].length = payload.count
        fds[count] = fd
        senders[count] = exchange
        count += 1
        return true
    }

    /// Sends what is queued. An exchange that ended meanwhile (cancelled) has its datagram skipped:
    /// its descriptor may be closed, and its number already reused.
    func flush() {
        guard count > 0 else { return }
        let queued = count
        count = 0
        for i in 0..<queued where senders[i]?.isFinished ?? true { fds[i] = -1 }  // EBADF, and ignored
        _ = fds.withUnsafeBufferPointer { fds in
            results.withUnsafeMutableBufferPointer { vpcdns_batch_send_each(batch, fds.baseAddress, $0.baseAddress, UInt32(queued)) }
        }
        for i in 0..<queued {
            let sender = senders[i]
            senders[i] = nil
            guard fds[i] >= 0, let sender, Int(results[i]) != slots[i].length else { continue }
            sender.sendFailed(errno: results[i] < 0 ? -results[i] : EMSGSIZE)
        }
    }
}
