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

    private let queued: DatagramSlots
    private var fds: [Int32]
    private var results: [Int32]
    private var senders: [UDPExchange?]
    private var count = 0
    private unowned let loop: EventLoop

    init(loop: EventLoop) {
        self.loop = loop
        queued = DatagramSlots(count: Int(VPCDNS_MAX_BATCH), bufferSize: Self.datagramSize)
        fds = Array(repeating: -1, count: queued.count)
        results = Array(repeating: 0, count: queued.count)
        senders = Array(repeating: nil, count: queued.count)
        loop.afterEachTurn { [weak self] in self?.flush() }
    }

    /// Sends through an io_uring ring of the outbox's own (see `UDPServer.sendThroughIOUring()`).
    /// - Throws: `EventIOError` when no ring can be made; sends then stay on `sendmsg`.
    func sendThroughIOUring() throws(EventIOError) {
        guard vpcdns_batch_send_through_uring(queued.batch) == 0 else { throw EventIOError(call: "io_uring_setup", errno: errno) }
    }

    /// Queues `payload` for the connected socket `fd`, on behalf of `exchange`, which hears of a
    /// failed send through `sendFailed(_:)`. False when the payload is too long to queue.
    func queue(_ payload: [UInt8], on fd: Int32, for exchange: UDPExchange) -> Bool {
        guard payload.count <= Self.datagramSize else { return false }
        if count == queued.count { flush() }
        payload.withUnsafeBytes { UnsafeMutableRawPointer(queued.slots[count].data).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        queued.slots[count].length = payload.count
        fds[count] = fd
        senders[count] = exchange
        count += 1
        loop.queuedWork()
        return true
    }

    /// Sends what is queued. An exchange that ended meanwhile (cancelled) has its datagram skipped:
    /// its descriptor may be closed, and its number already reused.
    func flush() {
        guard count > 0 else { return }
        let pending = count
        count = 0
        for i in 0..<pending where senders[i]?.isFinished ?? true { fds[i] = -1 }  // EBADF, and ignored
        _ = fds.withUnsafeBufferPointer { fds in
            results.withUnsafeMutableBufferPointer { vpcdns_batch_send_each(queued.batch, fds.baseAddress, $0.baseAddress, UInt32(pending)) }
        }
        for i in 0..<pending {
            let sender = senders[i]
            senders[i] = nil
            guard fds[i] >= 0, let sender, Int(results[i]) != queued.slots[i].length else { continue }
            sender.sendFailed(errno: results[i] < 0 ? -results[i] : EMSGSIZE)
        }
    }
}
