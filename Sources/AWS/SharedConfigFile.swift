// SPDX-License-Identifier: Apache-2.0

/// The AWS shared `credentials` and `config` files: INI sections of `key = value` lines. In
/// `config` a profile's section is `[profile NAME]` (`[default]` stays bare); in `credentials`
/// it is `[NAME]`.
public struct SharedConfigFile: Sendable, Equatable {
    /// Section name (as written, minus brackets) → keys, lower-cased → values.
    public private(set) var sections: [String: [String: String]] = [:]

    public init(text: String) {
        var section: String?
        for raw in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("["), line.hasSuffix("]") {
                let name = line.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
                section = name
                if sections[name] == nil { sections[name] = [:] }
                continue
            }
            // A line that starts with white space continues a nested value (s3 = …): not read here.
            guard let section, raw.first?.isWhitespace != true, let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            sections[section, default: [:]][key] = value
        }
    }

    /// The keys of `profile` in a `credentials` file.
    public func credentialsProfile(_ profile: String) -> [String: String]? { sections[profile] }

    /// The keys of `profile` in a `config` file.
    public func configProfile(_ profile: String) -> [String: String]? {
        profile == "default" ? sections["default"] ?? sections["profile default"] : sections["profile \(profile)"]
    }
}
