// SPDX-License-Identifier: Apache-2.0
import AWS
import Foundation
import Testing

/// The chain's order and refresh, each source real where it can be: files on disk, and STS,
/// IMDSv2 and the container endpoint as stand-ins on loopback. Instance metadata is pointed at
/// loopback (or turned off) in every test, so none reaches for 169.254.169.254.
@Suite struct CredentialChainTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("creds-\(UUID().uuidString)")

    init() throws { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) }

    func file(_ name: String, _ text: String) throws -> String {
        let url = directory.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// An environment with nothing in it but the files' places and no instance metadata.
    func environment(_ extra: [String: String] = [:]) -> [String: String] {
        [
            "HOME": directory.path, "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_SHARED_CREDENTIALS_FILE": directory.appendingPathComponent("none").path,
            "AWS_CONFIG_FILE": directory.appendingPathComponent("none").path,
        ].merging(extra) { $1 }
    }

    static func expiring(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }

    @Test func theEnvironmentComesFirst() throws {
        let credentials = try file("credentials", "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = file-secret\n")
        let chain = CredentialChain(
            environment: environment([
                "AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "env-secret", "AWS_SESSION_TOKEN": "env-token",
                "AWS_SHARED_CREDENTIALS_FILE": credentials,
            ]), region: "us-east-1")
        let found = try chain.current()
        #expect(found.accessKeyID == "AKIDENV" && found.secretAccessKey == "env-secret" && found.sessionToken == "env-token")
        #expect(chain.source == .environment)
        #expect(!"\(found)".contains("env-secret"))
    }

    @Test func sharedFilesByProfile() throws {
        let credentials = try file(
            "credentials", "[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = d\n\n[dns]\naws_access_key_id=AKIDDNS\naws_secret_access_key=s\n")
        let config = try file("config", "[profile ops]\nregion = eu-west-1\naws_access_key_id = AKIDOPS\naws_secret_access_key = o\n")
        let env = environment(["AWS_SHARED_CREDENTIALS_FILE": credentials, "AWS_CONFIG_FILE": config])
        #expect(try CredentialChain(environment: env, region: "us-east-1").current().accessKeyID == "AKIDDEFAULT")
        #expect(try CredentialChain(environment: env.merging(["AWS_PROFILE": "dns"]) { $1 }, region: "us-east-1").current().accessKeyID == "AKIDDNS")
        // A profile named in the configuration: the files alone, even with keys in the environment.
        let named = CredentialChain(
            environment: env.merging(["AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "e"]) { $1 }, profile: "ops",
            region: "us-east-1")
        #expect(try named.current().accessKeyID == "AKIDOPS")
        #expect(named.source == .sharedFiles)
        #expect(throws: AWSError.self) { try CredentialChain(environment: env, profile: "missing", region: "us-east-1").current() }
    }

    @Test func webIdentityThroughSTSAndRefreshedBeforeItExpires() throws {
        let token = try file("token", "eyJ.web-identity-token.sig\n")
        let clock = Clock(Date(timeIntervalSince1970: 1_800_000_000))
        let sts = try LoopbackHTTPServer { request in
            let calls = clock.next()
            let expiry = CredentialChainTests.expiring(clock.now.addingTimeInterval(3600))
            return (200, """
                <AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
                  <AssumeRoleWithWebIdentityResult><Credentials>
                    <AccessKeyId>ASIAWEB\(calls)</AccessKeyId><SecretAccessKey>web-secret</SecretAccessKey>
                    <SessionToken>web-session</SessionToken><Expiration>\(expiry)</Expiration>
                  </Credentials></AssumeRoleWithWebIdentityResult>
                </AssumeRoleWithWebIdentityResponse>
                """)
        }
        defer { sts.stop() }
        let chain = CredentialChain(
            environment: environment(["AWS_WEB_IDENTITY_TOKEN_FILE": token, "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/dns"]),
            region: "us-east-1", stsURL: URL(string: sts.url)!, clock: { clock.now })
        #expect(try chain.current().accessKeyID == "ASIAWEB1")
        #expect(chain.source == .webIdentity)
        let form = sts.requests[0].body
        #expect(form.contains("Action=AssumeRoleWithWebIdentity") && form.contains("WebIdentityToken=eyJ.web-identity-token.sig"))
        #expect(form.contains("RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fdns"))
        #expect(sts.requests[0].headers["authorization"] == nil)
        // Held while more than five minutes are left; fetched again inside them.
        clock.now = clock.now.addingTimeInterval(3600 - 301)
        #expect(try chain.current().accessKeyID == "ASIAWEB1")
        clock.now = clock.now.addingTimeInterval(2)
        #expect(try chain.current().accessKeyID == "ASIAWEB2")
        #expect(sts.requests.count == 2)
    }

    @Test func aFailedRefreshKeepsCredentialsNotYetExpired() throws {
        let clock = Clock(Date(timeIntervalSince1970: 1_800_000_000))
        let failing = FailAfterFirst()
        let container = try LoopbackHTTPServer { request in
            guard request.headers["authorization"] == "container-token", failing.first() else { return (500, "no") }
            let expiry = CredentialChainTests.expiring(clock.now.addingTimeInterval(600))
            return (200, #"{"AccessKeyId": "ASIACONTAINER", "SecretAccessKey": "c", "Token": "t", "Expiration": "\#(expiry)"}"#)
        }
        defer { container.stop() }
        let tokenFile = try file("container-token", "container-token\n")
        let chain = CredentialChain(
            environment: environment([
                "AWS_CONTAINER_CREDENTIALS_FULL_URI": container.url + "/v2/credentials", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": tokenFile,
            ]), region: "us-east-1", clock: { clock.now })
        #expect(try chain.current().accessKeyID == "ASIACONTAINER")
        #expect(chain.source == .container)
        clock.now = clock.now.addingTimeInterval(400)  // inside the margin: a refresh is tried, and fails
        #expect(try chain.current().accessKeyID == "ASIACONTAINER")
        clock.now = clock.now.addingTimeInterval(300)  // expired: nothing to fall back on
        #expect(throws: AWSError.self) { try chain.current() }
    }

    @Test func instanceMetadataV2TokenRoleAndRegion() throws {
        let imds = try LoopbackHTTPServer { request in
            if request.method == "PUT", request.path == "/latest/api/token",
                request.headers["x-aws-ec2-metadata-token-ttl-seconds"] == "21600"
            {
                return (200, "imds-session-token")
            }
            // IMDSv2: without the session token every read is refused.
            guard request.headers["x-aws-ec2-metadata-token"] == "imds-session-token" else { return (401, "") }
            switch request.path {
            case "/latest/meta-data/iam/security-credentials/": return (200, "dns-role\n")
            case "/latest/meta-data/iam/security-credentials/dns-role":
                return (200, #"{"Code": "Success", "AccessKeyId": "ASIAIMDS", "SecretAccessKey": "i", "Token": "t", "Expiration": "2099-01-01T00:00:00Z"}"#)
            case "/latest/meta-data/placement/region": return (200, "eu-central-1")
            default: return (404, "")
            }
        }
        defer { imds.stop() }
        var env = environment(["AWS_EC2_METADATA_SERVICE_ENDPOINT": imds.url])
        env["AWS_EC2_METADATA_DISABLED"] = nil
        let chain = CredentialChain(environment: env, region: "us-east-1")
        let found = try chain.current()
        #expect(found.accessKeyID == "ASIAIMDS" && found.expiration != nil)
        #expect(chain.source == .instanceMetadata)
        #expect(chain.instanceRegion() == "eu-central-1")
    }

    @Test func nothingAnywhereIsOneClearError() {
        let chain = CredentialChain(environment: environment(), region: "us-east-1")
        #expect(throws: AWSError.self) { try chain.current() }
        do {
            _ = try chain.current()
        } catch {
            #expect(error.description.hasPrefix("authentication failed: no credentials"))
        }
    }
}

/// A settable clock, and a call counter, shared with a stand-in's thread.
final class Clock: @unchecked Sendable {
    private let lock = NSLock()
    private var _now: Date
    private var calls = 0
    init(_ now: Date) { _now = now }
    var now: Date {
        get { lock.withLock { _now } }
        set { lock.withLock { _now = newValue } }
    }
    func next() -> Int { lock.withLock { calls += 1; return calls } }
}

final class FailAfterFirst: @unchecked Sendable {
    private let lock = NSLock()
    private var served = false
    func first() -> Bool { lock.withLock { defer { served = true }; return !served } }
}
