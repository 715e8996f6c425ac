// SPDX-License-Identifier: Apache-2.0
import Foundation

/// Signed calls to the AWS APIs the sync reads: EC2's and STS's query protocol (a form POST) and
/// Route 53's REST-XML (GETs). Blocking, on the sync's own thread; never on the query path.
public final class AWSClient: Sendable {
    public let region: String
    let transport: any HTTPTransport
    let credentials: CredentialChain
    /// Base URLs that replace a service's public endpoint (`endpoint_url`), by service name.
    let endpointURLs: [String: URL]
    let timeout: Double
    let clock: @Sendable () -> Date

    public init(
        region: String, credentials: CredentialChain, endpointURLs: [String: URL] = [:],
        transport: any HTTPTransport = URLSessionTransport(), timeout: Double = 10,
        clock: @escaping @Sendable () -> Date = Date.init
    ) {
        self.region = region
        self.credentials = credentials
        self.endpointURLs = endpointURLs
        self.transport = transport
        self.timeout = timeout
        self.clock = clock
    }

    /// A service's public endpoint in `region`'s partition, and the Region its signatures name
    /// (Route 53 is global: its calls are signed for the partition's first Region).
    static func endpoint(service: String, region: String) -> (url: URL, signingRegion: String) {
        let (suffix, globalRegion): (String, String) =
            region.hasPrefix("cn-") ? ("amazonaws.com.cn", "cn-northwest-1")
            : region.hasPrefix("us-gov-") ? ("amazonaws.com", "us-gov-west-1") : ("amazonaws.com", "us-east-1")
        if service == "route53" {
            let host = region.hasPrefix("us-gov-") ? "route53.us-gov.amazonaws.com" : "route53.\(suffix)"
            return (URL(string: "https://\(host)/")!, globalRegion)
        }
        return (URL(string: "https://\(service).\(region).\(suffix)/")!, region)
    }

    /// One call of the query protocol (EC2, STS): `Action`, `Version` and `parameters` as a form.
    public func query(
        service: String, action: String, version: String, parameters: [(String, String)]
    ) throws(AWSError) -> XMLNode {
        let form = AWSClient.form([("Action", action), ("Version", version)] + parameters)
        return try send(
            service: service, call: action, method: "POST", path: "/", query: [], body: Array(form.utf8),
            contentType: "application/x-www-form-urlencoded; charset=utf-8")
    }

    /// A GET of Route 53's REST API: `path` below the endpoint, and its query parameters.
    public func get(service: String, call: String, path: String, query: [(String, String)]) throws(AWSError) -> XMLNode {
        try send(service: service, call: call, method: "GET", path: path, query: query, body: [], contentType: nil)
    }

    /// `name=value&…`, each side percent-encoded as SigV4 encodes it: a form body or a query string.
    static func form(_ pairs: [(String, String)]) -> String {
        pairs.map { "\(SigV4.encode($0.0))=\(SigV4.encode($0.1))" }.joined(separator: "&")
    }

    private func send(
        service: String, call: String, method: String, path: String, query: [(String, String)], body: [UInt8],
        contentType: String?
    ) throws(AWSError) -> XMLNode {
        let publicEndpoint = AWSClient.endpoint(service: service, region: region)
        let base = endpointURLs[service] ?? publicEndpoint.url
        guard let host = base.host else { throw .client(0, "\(service): the endpoint URL \(base) has no host") }
        let fullPath = (base.path.hasSuffix("/") ? String(base.path.dropLast()) : base.path) + path
        let hostHeader = base.port.map { "\(host):\($0)" } ?? host
        var headers: [(name: String, value: String)] = [("Host", hostHeader)]
        if let contentType { headers.append(("Content-Type", contentType)) }
        let keys = try credentials.current()
        let signed = SigV4.sign(
            SignableRequest(method: method, path: fullPath, query: query, headers: headers, body: body),
            credentials: keys, region: publicEndpoint.signingRegion, service: service, date: clock())
        let queryString = AWSClient.form(query)
        var components = URLComponents()
        components.scheme = base.scheme
        components.host = host
        components.port = base.port
        components.percentEncodedPath = fullPath.split(separator: "/", omittingEmptySubsequences: false)
            .map { SigV4.encode(String($0)) }.joined(separator: "/")
        if !queryString.isEmpty { components.percentEncodedQuery = queryString }
        guard let url = components.url else { throw .client(0, "\(call): cannot make a URL of \(base)") }
        let response = try transport.send(
            HTTPRequest(method: method, url: url, headers: signed.headers, body: body), timeout: timeout)
        return try AWSResponse.xml(
            response, call: call, secrets: [keys.accessKeyID, keys.secretAccessKey, keys.sessionToken ?? ""])
    }
}
