// SPDX-License-Identifier: Apache-2.0
import DNSCore

/// One record's data in presentation form, outside a zone file: a Route 53 `Value`, a YAML record.
public enum RDataText {
    /// Parses `text` as the RDATA of `type`, exactly as a zone file line's data would be read
    /// (relative names against `origin`). Fails with what is wrong and at which octet (1-based).
    public static func parse(_ text: String, type: RRType, origin: DNSName) -> Result<RData, RDataTextError> {
        var scanner = ZoneScanner(file: "", text: Array(text.utf8))
        var tokens: [ZoneToken] = []
        var errors: [ZoneFileError] = []
        var all: [ZoneToken] = []
        while scanner.next(&tokens, errors: &errors) != nil { all += tokens }
        if let first = errors.first { return .failure(RDataTextError(message: first.message, column: first.column)) }
        let typeToken = ZoneToken(bytes: ArraySlice(type.description.utf8), quoted: false, line: 1, column: 0)
        var parser = RDataParser(type: type, tokens: all[...], origin: origin, typeToken: typeToken)
        do {
            return .success(try parser.parse())
        } catch {
            return .failure(RDataTextError(message: error.message, column: error.token?.column ?? 0))
        }
    }
}

/// Why a record's text did not parse.
public struct RDataTextError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    /// 1-based octet of the text the problem is at; 0 when it is the whole text.
    public var column: Int
    public var description: String { column > 0 ? "\(message) (at octet \(column))" : message }
}
