// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a file looked like when it was read: device, inode, size, and modification and change
/// times to the nanosecond. A reload compares stamps to skip re-reading zone files that have not
/// changed, as NSD and Knot do with modification times. The change time catches a same-size rewrite
/// whose modification time was put back (`touch -d`, `rsync -t`); the inode catches a replacement by
/// rename.
public struct FileStamp: Equatable, Sendable {
    let device: UInt64
    let inode: UInt64
    let size: Int64
    let modified: timespec
    let changed: timespec

    /// The stamp of `path` now, or nil when it cannot be read.
    public init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        modified = info.st_mtim
        changed = info.st_ctim
    }

    /// Whether the file changed so recently, against `now` in seconds of the same clock
    /// (`CLOCK_REALTIME`), that another write within the file system's timestamp granularity could
    /// leave the same stamp: such a stamp proves nothing (git's "racily clean" problem). Two seconds
    /// covers the coarsest granularity in use (FAT).
    public func isRecent(now: Int64) -> Bool {
        now - Int64(max(modified.tv_sec, changed.tv_sec)) < 2
    }

    public static func == (a: FileStamp, b: FileStamp) -> Bool {
        a.device == b.device && a.inode == b.inode && a.size == b.size
            && a.modified.tv_sec == b.modified.tv_sec && a.modified.tv_nsec == b.modified.tv_nsec
            && a.changed.tv_sec == b.changed.tv_sec && a.changed.tv_nsec == b.changed.tv_nsec
    }

    /// `CLOCK_REALTIME` now in seconds, the clock file times are kept in.
    public static var now: Int64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Int64(time.tv_sec)
    }
}
