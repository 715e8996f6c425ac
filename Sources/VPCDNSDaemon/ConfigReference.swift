// SPDX-License-Identifier: Apache-2.0
import Foundation

/// The configuration reference, written from `ConfigTable`: `docs/configuration.md` and the man
/// page `vpcdnsd.yaml(5)`. A test checks that the files in the repository are what this writes, so
/// the reference cannot drift from the loader.
public enum ConfigReference {
    public static let version = "0.3.0"

    /// The sections of the reference: the top-level keys that are plain settings, then each
    /// mapping or list with its keys.
    static var sections: [(title: String, keys: [ConfigKey])] {
        var result: [(String, [ConfigKey])] = []
        var top: [ConfigKey] = []
        for key in ConfigTable.all where key.parent.isEmpty {
            switch key.kind {
            case .section, .list, .keyed:
                let prefix = key.path + (key.kindIsList ? "[]" : "")
                let inside = ConfigTable.all.filter { $0.path.hasPrefix(prefix + ".") }
                result.append((key.path, [key] + inside))
            default:
                top.append(key)
            }
        }
        return [("top level", top)] + result
    }

    static let intro = [
        "vpcdnsd reads one YAML file: by default /etc/vpcdnsd/vpcdnsd.yaml, or the file given with --config.",
        "Paths inside it are relative to the file. Unknown keys are errors, never ignored.",
        "`vpcdnsd check --config FILE` reports every problem as file:line: message and exits 1.",
        "A SIGHUP re-reads the file: keys marked live take effect at once;",
        "a changed restart key keeps its running value, and the reload logs a warning naming it.",
    ]

    // MARK: Markdown

    public static func markdown() -> String {
        var out = """
            # Configuration reference

            <!-- Written by `make docs` from Sources/VPCDNSDaemon/ConfigTable.swift: edit the table, not this file. -->

            \(intro.joined(separator: "\n"))

            Durations are seconds, or a number with a unit: `500ms`, `2s`, `1m`, `1h`, `1d`.
            The annotated example is [`config/vpcdnsd.yaml`](../config/vpcdnsd.yaml).

            """
        for (title, keys) in sections {
            out += "\n## \(title == "top level" ? "Top level" : "`\(title)`")\n\n"
            out += "| key | type | default | reload | meaning |\n|---|---|---|---|---|\n"
            for key in keys {
                let cells = [
                    "`\(key.path)`", key.typeDescription, "`\(key.defaultDescription)`", key.reloadText,
                    key.doc + " Example: `\(key.name): \(key.example)`",
                ]
                out += "| " + cells.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |\n"
            }
        }
        return out
    }

    // MARK: vpcdnsd.yaml(5)

    public static func manPage() -> String {
        var out = """
            .\\" Written by `make docs` from Sources/VPCDNSDaemon/ConfigTable.swift: edit the table, not this file.
            .TH VPCDNSD.YAML 5 "" "vpcdns \(version)" "File Formats"
            .SH NAME
            vpcdnsd.yaml \\- vpcdnsd configuration file
            .SH SYNOPSIS
            .B /etc/vpcdnsd/vpcdnsd.yaml
            .SH DESCRIPTION
            \(roff(intro.joined(separator: "\n").replacingOccurrences(of: "`", with: "")))
            .SH FILE FORMAT
            A YAML mapping.
            Durations are seconds, or a number with a unit:
            .BR 500ms ", " 2s ", " 1m ", " 1h ", " 1d .
            Lists may be written as YAML flow sequences
            .RB ( "[a, b]" )
            or one item a line.
            Keys of list items are shown as
            .IR list []. key .

            """
        for (title, keys) in sections {
            out += ".SH \(title == "top level" ? "TOP-LEVEL KEYS" : roff(title.uppercased()))\n"
            for key in keys {
                out += ".TP\n.B \(roff(key.path))\n"
                out += "\(roff(key.typeDescription)); default \\fI\(roff(key.defaultDescription))\\fR; reload: \(key.reloadText).\n"
                out += ".br\n\(roff(key.doc))\n"
                out += ".br\nExample:\n.B \"\(roff(key.name)): \(roff(key.example).replacingOccurrences(of: "\"", with: "\"\""))\"\n"
            }
        }
        out += """
            .SH FILES
            .TP
            .I /etc/vpcdnsd/vpcdnsd.yaml
            The configuration read when no \\-\\-config is given.
            .TP
            .I /etc/vpcdnsd/zones/
            Zone files named by
            .BR zones .
            .SH SEE ALSO
            .BR vpcdnsd (8),
            .BR unbound.conf (5),
            .BR nsd.conf (5)

            """
        return out
    }

    /// Text safe in a roff line: backslashes doubled, hyphens literal, and no control character
    /// (`.` or `'`) at the start of a line.
    static func roff(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            var escaped = line.replacingOccurrences(of: "\\", with: "\\e").replacingOccurrences(of: "-", with: "\\-")
            if escaped.hasPrefix(".") || escaped.hasPrefix("'") { escaped = "\\&" + escaped }
            return escaped
        }.joined(separator: "\n")
    }
}

extension ConfigKey {
    var kindIsList: Bool {
        if case .list = kind { return true }
        return false
    }

    var reloadText: String { reload == .live ? "live" : "restart" }
}
