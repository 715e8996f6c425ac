// SPDX-License-Identifier: Apache-2.0
import EventIO

/// How one listen address's datagrams are spread over the workers' SO_REUSEPORT sockets.
///
/// By CPU, a datagram goes to the worker numbered after the CPU that received it: the wake-up and
/// the reply stay on that core, and load spreads as the receiving CPUs do. On loopback that is the
/// client's own CPU, so it always spreads; on a network card it is the CPU of the receive queue
/// (RSS) or of RPS, so a card with fewer queues than workers, and no RPS, leaves workers idle.
/// By hash, the kernel picks by source and destination address and port: even over many clients,
/// lopsided over a few, and each datagram likely crosses to another core. (Knot DNS offers the same
/// choice as `socket-affinity`, off by default for the network-card case.)
public enum UDPSteering: String, Sendable, CaseIterable {
    /// By CPU on loopback addresses when there are no more workers than CPUs; by hash elsewhere.
    case auto
    case cpu
    case hash

    /// Whether `address`'s group of `workers` sockets is steered by CPU on a machine where the
    /// process may run on `cpus` CPUs.
    public func steersByCPU(_ address: SocketAddress, workers: Int, cpus: Int) -> Bool {
        guard workers > 1 else { return false }
        switch self {
        case .hash: return false
        case .cpu: return true
        case .auto: return workers <= cpus && address.isLoopback
        }
    }
}
