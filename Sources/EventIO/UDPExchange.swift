// SPDX-License-Identifier: Apache-2.0
import CSocketBatch
import Glibc

/// Why an exchange ended without an accepted reply.
public enum ExchangeError: Error, Sendable, Equatable, CustomStringConvertible {
    case timeout
    case failed(String)

    public var description: String {
        switch self {
        case .timeout: "timed out"
        case .failed(let why): why
        }
    }
}

/// One request and its replies over a fresh, connected UDP socket: the kernel picks a random source
/// port (RFC 5452 §10) and drops datagrams from any other address. Every datagram goes to
/// `onDatagram` until it returns true; otherwise `onFailure` fires once, at the timeout or on an
/// error (e.g. ICMP port unreachable). Callbacks never run inside `init`. The exchange keeps itself
/// alive until it ends or is cancelled.
public final class UDPExchange {
    private let onDatagram: ([UInt8]) -> Bool
    private let onFailure: (ExchangeError) -> Void
    private var fd: Int32 = -1
    private var watcher: IOWatcher?
    private var timer: Timer?
    private var keepAlive: UDPExchange?
    private var finished = false
    private let scratch: UnsafeMutableRawBufferPointer

    public init(to remote: SocketAddress, payload: [UInt8], timeout: Double, on loop: EventLoop,
        onDatagram: @escaping ([UInt8]) -> Bool, onFailure: @escaping (ExchangeError) -> Void)
    {
        self.onDatagram = onDatagram
        self.onFailure = onFailure
        scratch = loop.scratch
        keepAlive = self
        do {
            timer = try Timer(after: timeout, on: loop) { [unowned self] in self.fail(.timeout) }
            fd = socket(remote.family, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { throw EventIOError(call: "socket", errno: errno) }
            let connected = remote.withSockAddr { connect(fd, $0, $1) }
            guard connected == 0 else { throw EventIOError(call: "connect \(remote)", errno: errno) }
            let sent = payload.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            guard sent == payload.count else { throw EventIOError(call: "send to \(remote)", errno: errno) }
            watcher = try IOWatcher(fd: fd, events: .read, on: loop) { [unowned self] _ in self.readable() }
        } catch {
            // Report on the next loop turn, never from inside init.
            let message = "\(error)"
            timer = try? Timer(after: 0, on: loop) { [unowned self] in self.fail(.failed(message)) }
            if timer == nil { finish() }
        }
    }

    /// Ends the exchange; no callback fires afterwards.
    public func cancel() { finish() }

    private func readable() {
        while !finished {
            let n = recv(fd, scratch.baseAddress, scratch.count, Int32(MSG_DONTWAIT))
            if n < 0 {
                let error = errno
                if error == EINTR { continue }
                if error == EAGAIN || error == EWOULDBLOCK { return }
                fail(.failed(String(cString: strerror(error))))
                return
            }
            if onDatagram(Array(UnsafeRawBufferPointer(rebasing: scratch[0..<n]))) {
                finish()
                return
            }
        }
    }

    private func fail(_ error: ExchangeError) {
        guard !finished else { return }
        finish()
        onFailure(error)
    }

    private func finish() {
        guard !finished else { return }
        finished = true
        watcher = nil
        timer = nil
        if fd >= 0 {
            close(fd)
            fd = -1
        }
        keepAlive = nil
    }

    deinit {
        if fd >= 0 { close(fd) }
    }
}
