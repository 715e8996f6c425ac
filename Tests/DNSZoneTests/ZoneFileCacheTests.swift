// SPDX-License-Identifier: Apache-2.0
import DNSCore
import Foundation
import Testing

@testable import DNSZone

/// A reload reuses a zone only when no file it was read from has changed.
@Suite struct ZoneFileCacheTests {
    /// A folder of its own per test, removed afterwards.
    final class Folder {
        let path: String
        init() throws {
            path = NSTemporaryDirectory() + "zonecache-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        deinit { try? FileManager.default.removeItem(atPath: path) }

        @discardableResult
        func write(_ name: String, _ text: String) throws -> String {
            let file = path + "/" + name
            try text.write(toFile: file, atomically: false, encoding: .utf8)
            return file
        }
    }

    let origin = try! DNSName(parsing: "corp.")
    /// A clock a day ahead: every file written by the test is old enough to trust its stamp.
    static let tomorrow: @Sendable () -> Int64 = { FileStamp.now + 86_400 }

    func setModified(_ path: String, secondsAgo: Int) throws {
        let date = Date(timeIntervalSinceNow: -Double(secondsAgo))
        try FileManager.default.setAttributes([.modificationDate: date], ofItemAtPath: path)
    }

    func address(_ zone: Zone, _ name: String) throws -> RData? {
        guard case .answer(let set, _) = zone.lookup(try DNSName(parsing: name + ".corp."), type: .A) else { return nil }
        return set.rdatas.first
    }

    @Test func anUnchangedFileIsNotReadAgain() throws {
        let folder = try Folder()
        let file = try folder.write("corp.zone", "$TTL 60\nwww A 10.0.0.1\n")
        let cache = ZoneFileCache(now: Self.tomorrow)
        let first = cache.load(file: file, origin: origin)
        let second = cache.load(file: file, origin: origin)
        #expect(!first.reused)
        #expect(second.reused)
        let a = try first.result.get()
        let b = try second.result.get()
        #expect(a === b)
    }

    @Test func aChangedFileOrIncludeIsReadAgain() throws {
        let folder = try Folder()
        let file = try folder.write("corp.zone", "$TTL 60\nwww A 10.0.0.1\n$INCLUDE more.zone\n")
        try folder.write("more.zone", "db A 10.0.0.2\n")
        let cache = ZoneFileCache(now: Self.tomorrow)
        _ = cache.load(file: file, origin: origin)

        // The same size: only the times tell. Two writes within one clock tick of the file system
        // get the same times (what the real clock's two-second rule guards against), so set them.
        try setModified(file, secondsAgo: 100)
        _ = cache.load(file: file, origin: origin)
        try folder.write("corp.zone", "$TTL 60\nwww A 10.0.0.9\n$INCLUDE more.zone\n")
        try setModified(file, secondsAgo: 99)
        let edited = cache.load(file: file, origin: origin)
        #expect(!edited.reused)
        #expect(try address(edited.result.get(), "www") == .a(IPv4Address(10, 0, 0, 9)))

        #expect(cache.load(file: file, origin: origin).reused)
        try folder.write("more.zone", "db A 10.0.0.33\n")
        let included = cache.load(file: file, origin: origin)
        #expect(!included.reused)
        #expect(try address(included.result.get(), "db") == .a(IPv4Address(10, 0, 0, 33)))
    }

    /// A file replaced by rename (how editors and config tools save) has a new inode.
    @Test func aFileReplacedByRenameIsReadAgain() throws {
        let folder = try Folder()
        let file = try folder.write("corp.zone", "$TTL 60\nwww A 10.0.0.1\n")
        let cache = ZoneFileCache(now: Self.tomorrow)
        _ = cache.load(file: file, origin: origin)
        let staged = try folder.write("corp.zone.new", "$TTL 60\nwww A 10.0.0.5\n")
        #expect(rename(staged, file) == 0)
        let replaced = cache.load(file: file, origin: origin)
        #expect(!replaced.reused)
        #expect(try address(replaced.result.get(), "www") == .a(IPv4Address(10, 0, 0, 5)))
    }

    /// A stamp from within the file system's timestamp granularity proves nothing: not kept.
    @Test func aFileChangedJustNowIsNotTrusted() throws {
        let folder = try Folder()
        let file = try folder.write("corp.zone", "$TTL 60\nwww A 10.0.0.1\n")
        let cache = ZoneFileCache()
        _ = cache.load(file: file, origin: origin)
        #expect(cache.count == 0)
        #expect(!cache.load(file: file, origin: origin).reused)
    }

    @Test func zonesWithErrorsOrGoneAreNotKept() throws {
        let folder = try Folder()
        let broken = try folder.write("broken.zone", "$TTL 60\nwww A 10.0.0.300\n")
        let cache = ZoneFileCache(now: Self.tomorrow)
        guard case .failure = cache.load(file: broken, origin: origin).result else {
            Issue.record("a bad address loaded")
            return
        }
        #expect(cache.count == 0)

        let file = try folder.write("corp.zone", "$TTL 60\nwww A 10.0.0.1\n")
        _ = cache.load(file: file, origin: origin)
        #expect(cache.count == 1)
        try FileManager.default.removeItem(atPath: file)
        let gone = cache.load(file: file, origin: origin)
        #expect(!gone.reused)
        guard case .failure(let errors) = gone.result else {
            Issue.record("a deleted file loaded")
            return
        }
        #expect(errors.errors.first?.message.hasPrefix("cannot read") == true)
        #expect(cache.count == 0)
    }

    @Test func keepOnlyDropsZonesNoLongerConfigured() throws {
        let folder = try Folder()
        let a = try folder.write("a.zone", "$TTL 60\nwww A 10.0.0.1\n")
        let b = try folder.write("b.zone", "$TTL 60\nwww A 10.0.0.2\n")
        let cache = ZoneFileCache(now: Self.tomorrow)
        _ = cache.load(file: a, origin: origin)
        _ = cache.load(file: b, origin: origin)
        #expect(cache.count == 2)
        cache.keep(only: [(a, origin)])
        #expect(cache.count == 1)
        #expect(cache.load(file: a, origin: origin).reused)
        // The same file under another origin is another zone.
        #expect(!cache.load(file: a, origin: try DNSName(parsing: "other.")).reused)
    }
}
