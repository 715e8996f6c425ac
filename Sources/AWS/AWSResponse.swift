// SPDX-License-Identifier: Apache-2.0
import Foundation

/// An AWS API's HTTP response, read: the XML of a success, or the class of a failure that the
/// sync treats differently (`AWSError`). Messages never carry the credentials.
enum AWSResponse {
    /// Codes AWS services use for throttling (botocore's retry handler lists the same).
    static let throttlingCodes: Set<String> = [
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException", "RequestLimitExceeded",
        "RequestThrottled", "TooManyRequestsException", "PriorRequestNotComplete", "SlowDown", "BandwidthLimitExceeded",
        "EC2ThrottledException",
    ]
    /// Codes that say the credentials or the signature were refused.
    static let authCodes: Set<String> = [
        "AuthFailure", "InvalidClientTokenId", "SignatureDoesNotMatch", "IncompleteSignature", "MissingAuthenticationToken",
        "InvalidAccessKeyId", "ExpiredToken", "ExpiredTokenException", "RequestExpired", "UnrecognizedClientException",
        "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "InvalidIdentityToken", "OptInRequired",
    ]

    /// The document of a 2xx response, or the error it stands for.
    /// - Parameter secrets: strings to blank out of any message (the credentials in use).
    static func xml(_ response: HTTPResponse, call: String, secrets: [String]) throws(AWSError) -> XMLNode {
        let root = XMLNode.parse(response.body)
        if (200..<300).contains(response.status) {
            guard let root else {
                throw .malformed("\(call): the response is not whole XML (\(response.body.count) bytes; cut off?)")
            }
            return root
        }
        let (code, message) = root.flatMap(AWSXML.error) ?? ("HTTP \(response.status)", "")
        let why = redact("\(call): \(code)\(message.isEmpty ? "" : ": \(message)")", secrets)
        if response.status == 429 || throttlingCodes.contains(code) { throw .throttled(why) }
        if response.status == 401 || response.status == 403 || authCodes.contains(code) { throw .auth(why) }
        if response.status >= 500 { throw .server(response.status, why) }
        throw .client(response.status, why)
    }

    /// `text` with every secret replaced, and at most 300 characters of it.
    static func redact(_ text: String, _ secrets: [String]) -> String {
        var text = text
        for secret in secrets where secret.count >= 4 { text = text.replacingOccurrences(of: secret, with: "<redacted>") }
        return text.count > 300 ? String(text.prefix(300)) + "…" : text
    }
}
