// SPDX-License-Identifier: Apache-2.0
import Foundation

/// Finds AWS credentials where the AWS SDKs look, in their order, and keeps them fresh:
/// 1. the environment (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`);
/// 2. web identity (`AWS_WEB_IDENTITY_TOKEN_FILE` and `AWS_ROLE_ARN` → STS
///    AssumeRoleWithWebIdentity: EKS's IRSA);
/// 3. container credentials (`AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` / `_FULL_URI`, with
///    `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` or `_TOKEN`: ECS, EKS Pod Identity);
/// 4. the shared `credentials` and `config` files, for the profile (`profile`, else `AWS_PROFILE`,
///    else `default`);
/// 5. EC2's instance metadata, IMDSv2 (a session token, then the role's credentials).
/// A profile named in the configuration is read from the files alone, as `aws --profile` does.
/// Temporary credentials are fetched again five minutes before they expire.
public final class CredentialChain: @unchecked Sendable {
    /// Where credentials come from, for the log (never the credentials themselves).
    public enum Source: String, Sendable {
        case environment
        case webIdentity = "web identity"
        case container = "container credentials"
        case sharedFiles = "shared credentials files"
        case instanceMetadata = "EC2 instance metadata"
    }

    let environment: [String: String]
    let profile: String?
    let transport: any HTTPTransport
    /// STS's endpoint for web identity; nil: the Region's public one.
    let stsURL: URL?
    let region: String
    let clock: @Sendable () -> Date
    /// Refetch temporary credentials this long before they expire.
    static let refreshMargin: TimeInterval = 300

    private let lock = NSLock()
    private var cached: (credentials: AWSCredentials, source: Source)?

    public init(
        environment: [String: String] = ProcessInfo.processInfo.environment, profile: String? = nil, region: String,
        stsURL: URL? = nil, transport: any HTTPTransport = URLSessionTransport(),
        clock: @escaping @Sendable () -> Date = Date.init
    ) {
        self.environment = environment
        self.profile = profile
        self.region = region
        self.stsURL = stsURL
        self.transport = transport
        self.clock = clock
    }

    /// Where the credentials in use came from; nil before the first call.
    public var source: Source? { lock.withLock { cached?.source } }

    /// The credentials to sign with: the cached ones while they have more than the margin left.
    /// When a refresh fails, credentials not yet expired are still used.
    public func current() throws(AWSError) -> AWSCredentials {
        let now = clock()
        let held = lock.withLock { cached }
        if let held, !needsRefresh(held.credentials, now: now) { return held.credentials }
        do {
            let found = try resolve()
            lock.withLock { cached = found }
            return found.credentials
        } catch {
            if let held, let expiration = held.credentials.expiration, expiration > now { return held.credentials }
            throw error
        }
    }

    func needsRefresh(_ credentials: AWSCredentials, now: Date) -> Bool {
        guard let expiration = credentials.expiration else { return false }
        return now >= expiration.addingTimeInterval(-CredentialChain.refreshMargin)
    }

    /// Tries each source in order; the first that is configured decides.
    func resolve() throws(AWSError) -> (credentials: AWSCredentials, source: Source) {
        if profile != nil {
            if let found = try sharedFiles() { return (found, .sharedFiles) }
            throw .auth("profile \(profile!) has no aws_access_key_id and aws_secret_access_key in the shared files")
        }
        if let found = fromEnvironment() { return (found, .environment) }
        if let found = try webIdentity() { return (found, .webIdentity) }
        if let found = try container() { return (found, .container) }
        if let found = try sharedFiles() { return (found, .sharedFiles) }
        if let found = try instanceMetadata() { return (found, .instanceMetadata) }
        throw .auth(
            "no credentials: none in the environment, no web identity, no container credentials, none in the shared files for profile \(profileName), and no instance metadata")
    }

    var profileName: String { profile ?? environment["AWS_PROFILE"] ?? "default" }

    func fromEnvironment() -> AWSCredentials? {
        guard let key = nonEmpty("AWS_ACCESS_KEY_ID"), let secret = nonEmpty("AWS_SECRET_ACCESS_KEY") else { return nil }
        return AWSCredentials(accessKeyID: key, secretAccessKey: secret, sessionToken: nonEmpty("AWS_SESSION_TOKEN"))
    }

