// SPDX-License-Identifier: Apache-2.0

/// HTTP/1.1 (RFC 9112) for a DoH client that did not offer `h2`: requests read in turn, answered
/// in the order they came (pipelining), at most `maxInFlight` waiting; a request must arrive
/// whole within the idle timeout of its first byte.
final class HTTP1ServerSession {
    private unowned let connection: HTTPSConnection
    private let maxInFlight: Int
    /// Bytes of requests not yet read whole.
    private var pending: [UInt8] = []
    /// Responses owed, in request order; nil until answered.
    private var queue: [(slot: Int32, response: [UInt8]?, close: Bool)] = []
    private var nextSlot: Int32 = 0
    private var partialSince: Double?
    /// Inside `parse`: an answer given synchronously does not start another parse.
    private var parsing = false

    init(connection: HTTPSConnection, maxInFlight: Int) {
        self.connection = connection
        self.maxInFlight = maxInFlight
    }

    func receive(_ bytes: UnsafeRawBufferPointer) -> Bool {
        pending.append(contentsOf: bytes)
        return parse()
    }

    /// Reads every whole request buffered; false when the connection must close.
    private func parse() -> Bool {
        parsing = true
        defer { parsing = false }
        while !pending.isEmpty && queue.count < maxInFlight {
            let request: DoH.Request
            let close: Bool
            switch HTTP1Request.parse(pending) {
            case .incomplete:
                return waitForMore()
            case .refused(let status):
                enqueueError(status)
                return false
            case .complete(let parsed, let consumed, let closing):
                (request, close) = (parsed, closing)
                pending.removeFirst(consumed)
            }
            partialSince = nil
            let slot = nextSlot
            nextSlot &+= 1
            queue.append((slot, nil, close))
            let doh = DoHRequest(connection: connection, stream: slot)
            switch DoH.message(of: request, servedPath: connection.path) {
            case .success(let message):
                if let handler = connection.handler { handler.handle(message: message, request: doh) } else { doh.reject() }
            case .failure(let status):
                doh.finish(status, [])
            }
            if close { return true }
        }
        return true
    }

    /// A request begun but not whole: it has the idle timeout from its first byte to arrive.
    private func waitForMore() -> Bool {
        let now = monotonicSeconds()
        guard let since = partialSince else {
            partialSince = now
            return true
        }
        return now - since <= connection.limits.idleTimeout
    }

    private func enqueueError(_ status: DoH.Status) {
        let slot = nextSlot
        nextSlot &+= 1
        queue.append((slot, HTTP1ServerSession.response(status, body: []), true))
        writeReady()
    }

    func respond(slot: Int32, status: DoH.Status, body: [UInt8]) {
        guard let index = queue.firstIndex(where: { $0.slot == slot }) else { return }
        queue[index].response = HTTP1ServerSession.response(status, body: body)
        writeReady()
        if !parsing && !parse() { connection.close() }
    }

    /// Writes the answered responses at the head of the line.
    private func writeReady() {
        while let first = queue.first, let response = first.response {
            queue.removeFirst()
            response.withUnsafeBytes { connection.write($0) }
            if first.close {
                queue.removeAll()
                pending.removeAll()
                connection.close()
                return
            }
        }
    }

    static func response(_ status: DoH.Status, body: [UInt8]) -> [UInt8] {
        var head = "HTTP/1.1 \(status.rawValue) \(status.reason)\r\n"
        if status == .ok {
            head += "Content-Type: \(DoH.mediaType)\r\n"
            if let ttl = body.withUnsafeBytes({ DoH.minimumTTL($0) }) { head += "Cache-Control: max-age=\(ttl)\r\n" }
        }
        head += "Content-Length: \(body.count)\r\n\r\n"
        return Array(head.utf8) + body
    }
}

/// One HTTP/1.1 request read off the front of a byte stream (RFC 9112): untrusted bytes, so every
/// index is checked and every length bounded (the fuzz target `FuzzDoH` drives it).
enum HTTP1Request {
    /// The request, the bytes it took, and whether the connection closes after its answer.
    case complete(DoH.Request, consumed: Int, close: Bool)
    /// Not all of it has arrived.
    case incomplete
    /// Not a request this server takes: answer with the status and close.
    case refused(DoH.Status)

    static func parse(_ bytes: [UInt8]) -> HTTP1Request {
        guard let headerEnd = headerEnd(bytes) else {
            return bytes.count > DoH.maxHeaderBytes ? .refused(.headersTooLarge) : .incomplete
        }
        let head = String(decoding: bytes[..<headerEnd], as: UTF8.self)
        var lines = head.split(separator: "\r\n", omittingEmptySubsequences: false)
        let requestLine = lines.removeFirst().split(separator: " ")
        guard requestLine.count == 3, requestLine[2].hasPrefix("HTTP/1.") else { return .refused(.badRequest) }
        let request = DoH.Request()
        request.method = String(requestLine[0])
        request.path = String(requestLine[1])
        var contentLength = 0
        var close = requestLine[2] == "HTTP/1.0"
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let value = line[line.index(after: colon)...].trimmingSpaces
            switch line[..<colon].lowercased() {
            case "content-length": contentLength = Int(value) ?? -1
            case "content-type": request.contentType = String(value)
            case "connection": close = close || value.lowercased() == "close"
            case "transfer-encoding": return .refused(.badRequest)  // a DNS message has a length: no chunks
            default: break
            }
        }
        guard contentLength >= 0 else { return .refused(.badRequest) }
        guard contentLength <= DoH.maxBody else { return .refused(.payloadTooLarge) }
        let bodyStart = headerEnd + 4
        guard bytes.count >= bodyStart + contentLength else { return .incomplete }
        request.body = Array(bytes[bodyStart..<(bodyStart + contentLength)])
        return .complete(request, consumed: bodyStart + contentLength, close: close)
    }

    /// Where the blank line ending the head starts, looked for within the header limit.
    private static func headerEnd(_ bytes: [UInt8]) -> Int? {
        let limit = min(bytes.count, DoH.maxHeaderBytes + 4)
        guard limit >= 4 else { return nil }
        for i in 0...(limit - 4) where bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 {
            return i
        }
        return nil
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var s = self
        while s.first == " " || s.first == "\t" { s.removeFirst() }
        while s.last == " " || s.last == "\t" { s.removeLast() }
        return s
    }
}
