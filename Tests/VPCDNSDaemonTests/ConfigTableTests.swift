// SPDX-License-Identifier: Apache-2.0
import Foundation
import Testing

@testable import VPCDNSDaemon

@Suite struct ConfigTableTests {
    /// `forward.timeout` with value `v` as YAML: `forward:\n  timeout: v`.
    /// A key in a keyed mapping (`health_checks.ID.interval`) goes into an item of its own, with
    /// what the item needs beside it.
    static func yaml(setting key: ConfigKey, to value: String) -> String {
        if key.parent.hasSuffix(".ID") {
            let item = ["type": "tcp", "target": "10.0.0.1:80"].merging([key.name: value]) { $1 }
            let fields = item.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
            return "\(key.parent.dropLast(3)):\n  check-1: {\(fields)}\n"
        }
        if key.parent == "views[]" {
            return "views:\n  - {name: v, \(key.name): \(value)}\n"
        }
        if key.parent == "zones[].records[]" {
            return "zones:\n  - origin: t.example\n    records:\n"
                + "      - {name: a, type: A, ttl: 60, values: [10.0.0.1], set_identifier: x, \(key.name): \(value)}\n"
        }
        return key.parent.isEmpty ? "\(key.name): \(value)\n" : "\(key.parent):\n  \(key.name): \(value)\n"
    }

    /// Every plain key is read: its example parses without a problem and changes what the
    /// loader returns (a key listed but not read, or read into the wrong field, fails here).
    @Test(arguments: ConfigTable.all.filter { $0.value != nil })
    func everyKeyIsRead(_ key: ConfigKey) {
        let (config, errors) = ConfigLoader.read(Self.yaml(setting: key, to: key.example), file: "t.yaml")
        #expect(errors.isEmpty, "\(key.path): \(errors)")
        #expect(key.value!(config) != key.value!(Config()), "\(key.path): \(key.example) read as the default")
    }

    /// A value outside a key's range is refused with its line.
    @Test(arguments: ConfigTable.all.filter { if case .int = $0.kind { true } else { false } })
    func rangesComeFromTheTable(_ key: ConfigKey) {
        guard case .int(let range) = key.kind else { return }
        let errors = ConfigLoader.read(Self.yaml(setting: key, to: "\(range.upperBound + 1)"), file: "t.yaml").1
        #expect(errors.map(\.description).first?.contains("\(key.name) must be a whole number from \(range.lowerBound)") == true)
    }

    @Test func pathsAreUniqueAndEverySectionHasKeys() {
        let paths = ConfigTable.all.map(\.path)
        #expect(Set(paths).count == paths.count)
        for key in ConfigTable.all {
            switch key.kind {
            case .section: #expect(!ConfigTable.names(in: key.path).isEmpty, "\(key.path)")
            case .list: #expect(!ConfigTable.names(in: key.path + "[]").isEmpty, "\(key.path)")
            case .keyed: #expect(!ConfigTable.names(in: key.path + ".ID").isEmpty, "\(key.path)")
            default: break
            }
            if !key.parent.isEmpty {
                var parent = key.parent
                if parent.hasSuffix("[]") { parent.removeLast(2) } else if parent.hasSuffix(".ID") { parent.removeLast(3) }
                #expect(paths.contains(parent), "\(key.path)")
            }
        }
    }

    /// The keys a reload cannot apply, each named when it changed; the live ones never.
    @Test func restartChangesNameTheKeys() throws {
        let running = try ConfigLoader.parse("workers: 2\ncache: {max_ttl: 1h}\ntcp: {max_connections: 5}\n", file: "a").get()
        let new = try ConfigLoader.parse("workers: 4\ncache: {max_ttl: 2h}\ntcp: {max_connections: 9}\n", file: "b").get()
        let changes = ConfigTable.restartChanges(running: running, new: new)
        #expect(changes.map(\.key.path) == ["cache.max_ttl", "workers"])
        #expect(changes.map(\.running) == ["1h", "2"])
        #expect(changes.map(\.new) == ["2h", "4"])
        #expect(ConfigTable.restartChanges(running: running, new: running).isEmpty)
    }

    /// The six settings a reload used to ignore silently are each live or restart-only.
    @Test func theSixOnceIgnoredSettingsAreCovered() {
        let byPath = Dictionary(uniqueKeysWithValues: ConfigTable.all.map { ($0.path, $0) })
        for path in ["workers", "user", "query_log", "metrics"] { #expect(byPath[path]?.reload == .restart, "\(path)") }
        for key in ConfigTable.all where key.parent == "cache" { #expect(key.reload == .restart, "\(key.path)") }
        for key in ConfigTable.all where key.parent == "tcp" { #expect(key.reload == .live, "\(key.path)") }
    }

    @Test func aRemovedKeyIsAWarningNotAnError() {
        let (config, errors) = ConfigLoader.read("workers: 1\npin_workers: true\n", file: "t.yaml")
        #expect(errors.isEmpty)
        #expect(config.warnings.map(\.description) == [
            "t.yaml:2: pin_workers was removed in 0.3.0 and is ignored: its own measurements argued against it (docs/performance.md)"
        ])
    }

    @Test(arguments: [(0.05, "50ms"), (1, "1s"), (90, "90s"), (60, "1m"), (3600, "1h"), (86400, "1d"), (604_800, "7d"), (0.5, "500ms")])
    func durationsPrintAsWritten(_ seconds: Double, _ text: String) {
        #expect(ConfigKey.seconds(seconds) == text)
    }
}

extension ConfigKey: CustomTestStringConvertible {
    public var testDescription: String { path }
}
