// SPDX-License-Identifier: Apache-2.0
import EventIO
import Yams

/// Reads typed values out of a composed YAML tree, collecting a `file:line` error for everything
/// that does not fit instead of stopping at the first.
struct YAMLReader {
    let file: String
    var errors: [ConfigError] = []
    /// Problems that do not stop the file from loading (a removed key).
    var warnings: [ConfigError] = []
    /// The DoT upstreams' trust, by CA file, read once per load (`ConfigLoader.upstream`).
    var tlsClients: [String: TLSClientContext] = [:]

    init(file: String) { self.file = file }

    func line(_ node: Node) -> Int { node.mark?.line ?? 1 }

    mutating func error(_ node: Node?, _ message: String) {
        errors.append(ConfigError(file: file, line: node.map(line) ?? 1, message: message))
    }

    /// The entries of a mapping, with the line of each key; keys outside `allowed` are errors
    /// (never ignored silently), keys in `removed` warnings.
    mutating func keyedMapping(
        _ node: Node, _ what: String, allowed: [String], removed: [String: String] = [:]
    ) -> [(key: String, value: Node, line: Int)] {
        guard case .mapping(let mapping) = node else {
            error(node, "\(what) must be a mapping")
            return []
        }
        var entries: [(key: String, value: Node, line: Int)] = []
        var seen: Set<String> = []
        for (keyNode, value) in mapping {
            guard let key = keyNode.scalar?.string else {
                error(keyNode, "keys in \(what) must be plain names")
                continue
            }
            if let why = removed[key] {
                warnings.append(ConfigError(file: file, line: line(keyNode), message: why))
                continue
            }
            guard allowed.contains(key) else {
                error(keyNode, "unknown key \"\(key)\" in \(what) (expected one of: \(allowed.joined(separator: ", ")))")
                continue
            }
            guard seen.insert(key).inserted else {
                error(keyNode, "key \"\(key)\" appears twice in \(what)")
                continue
            }
            entries.append((key, value, line(keyNode)))
        }
        return entries
    }

    /// The entries of a mapping whose keys are those `ConfigTable` lists in `section`; a removed
    /// key is a warning, any other key an error.
    mutating func mapping(_ node: Node, _ what: String, section: String) -> [(key: String, value: Node, line: Int)] {
        keyedMapping(node, what, allowed: ConfigTable.names(in: section), removed: section.isEmpty ? ConfigTable.removed : [:])
    }

    mutating func int(_ node: Node, _ key: ConfigKey) -> Int? {
        guard case .int(let range) = key.kind else { preconditionFailure("\(key.path) is not an integer") }
        return int(node, key.name, range: range)
    }

    mutating func duration(_ node: Node, _ key: ConfigKey) -> Double? {
        guard case .duration(let range) = key.kind else { preconditionFailure("\(key.path) is not a duration") }
        return duration(node, key.name, range: range)
    }

    /// A sequence's items; a single scalar counts as a list of one.
    mutating func list(_ node: Node, _ what: String) -> [Node] {
        switch node {
        case .sequence(let sequence): return Array(sequence)
        case .scalar(let scalar) where scalar.string.isEmpty || scalar.string == "~" || scalar.string == "null": return []
        case .scalar: return [node]
        default:
            error(node, "\(what) must be a list")
            return []
        }
    }

    mutating func string(_ node: Node, _ what: String) -> String? {
        guard case .scalar(let scalar) = node else {
            error(node, "\(what) must be a single value")
            return nil
        }
        return scalar.string
    }

    mutating func bool(_ node: Node, _ what: String) -> Bool? {
        guard let text = string(node, what) else { return nil }
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            error(node, "\(what) must be true or false, found \"\(text)\"")
            return nil
        }
    }

    /// One of `T`'s cases by its name, e.g. `udp_send: io_uring`; an error names them all.
    /// One of the names a `.choice` key lists.
    mutating func choice(_ node: Node, _ key: ConfigKey) -> String? {
        guard case .choice(let names) = key.kind else { preconditionFailure("\(key.path) is not a choice") }
        guard let text = string(node, key.name) else { return nil }
        if names.contains(text) { return text }
        error(node, "\(key.name) must be one of \(names.joined(separator: ", ")), found \"\(text)\"")
        return nil
    }

    mutating func choice<T: CaseIterable & RawRepresentable<String>>(_ node: Node, _ what: String, as _: T.Type = T.self) -> T? {
        guard let text = string(node, what) else { return nil }
        if let value = T(rawValue: text) { return value }
        let names = T.allCases.map(\.rawValue)
        let list = names.count > 1 ? names.dropLast().joined(separator: ", ") + " or " + names.last! : names.joined()
        error(node, "\(what) must be \(list), found \"\(text)\"")
        return nil
    }

    mutating func int(_ node: Node, _ what: String, range: ClosedRange<Int>) -> Int? {
        guard let text = string(node, what) else { return nil }
        guard let value = Int(text.filter { $0 != "_" }), range.contains(value) else {
            error(node, "\(what) must be a whole number from \(range.lowerBound) to \(range.upperBound), found \"\(text)\"")
            return nil
        }
        return value
    }

    /// Seconds: a plain number, or with a unit (`500ms`, `2s`, `1m`, `1h`, `1d`).
    mutating func duration(_ node: Node, _ what: String, range: ClosedRange<Double>) -> Double? {
        guard let text = string(node, what) else { return nil }
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)]
        var value: Double?
        if let plain = Double(text) {
            value = plain
        } else {
            for (suffix, factor) in units where text.hasSuffix(suffix) {
                if let number = Double(text.dropLast(suffix.count)) {
                    value = number * factor
                    break
                }
            }
        }
        guard let value, range.contains(value) else {
            error(node, "\(what) must be a duration from \(range.lowerBound)s to \(range.upperBound)s (e.g. 2s, 500ms), found \"\(text)\"")
            return nil
        }
        return value
    }
}
