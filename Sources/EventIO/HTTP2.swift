// SPDX-License-Identifier: Apache-2.0
internal import CNGHTTP2

/// What the HTTP/2 server and client sessions share: sending, and header fields for nghttp2.
enum HTTP2 {
    /// Writes what nghttp2 has to send, frame after frame gathered into one write; false when the
    /// session is over (nothing more to read or write).
    static func flush(_ session: OpaquePointer?, _ write: (UnsafeRawBufferPointer) -> Void) -> Bool {
        var out: [UInt8] = []
        defer { if !out.isEmpty { out.withUnsafeBytes { write($0) } } }
        while true {
            var data: UnsafePointer<UInt8>?
            let length = nghttp2_session_mem_send(session, &data)
            if length < 0 { return false }
            guard length > 0, let data else { break }
            out.append(contentsOf: UnsafeRawBufferPointer(start: data, count: length))
        }
        return nghttp2_session_want_read(session) != 0 || nghttp2_session_want_write(session) != 0
    }

    /// `fields` as nghttp2's name/value pairs for the length of `body` (nghttp2 copies them).
    static func withHeaders<T>(_ fields: [(String, String)], _ body: (UnsafePointer<nghttp2_nv>, Int) -> T) -> T {
        var text: [UInt8] = []
        var spans: [(Int, Int, Int, Int)] = []
        for (name, value) in fields {
            let nameStart = text.count
            text += Array(name.utf8)
            let valueStart = text.count
            text += Array(value.utf8)
            spans.append((nameStart, name.utf8.count, valueStart, value.utf8.count))
        }
        return text.withUnsafeMutableBufferPointer { bytes in
            let base = bytes.baseAddress!  // never empty: `:status` at least
            let nv = spans.map { span in
                nghttp2_nv(
                    name: base + span.0, value: base + span.2, namelen: span.1, valuelen: span.3,
                    flags: UInt8(NGHTTP2_NV_FLAG_NONE.rawValue))
            }
            return nv.withUnsafeBufferPointer { body($0.baseAddress!, $0.count) }
        }
    }
}
