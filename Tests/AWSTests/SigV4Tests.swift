// SPDX-License-Identifier: Apache-2.0
import AWS
import Foundation
import Testing

/// AWS's published Signature Version 4 test suite (Tests/Fixtures/sigv4, Apache-2.0, as botocore
/// carries it): each case's canonical request, string to sign and Authorization header.
@Suite struct SigV4Tests {
    static let suite = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/sigv4")
    static let date = Date(timeIntervalSince1970: 1_440_938_160)  // 2015-08-30T12:36:00Z
    static let credentials = AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")

    /// Every directory holding a `.req`, relative to the suite.
    static let cases: [String] = {
        let enumerator = FileManager.default.enumerator(atPath: suite.path)!
        return (enumerator.allObjects as! [String]).filter { $0.hasSuffix(".req") }.map { ($0 as NSString).deletingLastPathComponent }.sorted()
    }()

    static func read(_ test: String, _ ext: String) throws -> String {
        let name = (test as NSString).lastPathComponent
        return try String(contentsOf: suite.appendingPathComponent("\(test)/\(name).\(ext)"), encoding: .utf8).replacingOccurrences(of: "\r", with: "")
    }

    /// The raw request: `METHOD PATH HTTP/1.1`, header lines (a line starting with blanks continues the
    /// one before), a blank line, the body.
    static func request(_ raw: String) -> SignableRequest {
        let (head, body) = raw.range(of: "\n\n").map { (String(raw[..<$0.lowerBound]), String(raw[$0.upperBound...])) } ?? (raw, "")
        var lines = head.components(separatedBy: "\n")
        let first = lines.removeFirst()
        let method = String(first.prefix { $0 != " " })
        let target = String(first.dropFirst(method.count + 1).dropLast(" HTTP/1.1".count))
        var path = target
        var query: [(String, String)] = []
        if let mark = target.firstIndex(of: "?") {
            path = String(target[..<mark])
            for pair in target[target.index(after: mark)...].split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let decode = { (s: Substring) in String(s).removingPercentEncoding ?? String(s) }
                query.append((decode(parts[0]), parts.count > 1 ? decode(parts[1]) : ""))
            }
        }
        var headers: [(String, String)] = []
        for line in lines {
            if line.first == " " || line.first == "\t", let last = headers.popLast() {
                headers.append((last.0, last.1 + " " + line))
                continue
            }
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append((String(line[..<colon]), String(line[line.index(after: colon)...])))
        }
        return SignableRequest(method: method, path: path, query: query, headers: headers, body: Array(body.utf8))
    }

    @Test func theSuiteIsThere() {
        #expect(Self.cases.count >= 30, "\(Self.cases)")
    }

    @Test(arguments: cases)
    func publishedVector(_ test: String) throws {
        let request = Self.request(try Self.read(test, "req"))
        let canonical = try Self.read(test, "creq")
        // The case's session token, when it has one, is the x-amz-security-token its canonical request signs.
        var credentials = Self.credentials
        if let line = canonical.split(separator: "\n").first(where: { $0.hasPrefix("x-amz-security-token:") }) {
            credentials.sessionToken = String(line.dropFirst("x-amz-security-token:".count))
        }
        // As a client signs: the token header goes in first (botocore's add_auth does the same).
        var signed = SigV4.sign(request, credentials: credentials, region: "us-east-1", service: "service", date: Self.date)
        let authorization = signed.headers.removeLast()
        #expect(authorization.name == "Authorization")
        #expect(SigV4.canonicalRequest(signed).0 == canonical, "\(test)")
        #expect(authorization.value == (try Self.read(test, "authz")), "\(test)")
    }

    @Test func signAddsTheDateTheTokenAndTheAuthorization() {
        let request = SignableRequest(method: "GET", path: "/", headers: [("Host", "ec2.us-east-1.amazonaws.com")])
        var credentials = Self.credentials
        credentials.sessionToken = "token-1"
        let signed = SigV4.sign(request, credentials: credentials, region: "us-east-1", service: "ec2", date: Self.date)
        #expect(signed.headers.map(\.name) == ["Host", "X-Amz-Date", "X-Amz-Security-Token", "Authorization"])
        #expect(signed.headers[1].value == "20150830T123600Z")
        #expect(signed.headers[3].value.contains("SignedHeaders=host;x-amz-date;x-amz-security-token,"))
        #expect(!"\(credentials)".contains("wJalr") && !"\(credentials)".contains("AKID"))
    }
}
