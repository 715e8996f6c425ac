// SPDX-License-Identifier: Apache-2.0

/// One problem in a zone file, located like a compiler diagnostic (miekg/dns `ParseError`).
public struct ZoneFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public let file: String
    public let line: Int
    /// 1-based byte column; 0 when the problem is the whole line or file.
    public let column: Int
    public let message: String
    /// Where the problem is in a file without lines (Route 53's JSON: `record set 3 (www.corp. A)`),
    /// said in place of line and column; `line` then only orders the errors.
    public let place: String?

    public init(file: String, line: Int, column: Int, place: String? = nil, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.place = place
        self.message = message
    }

    /// `file:line:column: message` (the column left out when unknown), or `file: place: message`.
    public var description: String {
        if let place { return "\(file): \(place): \(message)" }
        return column > 0 ? "\(file):\(line):\(column): \(message)" : "\(file):\(line): \(message)"
    }
}

/// Every problem found in one load; a load reports them all, not only the first.
public struct ZoneFileErrors: Error, Sendable, CustomStringConvertible {
    public let errors: [ZoneFileError]
    public init(_ errors: [ZoneFileError]) { self.errors = errors }

    /// The errors sorted by file, line and column, as a reader goes through them.
    static func inFileOrder(_ errors: [ZoneFileError]) -> ZoneFileErrors {
        ZoneFileErrors(errors.sorted { ($0.file, $0.line, $0.column) < ($1.file, $1.line, $1.column) })
    }
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
