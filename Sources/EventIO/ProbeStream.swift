// SPDX-License-Identifier: Apache-2.0
import COpenSSL
import Glibc

/// A connected socket a probe writes a request to and reads a reply from, before a deadline.
protocol ProbeStream {
    /// Writes every octet; a failure's reason, or nil.
    func write(_ bytes: [UInt8]) -> String?
    /// Up to `max` octets; none at the end of the stream.
    func read(max: Int) -> Result<[UInt8], HealthProbe.ProbeFailure>
}

struct PlainStream: ProbeStream {
    let fd: Int32
    let deadline: Double

    func write(_ bytes: [UInt8]) -> String? {
        var sent = 0
        while sent < bytes.count {
            guard HealthProbe.wait(fd, events: Int16(POLLOUT), until: deadline) else { return "timed out sending" }
            let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno != EAGAIN && errno != EINTR { return HealthProbe.describe(errno) }
            sent += max(0, n)
        }
        return nil
    }

    func read(max: Int) -> Result<[UInt8], HealthProbe.ProbeFailure> {
        var buffer = [UInt8](repeating: 0, count: max)
        while true {
            guard HealthProbe.wait(fd, events: Int16(POLLIN), until: deadline) else {
                return .failure(HealthProbe.ProbeFailure(reason: "timed out waiting for the status"))
            }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n >= 0 { return .success(Array(buffer[..<n])) }
            if errno != EAGAIN && errno != EINTR { return .failure(HealthProbe.ProbeFailure(reason: HealthProbe.describe(errno))) }
        }
    }
}

/// TLS over a connected non-blocking socket, without certificate validation (a health check asks
/// whether the service answers, as Route 53's HTTPS checks do, not who it is).
final class TLSStream: ProbeStream {
    /// One client context for every probe: OpenSSL's contexts are safe to share once set up
    /// (and this one is never changed after).
    nonisolated(unsafe) private static let context: OpaquePointer? = {
        guard let ctx = SSL_CTX_new(TLS_client_method()) else { return nil }
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nil)
        return ctx
    }()

    private let ssl: OpaquePointer
    private let fd: Int32
    private let deadline: Double

    init?(fd: Int32, deadline: Double) {
        guard let context = TLSStream.context, let ssl = SSL_new(context) else { return nil }
        guard SSL_set_fd(ssl, fd) == 1 else {
            SSL_free(ssl)
            return nil
        }
        self.ssl = ssl
        self.fd = fd
        self.deadline = deadline
    }

    deinit { SSL_free(ssl) }

    /// Runs the handshake; a failure's reason, or nil.
    func handshake() -> String? {
        while true {
            let r = SSL_connect(ssl)
            if r == 1 { return nil }
            if let failure = waitFor(r, what: "the TLS handshake") { return failure }
        }
    }

    func write(_ bytes: [UInt8]) -> String? {
        var sent = 0
        while sent < bytes.count {
            let r = bytes[sent...].withUnsafeBytes { SSL_write(ssl, $0.baseAddress, Int32($0.count)) }
            if r > 0 {
                sent += Int(r)
                continue
            }
            if let failure = waitFor(r, what: "sending") { return failure }
        }
        return nil
    }

    func read(max: Int) -> Result<[UInt8], HealthProbe.ProbeFailure> {
        var buffer = [UInt8](repeating: 0, count: max)
        while true {
            let r = buffer.withUnsafeMutableBytes { SSL_read(ssl, $0.baseAddress, Int32($0.count)) }
            if r > 0 { return .success(Array(buffer[..<Int(r)])) }
            if SSL_get_error(ssl, r) == SSL_ERROR_ZERO_RETURN { return .success([]) }
            if let failure = waitFor(r, what: "waiting for the status") { return .failure(HealthProbe.ProbeFailure(reason: failure)) }
        }
    }

    /// After a call returned `r`: waits for what OpenSSL wants, or says why it cannot go on.
    private func waitFor(_ r: Int32, what: String) -> String? {
        let error = SSL_get_error(ssl, r)
        let events: Int32
        switch error {
        case SSL_ERROR_WANT_READ: events = POLLIN
        case SSL_ERROR_WANT_WRITE: events = POLLOUT
        case SSL_ERROR_SYSCALL:
            ERR_clear_error()
            return errno == 0 ? "connection closed during \(what)" : HealthProbe.describe(errno)
        default:
            return "TLS error during \(what): \(openSSLErrors(or: "unknown"))"
        }
        return HealthProbe.wait(fd, events: Int16(events), until: deadline) ? nil : "timed out during \(what)"
    }
}
