// SPDX-License-Identifier: Apache-2.0

/// A failed libevent or socket call, with the errno read right after it.
public struct EventIOError: Error, Sendable, CustomStringConvertible {
    public let call: String
    public let errno: Int32

    public init(call: String, errno: Int32 = 0) {
        self.call = call
        self.errno = errno
    }

    public var description: String { errno == 0 ? "\(call) failed" : "\(call) failed: errno \(errno)" }
}
