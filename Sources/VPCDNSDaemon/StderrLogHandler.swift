// SPDX-License-Identifier: Apache-2.0
import Foundation
import Glibc
import Logging

/// One line per message on stderr. Under systemd (JOURNAL_STREAM set) each line starts with the
/// syslog priority `<N>` that journald reads and carries no timestamp (journald adds its own);
/// elsewhere it starts with an ISO 8601 time and the level.
public struct StderrLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String
    private let journald: Bool

    public init(label: String, level: Logger.Level = .info) {
        self.label = label
        self.logLevel = level
        self.journald = ProcessInfo.processInfo.environment["JOURNAL_STREAM"] != nil
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var all = metadata
        if let extra = event.metadata { all.merge(extra) { $1 } }
        let fields = all.sorted { $0.key < $1.key }.map { " \($0.key)=\($0.value)" }.joined()
        let line: String
        if journald {
            line = "<\(StderrLogHandler.priority(event.level))>\(event.message)\(fields)\n"
        } else {
            let time = Date().formatted(.iso8601)
            line = "\(time) \(event.level) \(label): \(event.message)\(fields)\n"
        }
        // One write(2) per line: lines from several threads never interleave.
        var bytes = Array(line.utf8)
        _ = bytes.withUnsafeMutableBytes { Glibc.write(2, $0.baseAddress, $0.count) }
    }

    /// syslog(3) priorities.
    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }
}
