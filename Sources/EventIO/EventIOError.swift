// SPDX-License-Identifier: Apache-2.0
import Glibc

/// A failed libevent or socket call, with the errno read right after it.
public struct EventIOError: Error, Sendable, CustomStringConvertible {
    public let call: String
    public let errno: Int32

    public init(call: String, errno: Int32 = 0) {
        self.call = call
        self.errno = errno
    }

    public var description: String {
        errno == 0 ? "\(call) failed" : "\(call) failed: \(String(cString: strerror(errno)))"
    }
}

/// Runs a system call, retrying on EINTR (NIO's `syscall(blocking:)`).
/// - Returns: the call's result, or nil when it would block (EAGAIN/EWOULDBLOCK).
/// - Throws: `EventIOError` with errno for any other failure.
@discardableResult
func systemCall<T: BinaryInteger>(_ name: String, _ body: () -> T) throws(EventIOError) -> T? {
    while true {
        let result = body()
        if result >= 0 { return result }
        let error = Glibc.errno
        if error == EINTR { continue }
        if error == EAGAIN || error == EWOULDBLOCK { return nil }
        throw EventIOError(call: name, errno: error)
    }
}
