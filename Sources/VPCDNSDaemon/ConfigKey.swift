// SPDX-License-Identifier: Apache-2.0

/// One key of the YAML configuration: its place, its type and range, its default, what it does,
/// and what a reload does with it. The table of them (`ConfigTable`) drives the loader's allowed
/// keys and ranges, the reload warnings, `docs/configuration.md` and `vpcdnsd.yaml(5)`.
public struct ConfigKey: Sendable {
    /// What a SIGHUP does with a changed value.
    public enum Reload: Sendable, Equatable {
        /// The new value is used from the reload on.
        case live
        /// The running value stays until a restart; a reload that finds it changed logs a warning
        /// naming the key.
        case restart
    }

    public enum Kind: Sendable {
        /// A mapping of further keys.
        case section
        /// A list of mappings (zones, endpoints, rules); its items' keys are `path[].name`.
        case list
        /// A mapping from names the user picks (health check IDs) to mappings; their keys are
        /// `path.ID.name`.
        case keyed
        case bool
        case int(ClosedRange<Int>)
        /// Seconds: a plain number or with a unit (`500ms`, `2s`, `1m`, `1h`, `1d`).
        case duration(ClosedRange<Double>)
        case choice([String])
        case string
        /// A list of strings (a single one counts as a list of one).
        case strings
        case path
        case domain
        /// `ADDRESS[:PORT]`.
        case address(defaultPort: UInt16)
        case addresses(defaultPort: UInt16)
        /// `listen`: `ADDRESS[:PORT]` or `tls://ADDRESS[:PORT]`.
        case listeners
        /// Upstreams: `ADDRESS[:PORT]`, `tls://ADDRESS[:PORT]#NAME`, or a mapping.
        case upstreams
        /// Addresses or prefixes (`10.0.0.0/8`, `::1`).
        case prefixes
        /// A mapping of names the user picks to strings (subnets to Availability Zones).
        case pairs
    }

    /// Dotted place in the file: `forward.timeout`; keys of list items as `zones[].file`.
    public let path: String
    public let kind: Kind
    public let reload: Reload
    /// One line for the reference.
    public let doc: String
    /// A value other than the default, for the reference's examples (and the test that every key
    /// is read).
    public let example: String
    /// The default as the reference shows it, where `value` cannot say it (lists, resolv.conf).
    let defaultText: String?
    /// The key's value in a config, as text: the reference's default (`value(Config())`) and the
    /// reload comparison. nil for list items, which have no single value.
    let value: (@Sendable (Config) -> String)?

    /// The last component: `timeout` for `forward.timeout`.
    public let name: String
    /// The section the key sits in: `forward` for `forward.timeout`, `zones[]` for `zones[].file`,
    /// "" at the top.
    public let parent: String

    init(
        _ path: String, _ kind: Kind, reload: Reload = .live, default defaultText: String? = nil, example: String,
        _ doc: String, value: (@Sendable (Config) -> String)? = nil
    ) {
        self.path = path
        let dot = path.lastIndex(of: ".")
        name = String(dot.map { path[path.index(after: $0)...] } ?? path[...])
        parent = dot.map { String(path[..<$0]) } ?? ""
        self.kind = kind
        self.reload = reload
        self.doc = doc
        self.example = example
        self.defaultText = defaultText
        self.value = value
    }

    /// The default as the reference prints it.
    public var defaultDescription: String {
        if let defaultText { return defaultText }
        return value.map { $0(Config()) } ?? "none"
    }

    /// The type as the reference prints it.
    public var typeDescription: String {
        switch kind {
        case .section: "mapping"
        case .list: "list of mappings"
        case .keyed: "mapping of IDs to mappings"
        case .bool: "boolean"
        case .int(let range): "integer, \(range.lowerBound) to \(range.upperBound)"
        case .duration(let range): "duration, \(Self.seconds(range.lowerBound)) to \(Self.seconds(range.upperBound))"
        case .choice(let names): names.joined(separator: " | ")
        case .string: "string"
        case .strings: "list of strings"
        case .path: "path (relative to the config file)"
        case .domain: "domain name"
        case .address(let port): "ADDRESS[:PORT] (port \(port) by default)"
        case .addresses(let port): "list of ADDRESS[:PORT] (port \(port) by default)"
        case .listeners: "list of ADDRESS[:PORT] (port 53), tls://ADDRESS[:PORT] (port 853) or https://ADDRESS[:PORT]/PATH (port 443)"
        case .upstreams: "list of ADDRESS[:PORT] (port 53), tls://ADDRESS[:PORT]#NAME (port 853) or {address, tls}"
        case .prefixes: "list of addresses or prefixes"
        case .pairs: "mapping of strings to strings"
        }
    }

    /// `0.05` → `50ms`, `86400` → `1d`: durations as a user writes them.
    static func seconds(_ value: Double) -> String {
        if value > 0 && value < 1 { return "\(Int((value * 1000).rounded()))ms" }
        for (unit, size) in [("d", 86400.0), ("h", 3600.0), ("m", 60.0)] where value >= size && value.truncatingRemainder(dividingBy: size) == 0 {
            return "\(Int(value / size))\(unit)"
        }
        return value == value.rounded() ? "\(Int(value))s" : "\(value)s"
    }
}
