// SPDX-License-Identifier: Apache-2.0
internal import CNGHTTP2
import Glibc

/// HTTP/2 for one DoH upstream connection: each query a POST on a stream of its own (RFC 8484
/// §4.1), many at once; nghttp2 holds back streams past the server's SETTINGS_MAX_CONCURRENT_STREAMS.
final class HTTP2ClientSession {
    /// What became of a stream.
    enum Outcome {
        /// The body of a 200.
        case answer([UInt8])
        /// Refused unprocessed (REFUSED_STREAM, or past a GOAWAY's last stream, RFC 9113 §8.7):
        /// safe to send again on another connection.
        case refused
        case failed(String)
    }
    typealias Completion = (Int32, Outcome) -> Void

    private var session: OpaquePointer?
    private let authority: String
    private let path: String
    private let write: (UnsafeRawBufferPointer) -> Void
    private let complete: Completion
    private struct Stream {
        var body: [UInt8]
        var sent = 0
        var status = 0
        var answer: [UInt8] = []
    }
    private var streams: [Int32: Stream] = [:]
    private var receiving = false

    /// - Parameters:
    ///   - write: takes the bytes to send.
    ///   - complete: called once per stream posted, when it closes (not for cancelled ones).
    init?(authority: String, path: String, write: @escaping (UnsafeRawBufferPointer) -> Void, complete: @escaping Completion) {
        self.authority = authority
        self.path = path
        self.write = write
        self.complete = complete
        var callbacks: OpaquePointer?
        guard nghttp2_session_callbacks_new(&callbacks) == 0, let callbacks else { return nil }
        defer { nghttp2_session_callbacks_del(callbacks) }
        nghttp2_session_callbacks_set_on_header_callback(callbacks) { _, frame, name, nameLength, value, valueLength, _, user in
            guard let frame, let name, let value, nameLength == 7,
                String(decoding: UnsafeBufferPointer(start: name, count: 7), as: UTF8.self) == ":status"
            else { return 0 }
            let status = Int(String(decoding: UnsafeBufferPointer(start: value, count: valueLength), as: UTF8.self)) ?? 0
            HTTP2ClientSession.from(user).streams[frame.pointee.hd.stream_id]?.status = status
            return 0
        }
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks) { _, _, stream, data, length, user in
            guard let data else { return 0 }
            let session = HTTP2ClientSession.from(user)
            guard var state = session.streams.removeValue(forKey: stream) else { return 0 }
            if state.answer.count + length <= DoH.maxBody {
                state.answer.append(contentsOf: UnsafeBufferPointer(start: data, count: length))
            } else {
                state.status = -1  // longer than any DNS message
            }
            session.streams[stream] = state
            return 0
        }
        nghttp2_session_callbacks_set_on_stream_close_callback(callbacks) { _, stream, code, user in
            HTTP2ClientSession.from(user).closed(stream: stream, code: code)
            return 0
        }
        guard nghttp2_session_client_new(&session, callbacks, Unmanaged.passUnretained(self).toOpaque()) == 0 else {
            return nil
        }
        guard nghttp2_submit_settings(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), nil, 0) == 0 else { return nil }
    }

    deinit { nghttp2_session_del(session) }

    private static func from(_ user: UnsafeMutableRawPointer?) -> HTTP2ClientSession {
        guard let user else { preconditionFailure("nghttp2 passed no user data") }
        return Unmanaged<HTTP2ClientSession>.fromOpaque(user).takeUnretainedValue()
    }

    /// POSTs `message` on a new stream; nil when the session takes no more (the stream IDs ran
    /// out, or it is going away).
    func post(_ message: [UInt8]) -> Int32? {
        let fields = [
            (":method", "POST"), (":scheme", "https"), (":authority", authority), (":path", path),
            ("content-type", DoH.mediaType), ("accept", DoH.mediaType), ("content-length", "\(message.count)"),
        ]
        var provider = nghttp2_data_provider(source: nghttp2_data_source(ptr: nil)) { _, stream, buffer, length, flags, _, user in
            let session = HTTP2ClientSession.from(user)
            guard let state = session.streams[stream], let buffer, let flags else { return 0 }
            let n = min(length, state.body.count - state.sent)
            state.body.withUnsafeBytes { UnsafeMutableRawPointer(buffer).copyMemory(from: $0.baseAddress! + state.sent, byteCount: n) }
            session.streams[stream]?.sent += n
            if state.sent + n == state.body.count { flags.pointee |= UInt32(NGHTTP2_DATA_FLAG_EOF.rawValue) }
            return n
        }
        let stream = HTTP2.withHeaders(fields) { nv, count in
            nghttp2_submit_request(session, nil, nv, count, &provider, nil)
        }
        guard stream > 0 else { return nil }
        streams[stream] = Stream(body: message)
        if !receiving { flush() }
        return stream
    }

    /// Drops a stream's completion (its exchange was called off) and resets it.
    func cancel(stream: Int32) {
        guard streams.removeValue(forKey: stream) != nil else { return }
        nghttp2_submit_rst_stream(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), stream, UInt32(NGHTTP2_CANCEL.rawValue))
        if !receiving { flush() }
    }

    /// Feeds received bytes; false when the connection is done for.
    func receive(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard !bytes.isEmpty else { return true }
        receiving = true
        let read = nghttp2_session_mem_recv(session, bytes.bindMemory(to: UInt8.self).baseAddress, bytes.count)
        receiving = false
        guard read >= 0 else { return false }
        return flush()
    }

    /// Writes what nghttp2 has to send; false when the session is over.
    @discardableResult
    func flush() -> Bool { HTTP2.flush(session, write) }

    /// Streams still waiting; their completions are dropped (the caller fails or resends them).
    func abandon() -> [Int32] {
        let left = Array(streams.keys)
        streams = [:]
        return left
    }

    private func closed(stream: Int32, code: UInt32) {
        guard let state = streams.removeValue(forKey: stream) else { return }
        if code == NGHTTP2_REFUSED_STREAM.rawValue {
            complete(stream, .refused)
        } else if code != 0 {
            complete(stream, .failed("HTTP/2 stream reset by the server (error \(code))"))
        } else if state.status == 200 {
            complete(stream, .answer(state.answer))
        } else if state.status == -1 {
            complete(stream, .failed("a response body longer than a DNS message"))
        } else {
            complete(stream, .failed("HTTP status \(state.status)"))
        }
    }
}
