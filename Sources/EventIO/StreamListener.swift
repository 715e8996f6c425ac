// SPDX-License-Identifier: Apache-2.0
internal import CLibevent
import Glibc

/// The accepts of a listening TCP socket on a loop (libevent's evconnlistener), each handed to
/// `onAccept` with the peer's address: the front door of the TCP, DoT and DoH servers.
final class StreamListener {
    private var listener: OpaquePointer?
    private let onAccept: (Int32, SocketAddress?) -> Void

    /// - Throws: `EventIOError` if the listener cannot be made.
    init(socket: Socket, on loop: EventLoop, onAccept: @escaping (Int32, SocketAddress?) -> Void) throws(EventIOError) {
        self.onAccept = onAccept
        let context = Unmanaged.passUnretained(self).toOpaque()
        // Backlog 0: the socket already listens. Unretained is safe: deinit frees the listener first.
        listener = evconnlistener_new(loop.base, { _, fd, address, length, context in
            guard let context else { preconditionFailure("libevent passed a nil context") }
            let peer = address.flatMap { SocketAddress(UnsafeRawPointer($0), length: Int(length)) }
            Unmanaged<StreamListener>.fromOpaque(context).takeUnretainedValue().onAccept(fd, peer)
        }, context, 0, 0, socket.fd)
        guard listener != nil else { throw EventIOError(call: "evconnlistener_new") }
    }

    deinit { if let listener { evconnlistener_free(listener) } }

    /// Stops accepting; connections already open continue.
    func disable() {
        if let listener { evconnlistener_disable(listener) }
    }
}
