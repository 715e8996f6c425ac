// SPDX-License-Identifier: Apache-2.0
import Glibc
import Testing

@testable import EventIO

@Suite struct UDPServerTests {
    /// Datagrams queued before the loop runs arrive in one batch: the handler's `willHandle` sees
    /// all of them, in order, before `handle` sees the first (with its index), and every reply goes
    /// back to its sender.
    @Test func willHandleSeesTheWholeBatchFirst() throws {
        final class Recorder: DatagramHandler {
            var events: [String] = []
            func willHandle(_ batch: UDPServer.Batch) { events.append("batch \((0..<batch.count).map { batch[$0][0] })") }
            func handle(
                datagram index: Int, _ request: UnsafeRawBufferPointer, from: SocketAddress,
                into reply: UnsafeMutableRawBufferPointer, server: UDPServer
            ) -> Int {
                events.append("handle \(index):\(request[0])")
                reply[0] = request[0] &+ 100
                return 1
            }
        }
        let loop = try EventLoop()
        let recorder = Recorder()
        let socket = try Socket(binding: SocketAddress(ip: [127, 0, 0, 1], port: 0), datagram: true, reusePort: false)
        let server = try UDPServer(socket: socket, on: loop, handler: recorder)
        let client = try Socket(binding: SocketAddress(ip: [127, 0, 0, 1], port: 0), datagram: true, reusePort: false)
        for byte: UInt8 in [1, 2, 3] {
            let sent = server.localAddress.withSockAddr { address, length in
                withUnsafeBytes(of: byte) { sendto(client.fd, $0.baseAddress, 1, 0, address, length) }
            }
            #expect(sent == 1)
        }
        var replies: [UInt8] = []
        let done = try loop.run(until: { () -> Bool in
            var buffer: UInt8 = 0
            while recv(client.fd, &buffer, 1, 0) == 1 { replies.append(buffer) }
            return replies.count == 3
        })
        #expect(done)
        #expect(recorder.events == ["batch [1, 2, 3]", "handle 0:1", "handle 1:2", "handle 2:3"])
        #expect(replies == [101, 102, 103])
        withExtendedLifetime(recorder) {}
    }

    /// A receive that reads one datagram and answers it yields the CPU, by the policy and the
    /// sender's address; a batch of several does not.
    @Test(arguments: [
        (UDPServer.LoneReplyYield.toLoopback, [127, 0, 0, 1] as [UInt8], 1, 1),
        (.toLoopback, [127, 0, 0, 1], 3, 0),
        (.always, [127, 0, 0, 1], 1, 1),
        (.never, [127, 0, 0, 1], 1, 0),
        (.toLoopback, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], 1, 1),
    ])
    func yieldsAfterALoneReply(policy: UDPServer.LoneReplyYield, ip: [UInt8], datagrams: Int, yields: Int) throws {
        let loop = try EventLoop()
        let server = try UDPServer(binding: SocketAddress(ip: ip, port: 0), reusePort: false, on: loop) { request, _, reply, _ in
            reply[0] = request[0]
            return 1
        }
        server.yieldAfterLoneReply = policy
        let client = try Socket(binding: SocketAddress(ip: ip, port: 0), datagram: true, reusePort: false)
        for byte in 0..<UInt8(datagrams) {
            let sent = server.localAddress.withSockAddr { address, length in
                withUnsafeBytes(of: byte) { sendto(client.fd, $0.baseAddress, 1, 0, address, length) }
            }
            #expect(sent == 1)
        }
        var replies = 0
        let done = try loop.run(until: { () -> Bool in
            var buffer: UInt8 = 0
            while recv(client.fd, &buffer, 1, 0) == 1 { replies += 1 }
            return replies == datagrams
        })
        #expect(done)
        #expect(loop.yields == yields)
    }
}
