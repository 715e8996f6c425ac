// SPDX-License-Identifier: Apache-2.0
internal import CLibevent
import Glibc

/// A small HTTP/1.1 server on a loop (libevent's evhttp), for metrics and health checks. GET only.
public final class HTTPServer {
    /// A response: status code, content type, body.
    public struct Response {
        public var status: Int32
        public var contentType: String
        public var body: String
        public init(status: Int32 = 200, contentType: String = "text/plain; charset=utf-8", body: String) {
            self.status = status
            self.contentType = contentType
            self.body = body
        }
    }

    /// Maps a path (without the query string) to a response; nil means 404.
    public typealias Handler = (_ path: String) -> Response?

    private let handler: Handler
    private var http: OpaquePointer?
    public let socket: Socket

    /// A listening socket for `init(socket:on:handler:)`, bound at start-up with the DNS listeners
    /// (before privileges are dropped, and before the daemon says it is ready).
    /// - Throws: `EventIOError` if the address cannot be bound.
    public static func bind(_ address: SocketAddress) throws(EventIOError) -> Socket {
        try Socket(binding: address, datagram: false, reusePort: false, backlog: 64)
    }

    /// Serves `socket`, made by `bind(_:)`.
    /// - Throws: `EventIOError` if libevent cannot serve it.
    public init(socket: Socket, on loop: EventLoop, handler: @escaping Handler) throws(EventIOError) {
        self.handler = handler
        self.socket = socket
        guard let http = evhttp_new(loop.base) else { throw EventIOError(call: "evhttp_new") }
        self.http = http
        evhttp_set_timeout(http, 10)
        evhttp_set_allowed_methods(http, UInt16(EVHTTP_REQ_GET.rawValue | EVHTTP_REQ_HEAD.rawValue))
        // evhttp closes the descriptor it is given when freed: give it its own copy.
        let copy = dup(socket.fd)
        guard copy >= 0, evhttp_accept_socket(http, copy) == 0 else { throw EventIOError(call: "evhttp_accept_socket") }
        let context = Unmanaged.passUnretained(self).toOpaque()
        evhttp_set_gencb(http, { request, context in
            guard let request, let context else { return }
            Unmanaged<HTTPServer>.fromOpaque(context).takeUnretainedValue().serve(request)
        }, context)
    }

    deinit { if let http { evhttp_free(http) } }

    public var localAddress: SocketAddress { socket.localAddress }

    private func serve(_ request: OpaquePointer) {
        let uri = evhttp_request_get_uri(request).map { String(cString: $0) } ?? "/"
        let path = String(uri.split(separator: "?", maxSplits: 1).first ?? "/")
        let response = handler(path) ?? Response(status: 404, body: "not found\n")
        let headers = evhttp_request_get_output_headers(request)
        evhttp_add_header(headers, "Content-Type", response.contentType)
        evhttp_add_header(headers, "Cache-Control", "no-store")
        let buffer = evbuffer_new()
        defer { evbuffer_free(buffer) }
        var body = Array(response.body.utf8)
        _ = body.withUnsafeMutableBytes { evbuffer_add(buffer, $0.baseAddress, $0.count) }
        evhttp_send_reply(request, response.status, response.status == 200 ? "OK" : "Not Found", buffer)
    }
}
