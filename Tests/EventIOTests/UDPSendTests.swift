// SPDX-License-Identifier: Apache-2.0
import CSocketBatch
import Glibc
import Testing

@testable import EventIO

/// Both ways of sending replies (`sendmmsg`, and one io_uring submission per batch) deliver the same
/// datagrams. These need a kernel that allows io_uring, as CI's does; where it does not, they fail
/// with the reason rather than pass without testing it.
@Suite struct UDPSendTests {
    static let loopback = SocketAddress(ip: [127, 0, 0, 1], port: 0)

    /// Three clients send 40 datagrams each, more than one batch's worth, before the loop runs: every
    /// reply reaches its own sender, none is dropped, whichever way they went out.
    @Test(arguments: [false, true]) func everyReplyReachesItsSender(ioUring: Bool) throws {
        let loop = try EventLoop()
        let server = try UDPServer(binding: Self.loopback, reusePort: false, on: loop) { request, _, reply, _ in
            reply.copyMemory(from: request)
            reply[0] |= 0x80
            return request.count
        }
        if ioUring { try server.sendThroughIOUring() }
        #expect(server.sendsThroughIOUring == ioUring)
        let clients = try (0..<3).map { _ in try Socket(binding: Self.loopback, datagram: true, reusePort: false) }
        for (c, client) in clients.enumerated() {
            for i in 0..<40 {
                let payload: [UInt8] = [UInt8(c), UInt8(i), 0xAB]
                let sent = server.localAddress.withSockAddr { address, length in
                    payload.withUnsafeBytes { sendto(client.fd, $0.baseAddress, $0.count, 0, address, length) }
                }
                #expect(sent == 3)
            }
        }
        var replies: [[UInt8]] = Array(repeating: [], count: 3)
        var buffer = [UInt8](repeating: 0, count: 16)
        let done = try loop.run(until: { () -> Bool in
            for (c, client) in clients.enumerated() {
                while true {
                    let n = buffer.withUnsafeMutableBytes { recv(client.fd, $0.baseAddress, $0.count, 0) }
                    guard n > 0 else { break }
                    #expect(n == 3 && buffer[0] == 0x80 | UInt8(c) && buffer[2] == 0xAB)
                    replies[c].append(buffer[1])
                }
            }
            return replies.allSatisfy { $0.count == 40 }
        })
        #expect(done)
        #expect(replies == Array(repeating: Array(0..<40), count: 3))
        #expect(server.sendDrops == 0)
    }

    /// A datagram the kernel refuses for its destination (port 0: EINVAL) is dropped alone: the ones
    /// after it in the batch still go, and it counts as gone, not as a full socket buffer.
    @Test(arguments: [false, true]) func aRefusedDestinationDoesNotStopTheBatch(ioUring: Bool) throws {
        let sender = try Socket(binding: Self.loopback, datagram: true, reusePort: false)
        let receiver = try Socket(binding: Self.loopback, datagram: true, reusePort: false)
        var storage = [UInt8](repeating: 0, count: 3 * 16)
        let slots = UnsafeMutablePointer<vpcdns_datagram>.allocate(capacity: 3)
        defer { slots.deallocate() }
        try storage.withUnsafeMutableBytes { bytes in
            for i in 0..<3 {
                slots[i] = vpcdns_datagram()
                slots[i].data = bytes.baseAddress!.advanced(by: i * 16).assumingMemoryBound(to: UInt8.self)
                slots[i].capacity = 16
                slots[i].data[0] = UInt8(i)
                slots[i].length = 1
                let destination = i == 1 ? Self.loopback : receiver.localAddress
                destination.withSockAddr { address, length in
                    withUnsafeMutableBytes(of: &slots[i].address) { $0.copyMemory(from: UnsafeRawBufferPointer(start: address, count: Int(length))) }
                    slots[i].address_length = length
                }
            }
            let batch = try #require(vpcdns_batch_create(slots, 3))
            defer { vpcdns_batch_destroy(batch) }
            if ioUring { #expect(vpcdns_batch_send_through_uring(batch) == 0, "io_uring: errno \(errno)") }
            #expect(vpcdns_batch_send(sender.fd, batch, 3) == 3)
        }
        var got: [UInt8] = []
        var byte: UInt8 = 0
        while recv(receiver.fd, &byte, 1, 0) == 1 { got.append(byte) }
        #expect(got == [0, 2])
    }

    /// Replies completed later (`send(_:to:)`, as when an upstream answers) leave at the end of the
    /// turn, together: none has reached its client while the turn's callbacks run. More than one
    /// batch's worth in one turn all arrive, in order (a full batch leaves at once).
    @Test(arguments: [false, true]) func laterRepliesLeaveAtTheEndOfTheTurn(ioUring: Bool) throws {
        let loop = try EventLoop()
        let server = try UDPServer(binding: Self.loopback, reusePort: false, on: loop) { _, _, _, _ in 0 }
        if ioUring { try server.sendThroughIOUring() }
        let client = try Socket(binding: Self.loopback, datagram: true, reusePort: false)
        var buffer = [UInt8](repeating: 0, count: 16)
        var seenDuringTurn = -1
        let count = 70
        let timer = try Timer(after: 0.001, on: loop) {
            for i in 0..<10 { server.send([UInt8(i), 0xCD], to: client.localAddress) }
            seenDuringTurn = buffer.withUnsafeMutableBytes { recv(client.fd, $0.baseAddress, $0.count, 0) } > 0 ? 1 : 0
            for i in 10..<count { server.send([UInt8(i), 0xCD], to: client.localAddress) }
        }
        var received: [UInt8] = []
        let done = try loop.run(until: { () -> Bool in
            while true {
                let n = buffer.withUnsafeMutableBytes { recv(client.fd, $0.baseAddress, $0.count, 0) }
                guard n > 0 else { break }
                #expect(n == 2 && buffer[1] == 0xCD)
                received.append(buffer[0])
            }
            return received.count >= count
        })
        #expect(done)
        #expect(seenDuringTurn == 0)
        #expect(received == (0..<count).map(UInt8.init))
        #expect(server.sendDrops == 0)
        _ = timer
    }
}
