// SPDX-License-Identifier: Apache-2.0
import Foundation
import Testing

@testable import VPCDNSDaemon

/// The reference and the man pages in the repository are what the table writes: a key added to
/// the table and not to the files (or the reverse) fails here until `make docs` is run.
@Suite struct ConfigReferenceTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func committed(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    @Test(arguments: ["docs/configuration.md", "man/vpcdnsd.yaml.5", "man/vpcdnsd.8"])
    func committedFilesAreCurrent(_ path: String) throws {
        let generated =
            switch path {
            case "docs/configuration.md": ConfigReference.markdown()
            case "man/vpcdnsd.yaml.5": ConfigReference.manPage()
            default: DaemonManPage.text()
            }
        #expect(try Self.committed(path) == generated, "\(path) is out of date: run `make docs`")
    }

    @Test func everyKeyIsInTheReferenceAndTheManPage() throws {
        let markdown = try Self.committed("docs/configuration.md")
        let man = try Self.committed("man/vpcdnsd.yaml.5")
        for key in ConfigTable.all {
            #expect(markdown.contains("| `\(key.path)` |"), "\(key.path) missing from docs/configuration.md")
            #expect(man.contains(".B \(ConfigReference.roff(key.path))\n"), "\(key.path) missing from vpcdnsd.yaml.5")
        }
    }

    @Test func roffEscapesWhatWouldBeMarkup() {
        #expect(ConfigReference.roff(".hidden") == "\\&.hidden")
        #expect(ConfigReference.roff("a-b\\c") == "a\\-b\\ec")
    }
}
