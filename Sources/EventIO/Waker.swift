// SPDX-License-Identifier: Apache-2.0
import Glibc

/// Lets another thread run a callback on a loop's thread: `wake()` is thread-safe; the callback
/// runs later on the loop. Built on a non-blocking pipe, so libevent needs no thread support.
public final class Waker: @unchecked Sendable {
    private let readFD: Int32
    private let writeFD: Int32
    private var watcher: IOWatcher?

    /// - Throws: `EventIOError` if the pipe or its event cannot be made.
    public init(on loop: EventLoop, _ onWake: @escaping () -> Void) throws(EventIOError) {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw EventIOError(call: "pipe", errno: errno) }
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        readFD = fds[0]
        writeFD = fds[1]
        let fd = readFD
        watcher = try IOWatcher(fd: readFD, events: .read, on: loop) { _ in
            var sink = [UInt8](repeating: 0, count: 64)
            while read(fd, &sink, sink.count) > 0 {}
            onWake()
        }
    }

    /// Asks the loop to run the callback; safe from any thread. Wakes are coalesced.
    public func wake() {
        var byte: UInt8 = 1
        _ = write(writeFD, &byte, 1)
    }

    deinit {
        watcher = nil
        close(readFD)
        close(writeFD)
    }
}
