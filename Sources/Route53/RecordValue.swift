// SPDX-License-Identifier: Apache-2.0
import Foundation

/// A record set's fields as Route 53's JSON (or the daemon's YAML, in the same shape) gives them:
/// numbers, booleans and strings kept apart, and Sendable, so a configuration can carry them.
public indirect enum RecordValue: Sendable, Equatable {
    case string(String)
    case integer(Int)
    case number(Double)
    case boolean(Bool)
    case list([RecordValue])
    case object([String: RecordValue])
    case null

    public subscript(key: String) -> RecordValue? {
        if case .object(let fields) = self { return fields[key] }
        return nil
    }

    public var string: String? { if case .string(let s) = self { s } else { nil } }
    public var integer: Int? { if case .integer(let i) = self { i } else { nil } }
    public var boolean: Bool? { if case .boolean(let b) = self { b } else { nil } }
    public var list: [RecordValue]? { if case .list(let l) = self { l } else { nil } }
    public var object: [String: RecordValue]? { if case .object(let o) = self { o } else { nil } }
    /// A number, or a number written as a string (Route 53 gives coordinates as strings).
    public var double: Double? {
        switch self {
        case .integer(let i): Double(i)
        case .number(let d): d
        case .string(let s): Double(s)
        default: nil
        }
    }

    /// As the value reads in a message.
    public var text: String {
        switch self {
        case .string(let s): "\"\(s)\""
        case .integer(let i): "\(i)"
        case .number(let d): "\(d)"
        case .boolean(let b): "\(b)"
        case .list: "a list"
        case .object: "an object"
        case .null: "null"
        }
    }

    /// Parses JSON text; the error says where Foundation's parser stopped.
    public static func parse(json bytes: [UInt8]) -> Result<RecordValue, JSONTextError> {
        do {
            return .success(fromJSON(try JSONSerialization.jsonObject(with: Data(bytes), options: [])))
        } catch {
            let text = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
            var line = 1
            if let range = text.range(of: "line "), let n = Int(text[range.upperBound...].prefix { $0.isNumber }) {
                line = n
            } else if let range = text.range(of: "character "), let offset = Int(text[range.upperBound...].prefix { $0.isNumber }),
                offset <= bytes.count
            {
                line = 1 + bytes[..<offset].count { $0 == UInt8(ascii: "\n") }
            }
            return .failure(JSONTextError(line: line, message: text))
        }
    }

    /// What Foundation's JSON parser made. Its numbers and booleans are both `NSNumber` (a number 1
    /// casts to `Bool` as readily as `true` does): the C type tells them apart.
    static func fromJSON(_ any: Any) -> RecordValue {
        switch any {
        case let s as String: return .string(s)
        case let number as NSNumber:
            if String(cString: number.objCType) == "c" { return .boolean(number.boolValue) }
            let int = number.intValue
            return Double(int) == number.doubleValue ? .integer(int) : .number(number.doubleValue)
        case let list as [Any]: return .list(list.map(fromJSON))
        case let object as [String: Any]: return .object(object.mapValues(fromJSON))
        default: return .null
        }
    }
}

/// One record set to load, and where it is for messages.
public struct RecordSetSource: Sendable {
    public enum Place: Sendable, Equatable {
        /// The Nth of a JSON listing's record sets (1-based): `record set N (name type)`.
        case recordSet(Int)
        /// A line of the configuration: `file:line`.
        case line(Int)
    }
    public var value: RecordValue
    public var place: Place

    public init(value: RecordValue, place: Place) {
        self.value = value
        self.place = place
    }
}

/// Text that is not JSON: the line the parser stopped at, and why.
public struct JSONTextError: Error, Sendable {
    public var line: Int
    public var message: String
}
