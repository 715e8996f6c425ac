// SPDX-License-Identifier: Apache-2.0
import DNSCore
import DNSEngine
import EventIO
import Foundation
import Glibc
import Route53
import Synchronization

/// The query log: one JSON object per line in the record format of Route 53 Resolver query logs
/// (`version`, `query_timestamp`, `query_name`, `query_type`, `query_class`, `rcode`, `answers`,
/// `srcaddr`, `srcport`, `transport`, `srcids`) plus our `resolved_by` (and, for an upstream's
/// answer, `upstream_transport`), so existing parsers work.
/// Workers only append raw entries under a short lock; a writer thread formats and writes them, so
/// a slow disk never blocks serving. Past `maxPending` entries are dropped and counted. `reopen()`
/// (SIGUSR1) reopens the file for log rotation.
public final class QueryLog: Sendable {
    struct Entry: Sendable {
        var time: Double
        var client: SocketAddress
        var transport: String
        var response: [UInt8]
        var resolvedBy: ResolvedBy
        /// The view that answered, with `views:` (Route 53 puts the VPC there).
        var view: String? = nil
        /// For an upstream's answer, how it was asked (`UDP`, `DoT`, `DoH`).
        var upstreamTransport: String? = nil
    }

    public static let maxPending = 100_000

    /// `transport` as Route 53 Resolver writes it: `UDP` and `TCP` for Do53 (its parsers expect
    /// them), `DoT` and `DoH` for the encrypted ones.
    static func name(_ transport: QueryContext.Transport) -> String {
        switch transport {
        case .udp: "UDP"
        case .tcp: "TCP"
        case .tls, .https: transport.label
        }
    }
    private let path: String?
    private let queue = Mutex<(entries: [Entry], reopen: Bool, stopping: Bool)>(([], false, false))
    private let wake = DispatchSemaphore(value: 0)
    private let done = DispatchSemaphore(value: 0)
    private let droppedCount = Mutex(0)

    /// - Parameter destination: a file path (appended to), or `stdout`.
    public init(destination: String) throws {
        path = destination == "stdout" ? nil : destination
        if let path {
            let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw EventIOError(call: "open \(path)", errno: errno) }
            Glibc.close(fd)
        }
        startThread(named: "vpcdnsd-qlog") { [self] in self.writeLoop() }
    }

    /// Entries dropped because the writer fell behind.
    public var dropped: Int { droppedCount.withLock { $0 } }

    func record(_ entry: Entry) {
        let first = queue.withLock { state -> Bool? in
            guard state.entries.count < QueryLog.maxPending else { return nil }
            state.entries.append(entry)
            return state.entries.count == 1
        }
        switch first {
        case nil: droppedCount.withLock { $0 += 1 }
        case true?: wake.signal()
        case false?: break
        }
    }

    /// Reopens the file (after logrotate moved it).
    public func reopen() {
        queue.withLock { $0.reopen = true }
        wake.signal()
    }

    /// Writes what is queued and ends the writer thread.
    public func close() {
        queue.withLock { $0.stopping = true }
        wake.signal()
        done.wait()
    }

    private func openFD() -> Int32 {
        guard let path else { return 1 }
        return open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
    }

    private func writeLoop() {
        var fd = openFD()
        while true {
            wake.wait()
            let (entries, reopen, stopping) = queue.withLock { state in
                defer {
                    state.entries = []
                    state.reopen = false
                }
                return (state.entries, state.reopen, state.stopping)
            }
            if reopen, path != nil {
                if fd > 2 { Glibc.close(fd) }
                fd = openFD()
            }
            if !entries.isEmpty, fd >= 0 {
                var text = ""
                for entry in entries { text += QueryLog.format(entry) + "\n" }
                var bytes = Array(text.utf8)
                var offset = 0
                while offset < bytes.count {
                    let n = bytes.withUnsafeMutableBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
                    if n < 0 && errno == EINTR { continue }
                    if n <= 0 { break }
                    offset += n
                }
            }
            if stopping {
                if fd > 2 { Glibc.close(fd) }
                done.signal()
                return
            }
        }
    }

    /// One record as Route 53 Resolver writes it.
    static func format(_ entry: Entry) -> String {
        let message = try? Message(wire: entry.response)
        let question = message?.questions.first
        let answers = (message?.answers ?? []).map { record in
            "{\"Rdata\":\(json(record.rdata.text(type: record.type))),\"Type\":\(json(record.type.description)),\"Class\":\(json(record.rrClass.description))}"
        }
        let seconds = Int(entry.time)
        let timestamp = Date(timeIntervalSince1970: Double(seconds)).formatted(.iso8601)
        var fields: [(String, String)] = [
            ("version", json("1.100000")),
            ("query_timestamp", json(timestamp)),
            ("query_name", json(question?.name.text ?? "")),
            ("query_type", json(question?.type.description ?? "")),
            ("query_class", json(question?.qclass.description ?? "")),
            ("rcode", json(message?.rcode.description ?? "FORMERR")),
            ("answers", "[" + answers.joined(separator: ",") + "]"),
            ("srcaddr", json(entry.client.ipText)),
            ("srcport", json(String(entry.client.port))),
            ("transport", json(entry.transport)),
            ("srcids", "{\"instance\":\"vpcdnsd\"" + (entry.view.map { ",\"view\":\(json($0))" } ?? "") + "}"),
            ("resolved_by", json(entry.resolvedBy.rawValue)),
        ]
        if let upstream = entry.upstreamTransport { fields.append(("upstream_transport", json(upstream))) }
        return "{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
    }

    /// A JSON string literal (RFC 8259 §7).
    static func json(_ text: String) -> String { RecordValue.quoted(text) }
}
