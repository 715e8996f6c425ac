// SPDX-License-Identifier: Apache-2.0
import DNSCore
import Synchronization

/// The zones built from files by the last loads, kept for a reload to reuse when none of the files
/// each was read from (the zone file and its `$INCLUDE`s) has changed: a SIGHUP after editing one
/// small zone does not re-read a large one. A `Zone` is immutable, so the old snapshot and the new
/// one share it. Only zones that loaded without errors are kept.
public final class ZoneFileCache: Sendable {
    private struct Key: Hashable {
        let path: String
        let origin: DNSName
    }

    private struct Entry {
        /// Every file read, with its stamp taken before it was read.
        let files: [(path: String, stamp: FileStamp)]
        let zone: Zone
    }

    private let entries = Mutex<[Key: Entry]>([:])
    /// The clock file stamps are judged against, in seconds (replaceable in tests).
    private let now: @Sendable () -> Int64

    public init(now: @escaping @Sendable () -> Int64 = { FileStamp.now }) {
        self.now = now
    }

    /// Zones kept.
    public var count: Int { entries.withLock { $0.count } }

    /// The zone of `path` as `ZoneBuilder.load` builds it, or the one built before when its files
    /// are unchanged (`reused` says which).
    public func load(file path: String, origin: DNSName) -> (result: Result<Zone, ZoneFileErrors>, reused: Bool) {
        let key = Key(path: path, origin: origin)
        if let entry = entries.withLock({ $0[key] }), entry.files.allSatisfy({ FileStamp(path: $0.path) == $0.stamp }) {
            return (.success(entry.zone), true)
        }
        // Stamp each file before reading it: a write after the stamp shows at the next reload.
        var read: [(path: String, stamp: FileStamp?)] = []
        let parser = ZoneFileParser { (file: String) throws(FileReadError) -> [UInt8] in
            read.append((file, FileStamp(path: file)))
            return try readWholeFile(file)
        }
        let result = ZoneBuilder.load(file: path, origin: origin, parser: parser)
        let time = now()
        entries.withLock { entries in
            if case .success(let zone) = result, read.allSatisfy({ $0.stamp.map { !$0.isRecent(now: time) } ?? false }) {
                entries[key] = Entry(files: read.map { ($0.path, $0.stamp!) }, zone: zone)
            } else {
                entries[key] = nil
            }
        }
        return (result, false)
    }

    /// Drops every zone but those of `paths` (after a load of the whole config: zones no longer
    /// configured are not kept alive).
    public func keep(only paths: [(path: String, origin: DNSName)]) {
        let wanted = Set(paths.map { Key(path: $0.path, origin: $0.origin) })
        entries.withLock { entries in entries = entries.filter { wanted.contains($0.key) } }
    }
}
