// SPDX-License-Identifier: Apache-2.0
import EventIO
import Testing

@testable import VPCDNSDaemon

@Suite struct UDPSteeringTests {
    let loopback4 = SocketAddress(ip: [127, 0, 0, 53], port: 53)
    let loopback6 = SocketAddress(ip: Array(repeating: 0, count: 15) + [1], port: 53)
    let network = SocketAddress(ip: [10, 0, 0, 2], port: 53)
    let wildcard = SocketAddress(ip: [0, 0, 0, 0], port: 53)

    @Test func autoSteersLoopbackOnlyWithNoMoreWorkersThanCPUs() {
        #expect(UDPSteering.auto.steersByCPU(loopback4, workers: 2, cpus: 2))
        #expect(UDPSteering.auto.steersByCPU(loopback6, workers: 2, cpus: 8))
        #expect(!UDPSteering.auto.steersByCPU(network, workers: 2, cpus: 2))
        #expect(!UDPSteering.auto.steersByCPU(wildcard, workers: 2, cpus: 2))
        #expect(!UDPSteering.auto.steersByCPU(loopback4, workers: 4, cpus: 2))
    }

    @Test func cpuAndHashAreWhatTheySay() {
        #expect(UDPSteering.cpu.steersByCPU(network, workers: 2, cpus: 2))
        #expect(UDPSteering.cpu.steersByCPU(wildcard, workers: 8, cpus: 2))
        #expect(!UDPSteering.hash.steersByCPU(loopback4, workers: 2, cpus: 2))
    }

    @Test func oneWorkerIsNeverSteered() {
        for steering in UDPSteering.allCases {
            #expect(!steering.steersByCPU(loopback4, workers: 1, cpus: 2))
        }
    }

    @Test func loopbackAddresses() {
        #expect(SocketAddress(ip: [127, 255, 0, 1], port: 0).isLoopback)
        #expect(!SocketAddress(ip: [128, 0, 0, 1], port: 0).isLoopback)
        #expect(!SocketAddress(ip: Array(repeating: 0, count: 16), port: 0).isLoopback)
        #expect(!SocketAddress(ip: [0, 0, 0, 0, 0, 0, 0, 1] + Array(repeating: 0, count: 7) + [1], port: 0).isLoopback)
    }
}
