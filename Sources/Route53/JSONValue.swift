// SPDX-License-Identifier: Apache-2.0
import Foundation

/// JSON numbers and booleans as Foundation hands them out: both are `NSNumber`, and a number 1
/// casts to `Bool` as readily as `true` does. Its C type tells them apart.
enum JSONValue {
    static func isBoolean(_ value: Any) -> Bool {
        guard let number = value as? NSNumber else { return false }
        return String(cString: number.objCType) == "c"
    }

    /// An integer, never a boolean or a fraction.
    static func integer(_ value: Any?) -> Int? {
        guard let value, !isBoolean(value), let number = value as? NSNumber else { return nil }
        let int = number.intValue
        return Double(int) == number.doubleValue ? int : nil
    }

    /// `true` or `false`, never a number.
    static func boolean(_ value: Any?) -> Bool? {
        guard let value, isBoolean(value) else { return nil }
        return (value as? NSNumber)?.boolValue
    }

    /// A number, or a number written as a string (Route 53 gives coordinates as strings).
    static func double(_ value: Any?) -> Double? {
        if let text = value as? String { return Double(text) }
        guard let value, !isBoolean(value) else { return nil }
        return (value as? NSNumber)?.doubleValue
    }
}
