// SPDX-License-Identifier: Apache-2.0
import EventIO
import Logging

/// How the workers send UDP replies (`udp_send`).
///
/// Both send the same datagrams. Through io_uring, a batch of replies is one submission, and the
/// worker is not switched out between its datagrams; with `sendmmsg` the kernel offers the CPU
/// after each one, and on loopback each reply wakes a client that may take it. Some machines refuse
/// io_uring: kernels before 5.1, `kernel.io_uring_disabled`, container runtimes' seccomp filters.
public enum UDPSend: String, Sendable, CaseIterable {
    /// io_uring where the kernel allows it, else `sendmmsg` (with a log line saying why).
    case auto
    case ioUring = "io_uring"
    case sendmmsg

    /// Whether the workers should send through io_uring, checked once at start-up (after
    /// privileges are dropped: `kernel.io_uring_disabled=1` allows only privileged processes).
    /// - Throws: `Refused` for `io_uring` on a machine that refuses it.
    func resolve(logger: Logger) throws(Refused) -> Bool {
        guard self != .sendmmsg else { return false }
        do {
            try UDPServer.checkIOUring()
            return true
        } catch {
            guard self == .auto else { throw Refused(reason: error) }
            logger.info("udp_send: \(error); UDP replies go out with sendmmsg")
            return false
        }
    }

    /// `udp_send: io_uring` on a machine without it.
    struct Refused: Error, CustomStringConvertible {
        let reason: EventIOError
        var description: String { "udp_send is io_uring, but \(reason)" }
    }
}
