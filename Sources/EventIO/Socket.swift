// SPDX-License-Identifier: Apache-2.0
import CSocketBatch
import Glibc

/// Owns one socket descriptor and closes it in `deinit`. Immutable, so it may be handed to the
/// thread whose loop will serve it.
public final class Socket: @unchecked Sendable {
    public let fd: Int32
    /// The address the socket is bound to (with the kernel's port when 0 was asked for).
    public let localAddress: SocketAddress

    /// Creates a non-blocking socket bound to `address`.
    /// - Parameters:
    ///   - datagram: UDP when true, TCP (listening) when false.
    ///   - reusePort: set SO_REUSEPORT so every worker can bind its own socket to the same address.
    /// - Throws: `EventIOError` naming the call that failed.
    public init(binding address: SocketAddress, datagram: Bool, reusePort: Bool, backlog: Int32 = 1024)
        throws(EventIOError)
    {
        let type = Int32(datagram ? SOCK_DGRAM.rawValue : SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
            | Int32(SOCK_CLOEXEC.rawValue)
        let fd = socket(address.family, type, 0)
        guard fd >= 0 else { throw EventIOError(call: "socket", errno: errno) }
        guard vpcdns_socket_options(fd, address.family, reusePort ? 1 : 0) == 0 else {
            let error = errno
            close(fd)
            throw EventIOError(call: "setsockopt", errno: error)
        }
        let bound = address.withSockAddr { bind(fd, $0, $1) }
        guard bound == 0 else {
            let error = errno
            close(fd)
            throw EventIOError(call: "bind \(address)", errno: error)
        }
        if datagram {
            // Room for bursts while a worker is busy (a reload, a scheduler hiccup): 4 MiB.
            _ = vpcdns_receive_buffer(fd, 4 << 20)
        } else {
            guard listen(fd, backlog) == 0 else {
                let error = errno
                close(fd)
                throw EventIOError(call: "listen \(address)", errno: error)
            }
        }
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0, let local = withUnsafePointer(to: &storage, { SocketAddress(UnsafeRawPointer($0), length: Int(length)) })
        else {
            let error = errno
            close(fd)
            throw EventIOError(call: "getsockname", errno: error)
        }
        self.fd = fd
        self.localAddress = local
    }

    deinit { close(fd) }

    /// Makes this datagram socket's SO_REUSEPORT group (`sockets` of them, numbered in the order
    /// they were bound) hand each datagram to the socket of the CPU that received it: that CPU's
    /// rank in `cpus` (the process's, `CPUAffinity.current()`), mod `sockets`; a CPU not in `cpus`,
    /// its number mod `sockets`.
    /// - Throws: `EventIOError` when the kernel refuses the program (before Linux 4.5, or no BPF).
    public func steerByCPU(sockets: Int, cpus: [Int]) throws(EventIOError) {
        let list = cpus.map { Int32(clamping: $0) }
        guard vpcdns_steer_by_cpu(fd, UInt32(sockets), list, Int32(list.count)) == 0 else {
            throw EventIOError(call: "setsockopt SO_ATTACH_REUSEPORT_CBPF", errno: errno)
        }
    }
}

/// A non-blocking UDP socket connected to `remote`: the kernel picks a random source port
/// (RFC 5452 §10) and drops datagrams from any other address. The caller closes it.
/// - Throws: `EventIOError` naming the call that failed.
func connectedDatagramSocket(to remote: SocketAddress) throws(EventIOError) -> Int32 {
    let fd = socket(remote.family, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { throw EventIOError(call: "socket", errno: errno) }
    guard remote.withSockAddr({ connect(fd, $0, $1) }) == 0 else {
        let error = errno
        close(fd)
        throw EventIOError(call: "connect \(remote)", errno: error)
    }
    return fd
}
