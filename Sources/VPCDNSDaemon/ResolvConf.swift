// SPDX-License-Identifier: Apache-2.0
import EventIO

/// The `nameserver` lines of resolv.conf(5): the default upstreams.
enum ResolvConf {
    /// Addresses in `text`, port 53, in order; IPv6 zone suffixes (`%eth0`) are dropped with the line.
    static func nameservers(in text: String) -> [SocketAddress] {
        text.split(whereSeparator: \.isNewline).compactMap { line in
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 2, fields[0] == "nameserver" else { return nil }
            return SocketAddress(parsing: String(fields[1]), defaultPort: 53)
        }
    }

    /// The nameservers minus the daemon's own listen addresses (forwarding to ourselves would loop).
    /// A wildcard listen address (0.0.0.0 or ::) covers every address on its port.
    static func usable(_ servers: [SocketAddress], listen: [SocketAddress]) -> [SocketAddress] {
        servers.filter { server in
            !listen.contains { own in
                own.port == server.port
                    && (own.ip == server.ip || (own.ip.allSatisfy { $0 == 0 } && own.ip.count == server.ip.count))
            }
        }
    }
}
