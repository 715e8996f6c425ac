// SPDX-License-Identifier: Apache-2.0
import DNSCore
import Testing

@testable import DNSZone

@Suite struct ZoneFileParserTests {
    @Test(arguments: [
        ("3600", 3600), ("1h", 3600), ("1h30m", 5400), ("2d", 172800), ("1w", 604800), ("1W2D", 777600),
        ("90s", 90), ("1h30", 3630), ("0", 0),
    ] as [(String, UInt64)])
    func ttlUnits(text: String, seconds: UInt64) {
        #expect(ZoneText.ttl(text) == seconds)
    }

    @Test(arguments: ["", "h", "1x", "1h-", "-1", "1.5h"])
    func ttlRejects(text: String) {
        #expect(ZoneText.ttl(text) == nil)
    }

    /// In-memory files for `$INCLUDE` tests.
    func parser(_ files: [String: String]) -> ZoneFileParser {
        ZoneFileParser { (path) throws(FileReadError) -> [UInt8] in
            guard let text = files[path] else { throw FileReadError(path: path, reason: "No such file or directory") }
            return Array(text.utf8)
        }
    }

    @Test func includeIsRelativeToTheIncludingFile() {
        let p = parser([
            "zones/main.zone": "$TTL 60\n$INCLUDE sub/hosts.inc\n",
            "zones/sub/hosts.inc": "web A 10.0.0.1\n",
        ])
        let result = p.parse(file: "zones/main.zone", origin: name("corp."))
        #expect(result.errors.isEmpty)
        #expect(result.records.map(\.record.description) == ["web.corp.\t60\tIN\tA\t10.0.0.1"])
        #expect(result.records.first?.file == "zones/sub/hosts.inc")
        #expect(result.records.first?.line == 1)
    }

    @Test func includeDepthIsLimited() {
        var files: [String: String] = [:]
        for i in 0..<12 { files["f\(i)"] = "$TTL 60\nh\(i) A 10.0.0.\(i)\n$INCLUDE f\(i + 1)\n" }
        let result = parser(files).parse(file: "f0", origin: name("corp."))
        #expect(result.records.count == ZoneFileParser.maxIncludeDepth)
        #expect(result.errors.map(\.message) == ["$INCLUDE nested deeper than 8 files"])
    }

    @Test func includeCanBeDisabled() {
        let result = ZoneFileParser(allowInclude: false).parse(
            text: Array("$INCLUDE /etc/passwd\n".utf8), file: "x.zone", origin: name("corp."))
        #expect(result.errors.map(\.description) == ["x.zone:1:1: $INCLUDE is not allowed here"])
    }

    @Test func everyErrorIsReportedWithItsPosition() {
        let text = "$TTL 60\na A 10.0.1\nb A 10.0.0.1\nc AAAA nope\n"
        let result = ZoneFileParser().parse(text: Array(text.utf8), file: "internal.corp.zone", origin: name("corp."))
        #expect(result.errors.map(\.description) == [
            "internal.corp.zone:2:5: expected an IPv4 address, found \"10.0.1\"",
            "internal.corp.zone:4:8: expected an IPv6 address, found \"nope\"",
        ])
        #expect(result.records.count == 1)
    }

    @Test func firstOriginIsFound() {
        #expect(ZoneFileParser.firstOrigin(in: Array("; c\n$ORIGIN Internal.Corp.\n".utf8)) == name("internal.corp."))
        #expect(ZoneFileParser.firstOrigin(in: Array("a A 10.0.0.1\n".utf8)) == nil)
    }

    @Test func windowsLineEndingsAndTabs() {
        let text = "$TTL 60\r\nweb\tIN\tA\t10.0.0.1\r\n\tIN\tTXT\t\"x\"\r\n"
        let result = ZoneFileParser().parse(text: Array(text.utf8), file: "crlf.zone", origin: name("corp."))
        #expect(result.errors.isEmpty)
        #expect(result.records.map(\.record.name) == [name("web.corp."), name("web.corp.")])
    }
}