    func webIdentity() throws(AWSError) -> AWSCredentials? {
        guard let tokenFile = nonEmpty("AWS_WEB_IDENTITY_TOKEN_FILE"), let role = nonEmpty("AWS_ROLE_ARN") else { return nil }
        // Read each time: the token is rotated on disk.
        guard let token = try? String(contentsOfFile: tokenFile, encoding: .utf8) else {
            throw .auth("web identity: cannot read AWS_WEB_IDENTITY_TOKEN_FILE \(tokenFile)")
        }
        let session = nonEmpty("AWS_ROLE_SESSION_NAME") ?? "vpcdnsd-\(Int(clock().timeIntervalSince1970))"
        let form = AWSClient.form([
            ("Action", "AssumeRoleWithWebIdentity"), ("Version", "2011-06-15"), ("RoleArn", role), ("RoleSessionName", session),
            ("WebIdentityToken", token.trimmingCharacters(in: .whitespacesAndNewlines)),
        ])
        let url = stsURL ?? AWSClient.endpoint(service: "sts", region: region).url
        // AssumeRoleWithWebIdentity is not signed: the token is the proof.
        let response = try transport.send(
            HTTPRequest(
                method: "POST", url: url, headers: [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")],
                body: Array(form.utf8)), timeout: 10)
        let root = try AWSResponse.xml(response, call: "AssumeRoleWithWebIdentity", secrets: [token])
        guard let keys = root.child("AssumeRoleWithWebIdentityResult")?.child("Credentials"),
            let id = keys.string("AccessKeyId"), let secret = keys.string("SecretAccessKey")
        else { throw .malformed("AssumeRoleWithWebIdentity: no Credentials in the response") }
        return AWSCredentials(
            accessKeyID: id, secretAccessKey: secret, sessionToken: keys.string("SessionToken"),
            expiration: keys.string("Expiration").flatMap(CredentialChain.date))
    }

    func container() throws(AWSError) -> AWSCredentials? {
        let url: URL?
        if let relative = nonEmpty("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") {
            url = URL(string: "http://169.254.170.2" + relative)
        } else if let full = nonEmpty("AWS_CONTAINER_CREDENTIALS_FULL_URI") {
            url = URL(string: full)
        } else {
            return nil
        }
        guard let url else { throw .auth("container credentials: the URI is not a URL") }
        var headers: [(name: String, value: String)] = []
        if let file = nonEmpty("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE") {
            guard let token = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw .auth("container credentials: cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE \(file)")
            }
            headers.append(("Authorization", token.trimmingCharacters(in: .whitespacesAndNewlines)))
        } else if let token = nonEmpty("AWS_CONTAINER_AUTHORIZATION_TOKEN") {
            headers.append(("Authorization", token))
        }
        let response = try transport.send(HTTPRequest(method: "GET", url: url, headers: headers), timeout: 5)
        return try CredentialChain.credentialsJSON(response, from: "container credentials")
    }

    /// The profile's keys in the shared `credentials` file, and in the `config` file.
    private var sharedProfile: (credentials: [String: String]?, config: [String: String]?) {
        let home = environment["HOME"] ?? NSHomeDirectory()
        let credentialsPath = nonEmpty("AWS_SHARED_CREDENTIALS_FILE") ?? "\(home)/.aws/credentials"
        let configPath = nonEmpty("AWS_CONFIG_FILE") ?? "\(home)/.aws/config"
        return (
            (try? String(contentsOfFile: credentialsPath, encoding: .utf8)).flatMap { SharedConfigFile(text: $0).credentialsProfile(profileName) },
            (try? String(contentsOfFile: configPath, encoding: .utf8)).flatMap { SharedConfigFile(text: $0).configProfile(profileName) }
        )
    }

    /// The profile's `region` in the shared config file.
    public func profileRegion() -> String? { sharedProfile.config?["region"] }

