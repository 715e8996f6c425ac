// SPDX-License-Identifier: Apache-2.0
import DNSZone

/// One problem in the configuration or in a file it names, as `file:line: message`.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    /// 0 when the problem concerns the whole file (it cannot be read).
    public var line: Int
    public var column: Int
    public var message: String
    /// Said in place of line and column in a file without lines (`record set 3 (www.corp. A)`).
    public var place: String?

    public init(file: String, line: Int, column: Int = 0, place: String? = nil, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.place = place
        self.message = message
    }

    /// A zone file's problem as it stands.
    init(_ error: ZoneFileError) {
        self.init(file: error.file, line: error.line, column: error.column, place: error.place, message: error.message)
    }

    public var description: String {
        if let place { return "\(file): \(place): \(message)" }
        if line == 0 { return "\(file): \(message)" }
        return column > 0 ? "\(file):\(line):\(column): \(message)" : "\(file):\(line): \(message)"
    }
}

/// Every problem found while loading; start-up and reload report them all.
public struct ConfigErrors: Error, Sendable, CustomStringConvertible {
    public var errors: [ConfigError]
    public init(_ errors: [ConfigError]) { self.errors = errors }
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
