// SPDX-License-Identifier: Apache-2.0
import Foundation
import Glibc

/// The sd_notify(3) protocol spoken directly: one datagram per state change to the AF_UNIX socket
/// named by NOTIFY_SOCKET (a leading `@` means the abstract namespace). Without NOTIFY_SOCKET every
/// call is a no-op, so the daemon behaves the same outside systemd (knot's systemd.c).
public final class SystemdNotifier: @unchecked Sendable {
    private let fd: Int32
    private var address = sockaddr_un()
    private var addressLength: socklen_t = 0
    private let lock = NSLock()

    /// Reads NOTIFY_SOCKET from `environment`.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        guard let path = environment["NOTIFY_SOCKET"], !path.isEmpty, path.utf8.count < 108,
            path.hasPrefix("/") || path.hasPrefix("@")
        else {
            fd = -1
            return
        }
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(path.utf8)
        if bytes[0] == UInt8(ascii: "@") { bytes[0] = 0 }  // abstract socket
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        addressLength = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count)
    }

    deinit { if fd >= 0 { close(fd) } }

    /// True when running under a service manager that listens.
    public var isActive: Bool { fd >= 0 }

    /// Sends `KEY=value` lines as one datagram.
    public func notify(_ lines: String...) {
        guard fd >= 0 else { return }
        let message = Array(lines.joined(separator: "\n").utf8)
        lock.lock()
        defer { lock.unlock() }
        _ = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sockaddr in
                message.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), sockaddr, addressLength) }
            }
        }
    }

    public func ready(status: String) { notify("READY=1", "STATUS=\(status)") }

    /// RELOADING=1 with the monotonic timestamp systemd ≥ 253 asks for (harmless on 252).
    public func reloading() {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        let usec = UInt64(ts.tv_sec) * 1_000_000 + UInt64(ts.tv_nsec) / 1000
        notify("RELOADING=1", "MONOTONIC_USEC=\(usec)", "STATUS=reloading")
    }

    public func stopping() { notify("STOPPING=1", "STATUS=stopping") }

    public func status(_ text: String) { notify("STATUS=\(text)") }

    public func watchdog() { notify("WATCHDOG=1") }

    /// Seconds between watchdog pings (half of WATCHDOG_USEC), when the manager asked for them and
    /// meant this process (WATCHDOG_PID absent or ours).
    public static func watchdogInterval(environment: [String: String] = ProcessInfo.processInfo.environment) -> Double? {
        guard let text = environment["WATCHDOG_USEC"], let usec = Double(text), usec > 0 else { return nil }
        if let pid = environment["WATCHDOG_PID"], Int32(pid) != getpid() { return nil }
        return usec / 2_000_000
    }
}
