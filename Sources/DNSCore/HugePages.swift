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

    /// `byteCount` octets of fresh anonymous memory (zero, and taking no memory until touched),
    /// starting on a 2 MiB boundary and advised for huge pages, so a table of up to 2 MiB randomly
    /// probed by a hot path costs one TLB entry. Nil if the kernel has no address space to give.
    /// Free it with `unmap(_:byteCount:)`.
    public static func map(byteCount: Int) -> UnsafeMutableRawPointer? {
        #if os(Linux)
        // Over-map by a huge page, then give back what lies before the boundary and after the end.
        let span = byteCount + size
        guard let raw = mmap(nil, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), raw != MAP_FAILED else {
            return nil
        }
        let start = (Int(bitPattern: raw) + size - 1) & ~(size - 1)
        let head = start - Int(bitPattern: raw)
        if head > 0 { munmap(raw, head) }
        let tail = span - head - byteCount
        let base = raw + head
        if tail > 0 { munmap(base + byteCount, tail) }
        if byteCount >= size { _ = madvise(base, byteCount & ~(size - 1), MADV_HUGEPAGE) }
        return base
        #else
        return nil
        #endif
    }

    /// Returns memory from `map(byteCount:)`.
    public static func unmap(_ base: UnsafeMutableRawPointer, byteCount: Int) {
        #if os(Linux)
        munmap(base, byteCount)
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
