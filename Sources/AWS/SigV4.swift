// SPDX-License-Identifier: Apache-2.0
import Crypto
import Foundation

/// AWS credentials: a key pair, and a session token for temporary ones. Never printed: the
/// description hides them.
public struct AWSCredentials: Sendable, Equatable, CustomStringConvertible {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String?
    /// When temporary credentials stop working; nil for long-term keys.
    public var expiration: Date?

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil, expiration: Date? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.expiration = expiration
    }

    public var description: String { "AWSCredentials(<redacted>)" }
}

/// An HTTP request to sign: what Signature Version 4 covers.
public struct SignableRequest: Sendable, Equatable {
    public var method: String
    /// The path as sent (not yet percent-encoded; `/`-separated).
    public var path: String
    /// Query parameters, decoded.
    public var query: [(name: String, value: String)]
    /// Header lines in order; a name may repeat.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(method: String, path: String, query: [(name: String, value: String)] = [], headers: [(name: String, value: String)], body: [UInt8] = []) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }

    public static func == (a: SignableRequest, b: SignableRequest) -> Bool {
        a.method == b.method && a.path == b.path && a.query.elementsEqual(b.query, by: ==) && a.headers.elementsEqual(b.headers, by: ==)
            && a.body == b.body
    }
}

/// AWS Signature Version 4 (docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html),
/// checked against AWS's published test suite (Tests/Fixtures/sigv4, from botocore).
public enum SigV4 {
    /// `20150830T123600Z`.
    public static func amzDate(_ date: Date) -> String {
        let c = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: date)
        return String(format: "%04d%02d%02dT%02d%02d%02dZ", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
    }

    /// Adds `X-Amz-Date`, the session token and `Authorization` to `request`, signing every header it has.
    public static func sign(
        _ request: SignableRequest, credentials: AWSCredentials, region: String, service: String, date: Date
    ) -> SignableRequest {
        var signed = request
        let stamp = amzDate(date)
        if !signed.headers.contains(where: { $0.name.lowercased() == "x-amz-date" }) { signed.headers.append(("X-Amz-Date", stamp)) }
        if let token = credentials.sessionToken, !signed.headers.contains(where: { $0.name.lowercased() == "x-amz-security-token" }) {
            signed.headers.append(("X-Amz-Security-Token", token))
        }
        signed.headers.append(("Authorization", authorization(signed, credentials: credentials, region: region, service: service, date: date)))
        return signed
    }

    /// The `Authorization` header's value for `request` as it stands.
    public static func authorization(
        _ request: SignableRequest, credentials: AWSCredentials, region: String, service: String, date: Date
    ) -> String {
        let (canonical, signedHeaders) = canonicalRequest(request)
        let scope = "\(String(amzDate(date).prefix(8)))/\(region)/\(service)/aws4_request"
        let toSign = stringToSign(canonical, date: date, scope: scope)
        var key = SymmetricKey(data: Array("AWS4\(credentials.secretAccessKey)".utf8))
        for part in [String(amzDate(date).prefix(8)), region, service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key)))
        }
        let signature = hex(HMAC<SHA256>.authenticationCode(for: Array(toSign.utf8), using: key))
        return "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)"
    }

    static func stringToSign(_ canonical: String, date: Date, scope: String) -> String {
        "AWS4-HMAC-SHA256\n\(amzDate(date))\n\(scope)\n\(hex(SHA256.hash(data: Array(canonical.utf8))))"
    }

    /// The canonical request and its signed headers' names.
    public static func canonicalRequest(_ request: SignableRequest) -> (String, String) {
        let query = request.query.map { (encode($0.name), encode($0.value)) }.sorted { ($0.0, $0.1) < ($1.0, $1.1) }
            .map { "\($0.0)=\($0.1)" }.joined(separator: "&")
        // Names lower-cased; values trimmed, runs of spaces (and folded lines) one space; a name
        // given twice has its values joined with commas, in order.
        var values: [String: [String]] = [:]
        for (name, value) in request.headers {
            let words = value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" })
            values[name.lowercased(), default: []].append(words.joined(separator: " "))
        }
        let names = values.keys.sorted()
        let headers = names.map { "\($0):\(values[$0]!.joined(separator: ","))\n" }.joined()
        let signed = names.joined(separator: ";")
        let payload = hex(SHA256.hash(data: request.body))
        return ([request.method, canonicalPath(request.path), query, headers, signed, payload].joined(separator: "\n"), signed)
    }

    /// The path without `.` and `..` segments or empty ones, each segment percent-encoded (RFC 3986
    /// unreserved kept); a final slash stays.
    static func canonicalPath(_ path: String) -> String {
        var segments: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
            if segment == "." { continue }
            if segment == ".." {
                _ = segments.popLast()
                continue
            }
            segments.append(segment)
        }
        var result = "/" + segments.map { encode(String($0)) }.joined(separator: "/")
        if path.hasSuffix("/") && !segments.isEmpty { result += "/" }
        return result
    }

    /// RFC 3986 percent-encoding of everything but `A-Z a-z 0-9 - . _ ~`.
    public static func encode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(Character(UnicodeScalar(byte)))
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}
