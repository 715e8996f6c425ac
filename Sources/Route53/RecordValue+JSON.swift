// SPDX-License-Identifier: Apache-2.0
import Foundation

extension RecordValue {
    /// JSON text, keys sorted and two-space indented as the AWS CLI prints, so a file written from
    /// a value reads back as the same value (`parse(json:)`).
    public var json: String {
        var out = ""
        write(to: &out, indent: "")
        return out + "\n"
    }

    private func write(to out: inout String, indent: String) {
        switch self {
        case .string(let s): out += RecordValue.quoted(s)
        case .integer(let i): out += "\(i)"
        case .number(let d): out += d.isFinite ? "\(d)" : "null"
        case .boolean(let b): out += b ? "true" : "false"
        case .null: out += "null"
        case .list(let items):
            guard !items.isEmpty else { return out += "[]" }
            out += "[\n"
            for (i, item) in items.enumerated() {
                out += indent + "  "
                item.write(to: &out, indent: indent + "  ")
                out += i == items.count - 1 ? "\n" : ",\n"
            }
            out += indent + "]"
        case .object(let fields):
            guard !fields.isEmpty else { return out += "{}" }
            out += "{\n"
            for (i, key) in fields.keys.sorted().enumerated() {
                out += indent + "  " + RecordValue.quoted(key) + ": "
                fields[key]!.write(to: &out, indent: indent + "  ")
                out += i == fields.count - 1 ? "\n" : ",\n"
            }
            out += indent + "}"
        }
    }

    /// A JSON string literal (RFC 8259 §7): quote, backslash and control characters escaped.
    public static func quoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
