// SPDX-License-Identifier: Apache-2.0
import EventIO

/// Where a reply that completes later (an upstream answered) goes: the one way out besides the
/// reply a transport sends at once.
enum ReplyTarget {
    /// To a UDP client, queued for the end of the loop's turn. The server is held unretained: the
    /// worker keeps it until its loop has stopped, and every query then skips a reference count.
    case udp(Unmanaged<UDPServer>, SocketAddress)
    /// On the TCP connection the query came on, which counts it as answered.
    case tcp(TCPConnection)
    /// As the HTTP response to the DoH request that asked.
    case doh(DoHRequest)

    func send(_ reply: [UInt8]) {
        switch self {
        case .udp(let server, let client):
            server._withUnsafeGuaranteedRef { $0.send(reply, to: client) }
        case .tcp(let connection):
            connection.send(reply)
            connection.endQuery()
        case .doh(let request):
            request.respond(reply)
        }
    }
}
