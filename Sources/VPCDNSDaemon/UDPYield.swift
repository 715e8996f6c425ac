// SPDX-License-Identifier: Apache-2.0
import EventIO

/// When a worker gives up the CPU (`sched_yield`) after a receive that read and answered a single
/// datagram (`udp_yield`).
///
/// A reply to a client on the same host wakes that client, and the scheduler queues it on the
/// worker's core; without a yield it reads the reply only once the worker has gone back to sleep.
/// At a few thousand queries a second, where nearly every wake-up holds one query, that is a
/// measurable share of the round trip (docs/design-notes.md, "Yielding after a lone reply"). At
/// higher rates batches hold several datagrams and nothing yields.
public enum UDPYield: String, Sendable, CaseIterable {
    /// After a lone reply to a loopback address (127.0.0.0/8, ::1).
    case auto
    /// After every lone reply: clients on this host that use another address (containers on a bridge).
    case always
    case never

    var policy: UDPServer.LoneReplyYield {
        switch self {
        case .auto: .toLoopback
        case .always: .always
        case .never: .never
        }
    }
}
