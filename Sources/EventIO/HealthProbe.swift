// SPDX-License-Identifier: Apache-2.0
import COpenSSL
import Glibc

/// The probes behind health checks, blocking with a deadline: run on a thread of their own, never
/// on a worker's loop. Route 53's checkers count a TCP check healthy when the connection opens, and
/// an HTTP or HTTPS check when the status is 2xx or 3xx; an HTTPS check does not validate the
/// certificate, as Route 53's does not.
public enum HealthProbe {
    /// What one probe found.
    public struct Outcome: Sendable, Equatable {
        public var passed: Bool
        /// Why it failed ("connection refused", "status 503"); empty when it passed.
        public var reason: String
    }

    /// Opens (and closes) a TCP connection within `timeout` seconds.
    public static func tcp(_ address: SocketAddress, timeout: Double) -> Outcome {
        switch connect(address, timeout: timeout) {
        case .failure(let failure): return Outcome(passed: false, reason: failure.reason)
        case .success(let fd):
            close(fd)
            return Outcome(passed: true, reason: "")
        }
    }

    /// Sends `GET path` (over TLS with `tls`) and reads the status line, all within `timeout` seconds.
    public static func http(_ address: SocketAddress, host: String, path: String, tls: Bool, timeout: Double) -> Outcome {
        let deadline = monotonicSeconds() + timeout
        let fd: Int32
        switch connect(address, timeout: timeout) {
        case .failure(let failure): return Outcome(passed: false, reason: failure.reason)
        case .success(let opened): fd = opened
        }
        defer { close(fd) }
        var stream: ProbeStream = PlainStream(fd: fd, deadline: deadline)
        if tls {
            guard let secured = TLSStream(fd: fd, deadline: deadline) else {
                return Outcome(passed: false, reason: "cannot set up TLS")
            }
            stream = secured
            if let failure = secured.handshake() { return Outcome(passed: false, reason: failure) }
        }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: \(host)\r\nUser-Agent: vpcdnsd-health-check\r\nConnection: close\r\n\r\n".utf8)
        if let failure = stream.write(request) { return Outcome(passed: false, reason: failure) }
        // "HTTP/1.1 200": the status is the second word of the first line.
        var head: [UInt8] = []
        while !head.contains(UInt8(ascii: "\n")) && head.count < 4096 {
            switch stream.read(max: 512) {
            case .failure(let failure): return Outcome(passed: false, reason: failure.reason)
            case .success(let bytes):
                if bytes.isEmpty { break }
                head += bytes
                continue
            }
            break
        }
        let line = String(decoding: head.prefix { $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\n") }, as: UTF8.self)
        let words = line.split(separator: " ")
        guard words.count >= 2, words[0].hasPrefix("HTTP/"), let status = Int(words[1]) else {
            return Outcome(passed: false, reason: "no HTTP status line")
        }
        return (200..<400).contains(status) ? Outcome(passed: true, reason: "") : Outcome(passed: false, reason: "status \(status)")
    }

    /// A connected non-blocking TCP socket, or why there is none.
    private static func connect(_ address: SocketAddress, timeout: Double) -> Result<Int32, ProbeFailure> {
        let deadline = monotonicSeconds() + timeout
        let fd = socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .failure(ProbeFailure(reason: describe(errno))) }
        if address.withSockAddr({ Glibc.connect(fd, $0, $1) }) != 0 {
            guard errno == EINPROGRESS else {
                let reason = describe(errno)
                close(fd)
                return .failure(ProbeFailure(reason: reason))
            }
            guard wait(fd, events: Int16(POLLOUT), until: deadline) else {
                close(fd)
                return .failure(ProbeFailure(reason: "timed out connecting"))
            }
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
            if error != 0 {
                close(fd)
                return .failure(ProbeFailure(reason: describe(error)))
            }
        }
        return .success(fd)
    }

    /// Waits for `events` on `fd` until the deadline; false when it passed first.
    static func wait(_ fd: Int32, events: Int16, until deadline: Double) -> Bool {
        while true {
            let left = deadline - monotonicSeconds()
            if left <= 0 { return false }
            var entry = pollfd(fd: fd, events: events, revents: 0)
            let n = poll(&entry, 1, Int32(min(left * 1000, 60_000)) + 1)
            if n > 0 { return true }
            if n < 0 && errno == EINTR { continue }
            if n == 0 { return false }
            return true
        }
    }

    struct ProbeFailure: Error {
        var reason: String
    }

    static func describe(_ code: Int32) -> String { String(cString: strerror(code)) }
}
