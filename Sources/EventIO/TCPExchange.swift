// SPDX-License-Identifier: Apache-2.0
internal import CLibevent
import Glibc

/// One request over a new TCP connection with 2-octet length framing (RFC 1035 §4.2.2); replies go
/// to `onMessage` until it returns true. `onFailure` fires once on timeout, refusal or a connection
/// closed mid-message. Callbacks never run inside `init`; the exchange keeps itself alive until done.
public final class TCPExchange {
    private let onMessage: ([UInt8]) -> Bool
    private let onFailure: (ExchangeError) -> Void
    private var bufferEvent: OpaquePointer?
    private var timer: Timer?
    private var keepAlive: TCPExchange?
    private var finished = false

    public init(to remote: SocketAddress, payload: [UInt8], timeout: Double, on loop: EventLoop,
        onMessage: @escaping ([UInt8]) -> Bool, onFailure: @escaping (ExchangeError) -> Void)
    {
        self.onMessage = onMessage
        self.onFailure = onFailure
        keepAlive = self
        timer = try? Timer(after: timeout, on: loop) { [unowned self] in self.fail(.timeout) }
        guard payload.count <= 0xFFFF,
            let bev = bufferevent_socket_new(loop.base, -1, Int32(BEV_OPT_CLOSE_ON_FREE.rawValue))
        else {
            timer = try? Timer(after: 0, on: loop) { [unowned self] in self.fail(.failed("cannot create a TCP socket")) }
            return
        }
        bufferEvent = bev
        let context = Unmanaged.passUnretained(self).toOpaque()
        bufferevent_setcb(bev, { _, context in
            TCPExchange.from(context).readable()
        }, nil, { _, what, context in
            TCPExchange.from(context).event(what)
        }, context)
        bufferevent_enable(bev, Int16(EV_READ | EV_WRITE))
        var frame = [UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        frame += payload
        _ = frame.withUnsafeBytes { bufferevent_write(bev, $0.baseAddress, $0.count) }
        let connected = remote.withSockAddr { address, length in
            bufferevent_socket_connect(bev, UnsafeMutablePointer(mutating: address), Int32(length))
        }
        if connected != 0 {
            timer = try? Timer(after: 0, on: loop) { [unowned self] in self.fail(.failed("connect to \(remote) failed")) }
        }
    }

    private static func from(_ context: UnsafeMutableRawPointer?) -> TCPExchange {
        guard let context else { preconditionFailure("libevent passed a nil context") }
        return Unmanaged<TCPExchange>.fromOpaque(context).takeUnretainedValue()
    }

    public func cancel() { finish() }

    private func readable() {
        guard let bev = bufferEvent else { return }
        guard let input = bufferevent_get_input(bev) else { return }
        while !finished, let message = takeFrame(from: input) {
            if onMessage(message) {
                finish()
                return
            }
        }
    }

    private func event(_ what: Int16) {
        if what & Int16(BEV_EVENT_CONNECTED) != 0 { return }
        if what & Int16(BEV_EVENT_EOF) != 0 {
            fail(.failed("connection closed before a complete reply"))
        } else {
            fail(.failed("connection failed: \(String(cString: strerror(errno)))"))
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
        if let bufferEvent { bufferevent_free(bufferEvent) }
        bufferEvent = nil
        timer = nil
        keepAlive = nil
    }

    deinit {
        if let bufferEvent { bufferevent_free(bufferEvent) }
    }
}
