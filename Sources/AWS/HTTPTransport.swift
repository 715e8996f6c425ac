// SPDX-License-Identifier: Apache-2.0
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One HTTP exchange, blocking: the sync runs on a thread of its own, never on a worker.
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: URL
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(method: String, url: URL, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [String: String]
    public var body: Data

    public init(status: Int, headers: [String: String] = [:], body: Data) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

public protocol HTTPTransport: Sendable {
    /// Sends `request` and waits up to `timeout` seconds; throws `AWSError.network` when no response came.
    func send(_ request: HTTPRequest, timeout: Double) throws(AWSError) -> HTTPResponse
}

/// Foundation's URLSession (libcurl underneath on Linux): HTTPS against the system's CA store, no
/// new dependency. The sync makes a few requests a minute, off the query path, so a blocking
/// wrapper is all it needs. Connections are not kept: on Linux a kept connection that the server
/// closes leaves the next request on it hanging until its timeout (seen against a proxy that
/// drops connections), and a handshake a request costs nothing at this rate.
public final class URLSessionTransport: HTTPTransport {
    private let session: URLSession

    public init() {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpShouldSetCookies = false
        configuration.urlCache = nil
        session = URLSession(configuration: configuration)
    }

    public func send(_ request: HTTPRequest, timeout: Double) throws(AWSError) -> HTTPResponse {
        var urlRequest = URLRequest(url: request.url, timeoutInterval: timeout)
        urlRequest.httpMethod = request.method
        for (name, value) in request.headers where name.lowercased() != "host" {
            urlRequest.addValue(value, forHTTPHeaderField: name)
        }
        urlRequest.setValue("close", forHTTPHeaderField: "Connection")
        if !request.body.isEmpty { urlRequest.httpBody = Data(request.body) }
        let done = DispatchSemaphore(value: 0)
        let outcome = OutcomeBox()
        let task = session.dataTask(with: urlRequest) { data, response, error in
            if let http = response as? HTTPURLResponse {
                var headers: [String: String] = [:]
                for (key, value) in http.allHeaderFields {
                    if let key = key as? String, let value = value as? String { headers[key.lowercased()] = value }
                }
                outcome.set(.success(HTTPResponse(status: http.statusCode, headers: headers, body: data ?? Data())))
            } else {
                // The URL's host only: never a query string, which could hold a presigned secret.
                let host = request.url.host ?? "?"
                outcome.set(.failure(.network("\(host): \(error?.localizedDescription ?? "no response")")))
            }
            done.signal()
        }
        task.resume()
        if done.wait(timeout: .now() + timeout + 5) == .timedOut {
            task.cancel()
            throw .network("\(request.url.host ?? "?"): timed out after \(Int(timeout)) s")
        }
        return try outcome.get()
    }
}

private final class OutcomeBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Result<HTTPResponse, AWSError> = .failure(.network("no response"))
    func set(_ v: Result<HTTPResponse, AWSError>) { lock.lock(); value = v; lock.unlock() }
    func get() throws(AWSError) -> HTTPResponse {
        lock.lock()
        defer { lock.unlock() }
        return try value.get()
    }
}

/// Why a call to AWS failed, in the classes the sync treats differently.
public enum AWSError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No response: DNS, connection, TLS, timeout.
    case network(String)
    /// 429, or a throttling error code: back off.
    case throttled(String)
    /// 5xx: back off.
    case server(Int, String)
    /// The credentials were refused, or there are none: one clear line, not a storm.
    case auth(String)
    /// Any other refusal (4xx).
    case client(Int, String)
    /// A response that does not parse, or is cut off.
    case malformed(String)

    public var description: String {
        switch self {
        case .network(let why): "network: \(why)"
        case .throttled(let why): "throttled: \(why)"
        case .server(let status, let why): "server error \(status): \(why)"
        case .auth(let why): "authentication failed: \(why)"
        case .client(let status, let why): "request refused (\(status)): \(why)"
        case .malformed(let why): "malformed response: \(why)"
        }
    }

    /// Throttling and server errors are retried after a back-off; the rest wait for the next interval.
    public var backsOff: Bool {
        switch self {
        case .throttled, .server: true
        default: false
        }
    }
}