    func sharedFiles() throws(AWSError) -> AWSCredentials? {
        let profile = sharedProfile
        for case let keys? in [profile.credentials, profile.config] {
            if let id = keys["aws_access_key_id"], let secret = keys["aws_secret_access_key"] {
                return AWSCredentials(accessKeyID: id, secretAccessKey: secret, sessionToken: keys["aws_session_token"])
            }
        }
        return nil
    }

    /// IMDSv2: a session token (PUT), the role's name, then its credentials. Skipped with
    /// `AWS_EC2_METADATA_DISABLED=true`; `AWS_EC2_METADATA_SERVICE_ENDPOINT` moves it. A host that
    /// is not an EC2 instance answers nothing: one short try, then the chain gives up.
    func instanceMetadata() throws(AWSError) -> AWSCredentials? {
        guard let base = metadataBase else { return nil }
        guard let token = try? metadataToken(base) else { return nil }
        let path = "/latest/meta-data/iam/security-credentials/"
        let names = try metadataGET(base, path, token: token)
        guard let role = String(decoding: names.body, as: UTF8.self).split(whereSeparator: \.isNewline).first else {
            throw .auth("EC2 instance metadata: the instance has no IAM role")
        }
        return try CredentialChain.credentialsJSON(
            try metadataGET(base, path + role, token: token), from: "EC2 instance metadata")
    }

    /// The Region of the EC2 instance this runs on, from its metadata; nil off EC2.
    public func instanceRegion() -> String? {
        guard let base = metadataBase, let token = try? metadataToken(base),
            let response = try? metadataGET(base, "/latest/meta-data/placement/region", token: token)
        else { return nil }
        let region = String(decoding: response.body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return region.isEmpty ? nil : region
    }

    private var metadataBase: String? {
        if environment["AWS_EC2_METADATA_DISABLED"]?.lowercased() == "true" { return nil }
        let base = nonEmpty("AWS_EC2_METADATA_SERVICE_ENDPOINT") ?? "http://169.254.169.254"
        return base.hasSuffix("/") ? String(base.dropLast()) : base
    }

    private func metadataToken(_ base: String) throws(AWSError) -> String {
        guard let url = URL(string: base + "/latest/api/token") else { throw .network("bad metadata endpoint") }
        let response = try transport.send(
            HTTPRequest(method: "PUT", url: url, headers: [("X-aws-ec2-metadata-token-ttl-seconds", "21600")]), timeout: 1)
        guard response.status == 200 else { throw .network("EC2 instance metadata: token refused (HTTP \(response.status))") }
        return String(decoding: response.body, as: UTF8.self)
    }

    private func metadataGET(_ base: String, _ path: String, token: String) throws(AWSError) -> HTTPResponse {
        guard let url = URL(string: base + path) else { throw .network("bad metadata path") }
        let response = try transport.send(
            HTTPRequest(method: "GET", url: url, headers: [("X-aws-ec2-metadata-token", token)]), timeout: 1)
        guard response.status == 200 else { throw .auth("EC2 instance metadata: \(path) answered HTTP \(response.status)") }
        return response
    }

    /// `{AccessKeyId, SecretAccessKey, Token, Expiration}`: what the container endpoints and IMDS give.
    static func credentialsJSON(_ response: HTTPResponse, from: String) throws(AWSError) -> AWSCredentials {
        guard response.status == 200 else { throw .auth("\(from): HTTP \(response.status)") }
        guard let object = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any],
            let id = object["AccessKeyId"] as? String, let secret = object["SecretAccessKey"] as? String
        else { throw .malformed("\(from): no AccessKeyId and SecretAccessKey in the answer") }
        return AWSCredentials(
            accessKeyID: id, secretAccessKey: secret, sessionToken: object["Token"] as? String,
            expiration: (object["Expiration"] as? String).flatMap(date))
    }

    /// ISO 8601, with or without fractional seconds (STS gives `2026-12-07T02:00:00Z`).
    static func date(_ text: String) -> Date? {
        let plain = ISO8601DateFormatter()
        if let date = plain.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)
    }

    private func nonEmpty(_ name: String) -> String? {
        guard let value = environment[name], !value.isEmpty else { return nil }
        return value
    }
}
