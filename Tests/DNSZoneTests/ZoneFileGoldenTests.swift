// SPDX-License-Identifier: Apache-2.0
import DNSCore
import Foundation
import Testing

@testable import DNSZone

/// Golden pairs (libzscanner style): each `Fixtures/zonefile/NN_topic.zone` is loaded with origin
/// `example.com.` (or its own `$ORIGIN`) and what comes out (the records in canonical order, or the
/// errors) must equal `NN_topic.expected`. Set `UPDATE_GOLDEN=1` to rewrite the expected files.
@Suite struct ZoneFileGoldenTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/zonefile")

    static let cases: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".zone") }.sorted()
    }()

    @Test func fixturesArePresent() {
        #expect(ZoneFileGoldenTests.cases.count >= 8)
    }

    @Test(arguments: cases)
    func golden(file: String) throws {
        let path = ZoneFileGoldenTests.folder.appendingPathComponent(file).path
        let text = try readWholeFile(path)
        let origin = try ZoneFileParser.firstOrigin(in: text) ?? DNSName(parsing: "example.com.")
        let output: String
        switch ZoneBuilder.load(file: path, origin: origin) {
        case .success(let zone):
            output = zone.records.map(\.description).joined(separator: "\n") + "\n"
        case .failure(let errors):
            output = errors.errors.map(\.description).joined(separator: "\n")
                .replacingOccurrences(of: ZoneFileGoldenTests.folder.path + "/", with: "") + "\n"
        }
        let expectedURL = ZoneFileGoldenTests.folder.appendingPathComponent(
            String(file.dropLast(".zone".count)) + ".expected")
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try output.write(to: expectedURL, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOf: expectedURL, encoding: .utf8)
        #expect(output == expected)
    }

    /// The example zone shipped in config/ loads cleanly.
    @Test func exampleZoneInConfigLoads() throws {
        let path = ZoneFileGoldenTests.folder.deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("config/zones/internal.corp.zone").path
        let zone = try ZoneBuilder.load(file: path, origin: DNSName(parsing: "internal.corp.")).get()
        #expect(zone.recordCount > 10)
        #expect(zone.soaData.minimum == 86400)
    }
}
