// SPDX-License-Identifier: Apache-2.0

/// The HTTP side of DNS over HTTPS (RFC 8484), shared by the HTTP/2 and HTTP/1.1 servers: what a
/// request asks, and the response it gets.
enum DoH {
    static let mediaType = "application/dns-message"
    /// The largest DNS message, and so the largest body and decoded `dns=` accepted (RFC 8484 §6).
    static let maxBody = 65535
    /// Header bytes one request may send (names, values and 32 octets each, as RFC 9113 §6.5.2 counts).
    static let maxHeaderBytes = 16 * 1024

    /// A request as far as DoH cares; a class, so the HTTP/2 session fills it in place as its
    /// headers and body arrive.
    final class Request {
        var method = ""
        var path = ""
        var contentType = ""
        var headerBytes = 0
        var body: [UInt8] = []
        /// The body or the headers went past their limit (the rest was not kept).
        var tooLarge = false
        var headersTooLarge = false
    }

    /// The DNS message a request carries, or the HTTP status that refuses it.
    static func message(of request: Request, servedPath: String) -> Result<[UInt8], Status> {
        if request.headersTooLarge { return .failure(.headersTooLarge) }
        let (path, query) = split(request.path)
        guard path == servedPath else { return .failure(.notFound) }
        switch request.method {
        case "GET":
            // RFC 8484 §4.1: the message in `dns`, base64url without padding.
            guard let value = parameter("dns", in: query) else { return .failure(.badRequest) }
            guard value.utf8.count <= (maxBody * 4 + 2) / 3, let message = base64URL(decoding: value), message.count >= 12
            else { return .failure(.badRequest) }
            return .success(message)
        case "POST":
            if request.tooLarge { return .failure(.payloadTooLarge) }
            guard request.contentType.lowercased().hasPrefix(mediaType) else { return .failure(.unsupportedMediaType) }
            guard request.body.count >= 12 else { return .failure(.badRequest) }
            return .success(request.body)
        default:
            return .failure(.methodNotAllowed)
        }
    }

    enum Status: Int, Error {
        case ok = 200
        case badRequest = 400
        case notFound = 404
        case methodNotAllowed = 405
        case payloadTooLarge = 413
        case unsupportedMediaType = 415
        case headersTooLarge = 431

        var reason: String {
            switch self {
            case .ok: "OK"
            case .badRequest: "Bad Request"
            case .notFound: "Not Found"
            case .methodNotAllowed: "Method Not Allowed"
            case .payloadTooLarge: "Payload Too Large"
            case .unsupportedMediaType: "Unsupported Media Type"
            case .headersTooLarge: "Request Header Fields Too Large"
            }
        }
    }

    static func split(_ target: String) -> (path: Substring, query: Substring) {
        guard let mark = target.firstIndex(of: "?") else { return (target[...], "") }
        return (target[..<mark], target[target.index(after: mark)...])
    }

    static func parameter(_ name: String, in query: Substring) -> Substring? {
        for pair in query.split(separator: "&") where pair.hasPrefix(name + "=") {
            return pair.dropFirst(name.count + 1)
        }
        return nil
    }

    /// RFC 4648 §5 base64url, padding optional (RFC 8484 §6 says none is sent).
    static func base64URL(decoding text: Substring) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count * 3 / 4)
        var buffer: UInt32 = 0
        var bits = 0
        for c in text.utf8 {
            let value: UInt32
            switch c {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = UInt32(c - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): value = UInt32(c - UInt8(ascii: "a")) + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = UInt32(c - UInt8(ascii: "0")) + 52
            case UInt8(ascii: "-"): value = 62
            case UInt8(ascii: "_"): value = 63
            case UInt8(ascii: "="): continue
            default: return nil
            }
            buffer = buffer << 6 | value
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits)))
            }
        }
        return out
    }

    /// The smallest TTL of the response's records, for `cache-control: max-age` (RFC 8484 §5.1);
    /// nil when there is none (or the message cannot be walked).
    static func minimumTTL(_ message: UnsafeRawBufferPointer) -> UInt32? {
        guard message.count >= 12 else { return nil }
        func u16(_ i: Int) -> Int { Int(message[i]) << 8 | Int(message[i + 1]) }
        func skipName(_ i: inout Int) -> Bool {
            while i < message.count {
                let length = Int(message[i])
                if length & 0xC0 == 0xC0 {
                    i += 2
                    return i <= message.count
                }
                i += 1 + length
                if length == 0 { return i <= message.count }
            }
            return false
        }
        var i = 12
        for _ in 0..<u16(4) {
            guard skipName(&i) else { return nil }
            i += 4
        }
        var smallest: UInt32?
        for _ in 0..<(u16(6) + u16(8) + u16(10)) {
            guard skipName(&i), i + 10 <= message.count else { return smallest }
            let type = u16(i)
            let ttl = UInt32(message[i + 4]) << 24 | UInt32(message[i + 5]) << 16 | UInt32(message[i + 6]) << 8 | UInt32(message[i + 7])
            if type != 41 { smallest = min(smallest ?? ttl, ttl) }  // OPT's TTL field is flags
            i += 10 + u16(i + 8)
        }
        return smallest
    }
}

/// Runs every parser a DoH listener applies to untrusted bytes over `bytes`, for the libFuzzer
/// target `FuzzDoH`: the HTTP/1.1 request reader, the request's DNS message (GET's base64url or
/// POST's body), and the TTL walk of an answer. None may trap; a request that is read whole must
/// be read the same from exactly the bytes it took.
public func exerciseDoHParsers(_ bytes: [UInt8]) {
    if case .complete(let request, let consumed, let close) = HTTP1Request.parse(bytes) {
        precondition(consumed > 0 && consumed <= bytes.count, "consumed \(consumed) of \(bytes.count)")
        guard case .complete(let again, consumed, close) = HTTP1Request.parse(Array(bytes[..<consumed])),
            again.method == request.method, again.path == request.path, again.body == request.body
        else { preconditionFailure("the request read differently from the bytes it took") }
        _ = DoH.message(of: request, servedPath: "/dns-query")
    }
    _ = DoH.base64URL(decoding: String(decoding: bytes, as: UTF8.self)[...])
    _ = bytes.withUnsafeBytes { DoH.minimumTTL($0) }
}
