// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
import Glibc
#endif

/// Asks the kernel to back a large, randomly probed table with transparent huge pages
/// (`madvise(MADV_HUGEPAGE)`): one TLB entry per 2 MiB instead of per 4 KiB, so a probe into a
/// table of millions of names costs one cache miss rather than a cache miss and a page walk. Only
/// the whole 2 MiB pages inside the buffer are advised; smaller buffers are left alone. A hint: if
/// the kernel declines (THP off), nothing changes.
public enum HugePages {
    public static let size = 2 << 20

    public static func advise(_ buffer: UnsafeMutableRawBufferPointer) {
        #if os(Linux)
        guard let base = buffer.baseAddress, buffer.count >= 2 * size else { return }
        let start = (Int(bitPattern: base) + size - 1) & ~(size - 1)
        let end = (Int(bitPattern: base) + buffer.count) & ~(size - 1)
        guard end > start, let pointer = UnsafeMutableRawPointer(bitPattern: start) else { return }
        _ = madvise(pointer, end - start, MADV_HUGEPAGE)
        #endif
    }

    /// An array of `count` zeros whose storage was advised before it was first touched (a page is
    /// made huge when it is first faulted in, not after).
    public static func zeroed<T: FixedWidthInteger>(_ type: T.Type, count: Int) -> [T] {
        [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            advise(UnsafeMutableRawBufferPointer(buffer))
            buffer.initialize(repeating: 0)
            initialized = count
        }
    }
}
