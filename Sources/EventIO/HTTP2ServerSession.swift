// SPDX-License-Identifier: Apache-2.0
internal import CNGHTTP2
import Glibc

/// HTTP/2 (RFC 9113) for one DoH connection, nghttp2 doing the framing, flow control and HPACK:
/// every request stream that ends is one DNS query; at most `maxStreams` are open at once
/// (SETTINGS_MAX_CONCURRENT_STREAMS; nghttp2 refuses more).
final class HTTP2ServerSession {
    private unowned let connection: HTTPSConnection
    private var session: OpaquePointer?
    private var requests: [Int32: DoH.Request] = [:]
    /// Response bodies being sent, read by the data provider.
    private var bodies: [Int32: (bytes: [UInt8], offset: Int)] = [:]
    /// Inside `nghttp2_session_mem_recv`: a response given now is sent when it returns (nghttp2
    /// does not send from inside its own callbacks).
    private var receiving = false

    init?(connection: HTTPSConnection, maxStreams: Int) {
        self.connection = connection
        var callbacks: OpaquePointer?
        guard nghttp2_session_callbacks_new(&callbacks) == 0, let callbacks else { return nil }
        defer { nghttp2_session_callbacks_del(callbacks) }
        nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks) { _, frame, user in
            guard let frame, frame.pointee.hd.type == UInt8(NGHTTP2_HEADERS.rawValue),
                frame.pointee.headers.cat == NGHTTP2_HCAT_REQUEST
            else { return 0 }
            HTTP2ServerSession.from(user).requests[frame.pointee.hd.stream_id] = DoH.Request()
            return 0
        }
        nghttp2_session_callbacks_set_on_header_callback(callbacks) { _, frame, name, nameLength, value, valueLength, _, user in
            guard let frame, let name, let value else { return 0 }
            HTTP2ServerSession.from(user).header(
                stream: frame.pointee.hd.stream_id, UnsafeBufferPointer(start: name, count: nameLength),
                UnsafeBufferPointer(start: value, count: valueLength))
            return 0
        }
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks) { _, _, stream, data, length, user in
            guard let data else { return 0 }
            HTTP2ServerSession.from(user).body(stream: stream, UnsafeBufferPointer(start: data, count: length))
            return 0
        }
        nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks) { _, frame, user in
            guard let frame else { return 0 }
            let type = frame.pointee.hd.type
            let ended = frame.pointee.hd.flags & UInt8(NGHTTP2_FLAG_END_STREAM.rawValue) != 0
            if ended && (type == UInt8(NGHTTP2_HEADERS.rawValue) || type == UInt8(NGHTTP2_DATA.rawValue)) {
                HTTP2ServerSession.from(user).dispatch(stream: frame.pointee.hd.stream_id)
            }
            return 0
        }
        nghttp2_session_callbacks_set_on_stream_close_callback(callbacks) { _, stream, _, user in
            let session = HTTP2ServerSession.from(user)
            session.requests[stream] = nil
            session.bodies[stream] = nil
            return 0
        }
        guard nghttp2_session_server_new(&session, callbacks, Unmanaged.passUnretained(self).toOpaque()) == 0 else { return nil }
        var settings = [
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS.rawValue), value: UInt32(maxStreams)),
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE.rawValue), value: UInt32(DoH.maxHeaderBytes)),
        ]
        guard nghttp2_submit_settings(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), &settings, settings.count) == 0, flush() else {
            return nil
        }
    }

    deinit { nghttp2_session_del(session) }

    private static func from(_ user: UnsafeMutableRawPointer?) -> HTTP2ServerSession {
        guard let user else { preconditionFailure("nghttp2 passed no user data") }
        return Unmanaged<HTTP2ServerSession>.fromOpaque(user).takeUnretainedValue()
    }

    /// Feeds received bytes; false when the connection must close (a protocol error, or both
    /// sides done).
    func receive(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard !bytes.isEmpty else { return true }
        receiving = true
        let read = nghttp2_session_mem_recv(session, bytes.bindMemory(to: UInt8.self).baseAddress, bytes.count)
        receiving = false
        guard read >= 0 else {
            flush()  // the GOAWAY nghttp2 queued for a connection error
            return false
        }
        return flush()
    }

    /// Writes what nghttp2 has to send; false when the session is over.
    @discardableResult
    func flush() -> Bool { HTTP2.flush(session) { connection.write($0) } }

    private static let methodName = Array(":method".utf8)
    private static let pathName = Array(":path".utf8)
    private static let contentTypeName = Array("content-type".utf8)

    private func header(stream: Int32, _ name: UnsafeBufferPointer<UInt8>, _ value: UnsafeBufferPointer<UInt8>) {
        guard let request = requests[stream] else { return }
        request.headerBytes += name.count + value.count + 32
        if request.headerBytes > DoH.maxHeaderBytes {
            request.headersTooLarge = true
        } else if name.elementsEqual(HTTP2ServerSession.pathName) {
            request.path = String(decoding: value, as: UTF8.self)
        } else if name.elementsEqual(HTTP2ServerSession.methodName) {
            request.method = String(decoding: value, as: UTF8.self)
        } else if name.elementsEqual(HTTP2ServerSession.contentTypeName) {
            request.contentType = String(decoding: value, as: UTF8.self)
        }
    }

    private func body(stream: Int32, _ data: UnsafeBufferPointer<UInt8>) {
        guard let request = requests[stream], !request.tooLarge else { return }
        if request.body.count + data.count > DoH.maxBody {
            request.tooLarge = true
            request.body = []
        } else {
            request.body.append(contentsOf: data)
        }
    }

    private func dispatch(stream: Int32) {
        guard let request = requests.removeValue(forKey: stream) else { return }
        let doh = DoHRequest(connection: connection, stream: stream)
        switch DoH.message(of: request, servedPath: connection.path) {
        case .success(let message):
            if let handler = connection.handler { handler.handle(message: message, request: doh) } else { doh.reject() }
        case .failure(let status):
            doh.finish(status, [])
        }
    }

    /// Submits the response on `stream` (gone streams are skipped); false when the session broke.
    func respond(stream: Int32, status: DoH.Status, body: [UInt8]) -> Bool {
        bodies[stream] = (body, 0)
        var provider = nghttp2_data_provider(source: nghttp2_data_source(ptr: nil)) { _, stream, buffer, length, flags, _, user in
            let session = HTTP2ServerSession.from(user)
            guard let (bytes, offset) = session.bodies[stream], let buffer, let flags else { return 0 }
            let n = min(length, bytes.count - offset)
            bytes.withUnsafeBytes { UnsafeMutableRawPointer(buffer).copyMemory(from: $0.baseAddress! + offset, byteCount: n) }
            if offset + n == bytes.count {
                flags.pointee |= UInt32(NGHTTP2_DATA_FLAG_EOF.rawValue)
                session.bodies[stream] = nil
            } else {
                session.bodies[stream]?.offset = offset + n
            }
            return n
        }
        let maxAge = status == .ok ? body.withUnsafeBytes { DoH.minimumTTL($0) } : nil
        let submitted = HTTP2ServerSession.withResponseHeaders(status, contentLength: body.count, maxAge: maxAge) { nv, count in
            nghttp2_submit_response(session, stream, nv, count, &provider)
        }
        if submitted != 0 {
            bodies[stream] = nil  // the client closed the stream first
            return true
        }
        return receiving || flush()
    }

    /// A response's header fields as nghttp2's name/value pairs for the length of `body` (nghttp2
    /// copies them), built without a string: this runs for every DoH answer.
    static func withResponseHeaders<T>(
        _ status: DoH.Status, contentLength: Int, maxAge: UInt32?, _ body: (UnsafePointer<nghttp2_nv>, Int) -> T
    ) -> T {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 96) { buffer in
            withUnsafeTemporaryAllocation(of: nghttp2_nv.self, capacity: 4) { nv in
                var used = 0
                var count = 0
                func field(_ name: StaticString, _ write: (inout Int) -> Void) {
                    let start = used
                    write(&used)
                    nv[count] = nghttp2_nv(
                        name: UnsafeMutablePointer(mutating: name.utf8Start), value: buffer.baseAddress! + start,
                        namelen: name.utf8CodeUnitCount, valuelen: used - start, flags: UInt8(NGHTTP2_NV_FLAG_NONE.rawValue))
                    count += 1
                }
                func text(_ s: StaticString, _ at: inout Int) {
                    for i in 0..<s.utf8CodeUnitCount {
                        buffer[at] = s.utf8Start[i]
                        at += 1
                    }
                }
                func number(_ n: Int, _ at: inout Int) {
                    var digits = 1
                    var rest = n / 10
                    while rest > 0 {
                        digits += 1
                        rest /= 10
                    }
                    var value = n
                    for i in stride(from: at + digits - 1, through: at, by: -1) {
                        buffer[i] = UInt8(ascii: "0") + UInt8(value % 10)
                        value /= 10
                    }
                    at += digits
                }
                field(":status") { number(status.rawValue, &$0) }
                if status == .ok { field("content-type") { text("application/dns-message", &$0) } }
                if let maxAge {
                    field("cache-control") {
                        text("max-age=", &$0)
                        number(Int(maxAge), &$0)
                    }
                }
                field("content-length") { number(contentLength, &$0) }
                return body(nv.baseAddress!, count)
            }
        }
    }
}
