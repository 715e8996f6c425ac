// SPDX-License-Identifier: Apache-2.0
import Glibc
import Testing

@testable import EventIO

@Suite struct SocketSteeringTests {
    /// Runs the calling thread on `cpus` only.
    static func pin(to cpus: [Int]) {
        #expect(throws: Never.self) { try CPUAffinity.pin(to: cpus) }
    }

    /// On loopback the sender's CPU receives the datagram: sent from the k-th allowed CPU, it
    /// reaches socket k mod 2 of the group, whichever source port it came from.
    @Test func datagramsGoToTheSocketOfTheReceivingCPU() throws {
        let cpus = CPUAffinity.current()
        try #require(!cpus.isEmpty)
        defer { Self.pin(to: cpus) }
        let first = try Socket(binding: SocketAddress(ip: [127, 0, 0, 1], port: 0), datagram: true, reusePort: true)
        let second = try Socket(binding: first.localAddress, datagram: true, reusePort: true)
        try first.steerByCPU(sockets: 2, cpus: cpus)
        let group = [first, second]
        for (rank, cpu) in cpus.prefix(2).enumerated() {
            Self.pin(to: [cpu])
            for attempt in 0..<4 {
                // A fresh client socket each time: a new source port, which the hash would spread.
                let client = try Socket(binding: SocketAddress(ip: [127, 0, 0, 1], port: 0), datagram: true, reusePort: false)
                let byte = UInt8(rank * 10 + attempt)
                let sent = first.localAddress.withSockAddr { address, length in
                    withUnsafeBytes(of: byte) { sendto(client.fd, $0.baseAddress, 1, 0, address, length) }
                }
                #expect(sent == 1)
                let expected = group[rank % 2]
                let other = group[1 - rank % 2]
                var ready = pollfd(fd: expected.fd, events: Int16(POLLIN), revents: 0)
                #expect(poll(&ready, 1, 5000) == 1, "sent from CPU \(cpu), nothing reached socket \(rank % 2)")
                var received: UInt8 = 0
                #expect(recv(expected.fd, &received, 1, 0) == 1)
                #expect(received == byte)
                #expect(recv(other.fd, &received, 1, 0) == -1, "socket \(1 - rank % 2) got a datagram")
            }
        }
    }
}
