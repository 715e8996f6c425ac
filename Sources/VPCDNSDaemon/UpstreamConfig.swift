// SPDX-License-Identifier: Apache-2.0
import DNSCore
import DNSEngine
import DNSZone
import EventIO
import Foundation
import Yams

/// Upstreams and the encrypted listeners in the configuration.
extension ConfigLoader {
    /// A list of upstreams (`forward.upstreams`, a rule's, a view's).
    static func upstreams(_ node: Node, _ reader: inout YAMLReader, _ what: String) -> [Upstream] {
        reader.list(node, what).compactMap { item in
            guard let upstream = upstream(item, &reader, what) else { return nil }
            guard upstream.port != 0 else {
                reader.error(item, "\(what): \(upstream) asks port 0, which no server listens on")
                return nil
            }
            return upstream
        }
    }

    /// `ADDRESS[:PORT]` (Do53, port 53), `tls://ADDRESS[:PORT][#NAME]` (DoT, port 853),
    /// `https://HOST[:PORT]/PATH[#ADDRESS]` (DoH, port 443), or the mapping
    /// `{address: ADDRESS[:PORT], url: https://…, tls: {server_name, ca_file, spki_pins}}`.
    static func upstream(_ node: Node, _ reader: inout YAMLReader, _ what: String) -> Upstream? {
        if case .mapping = node { return structuredUpstream(node, &reader) }
        guard let text = reader.string(node, what) else { return nil }
        if text.hasPrefix("https://") {
            return httpsUpstream(text, address: nil, peer: nil, node, &reader)
        }
        guard text.hasPrefix("tls://") else {
            guard let address = SocketAddress(parsing: text, defaultPort: 53) else {
                reader.error(node, "expected ADDRESS[:PORT] or tls://ADDRESS[:PORT]#NAME in \(what), found \"\(text)\"")
                return nil
            }
            return Upstream(ip: address.ip, port: address.port)
        }
        let rest = text.dropFirst("tls://".count)
        let parts = rest.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = SocketAddress(parsing: String(parts[0]), defaultPort: 853) else {
            reader.error(node, "expected tls://ADDRESS[:PORT]#NAME in \(what), found \"\(text)\"")
            return nil
        }
        let name = parts.count > 1 ? String(parts[1]) : nil
        guard let name, !name.isEmpty else {
            reader.error(node, "\(text): name the server its certificate must match (tls://ADDRESS[:PORT]#NAME), or give spki_pins in the mapping form")
            return nil
        }
        return tlsUpstream(address, Upstream.TLSPeer(serverName: name), node, &reader)
    }

    private static func structuredUpstream(_ node: Node, _ reader: inout YAMLReader) -> Upstream? {
        var address: SocketAddress?
        var addressNode: Node?
        var peer: Upstream.TLSPeer?
        var url: String?
        for (key, value, _) in reader.mapping(node, "an upstream", section: "forward.upstreams[]") {
            switch key {
            case "url": url = reader.string(value, "url")
            case "address":
                addressNode = value
                if let text = reader.string(value, "address") {
                    address = SocketAddress(parsing: text, defaultPort: 853)
                    if address == nil { reader.error(value, "expected ADDRESS[:PORT] in address, found \"\(text)\"") }
                }
            case "tls":
                peer = tlsPeer(value, &reader, nameRequired: url == nil)
            default: break
            }
        }
        if let url {
            guard url.hasPrefix("https://") else {
                reader.error(node, "url must be https://HOST[:PORT]/PATH, found \"\(url)\"")
                return nil
            }
            // The address takes the URL's port unless it names one.
            return httpsUpstream(url, address: addressNode.flatMap { $0.scalar?.string }, peer: peer, node, &reader)
        }
        guard let address else {
            if addressNode == nil { reader.error(node, "an upstream needs an address") }
            return nil
        }
        guard let peer else {
            // Without tls the mapping is a plain upstream, port 53 unless written.
            let port = addressNode.flatMap { $0.scalar?.string }.flatMap { SocketAddress(parsing: $0, defaultPort: nil) }?.port ?? 53
            return Upstream(ip: address.ip, port: port)
        }
        return tlsUpstream(address, peer, node, &reader)
    }

    private static func tlsPeer(_ node: Node, _ reader: inout YAMLReader, nameRequired: Bool = true) -> Upstream.TLSPeer? {
        var peer = Upstream.TLSPeer(serverName: nil)
        var ok = true
        for (key, value, _) in reader.mapping(node, "tls", section: "forward.upstreams[].tls") {
            switch key {
            case "server_name": peer.serverName = reader.string(value, "server_name")
            case "ca_file":
                if let path = reader.string(value, "ca_file") { peer.caFile = resolvePath(path, against: directoryOf(reader.file)) }
            case "spki_pins":
                for item in reader.list(value, "spki_pins") {
                    guard let text = reader.string(item, "a pin") else { continue }
                    // RFC 7469's pin-sha256 value; `sha256/…` as curl and Stubby write it.
                    let encoded = text.hasPrefix("sha256/") ? String(text.dropFirst(7)) : text
                    guard let digest = BinaryText.base64(decoding: Array(encoded.utf8)), digest.count == 32 else {
                        reader.error(item, "spki_pins: expected the base64 of a SHA-256 digest (44 characters), found \"\(text)\"")
                        ok = false
                        continue
                    }
                    peer.spkiPins.append(digest)
                }
            default: break
            }
        }
        guard ok else { return nil }
        if nameRequired && peer.serverName == nil && peer.spkiPins.isEmpty {
            reader.error(node, "tls needs server_name (checked against the certificate), spki_pins, or both")
            return nil
        }
        return peer
    }

    /// A DoH upstream from its URL: the address after `#`, else the host when it is an address,
    /// else the host looked up now with the system's resolver (at start and at each reload).
    private static func httpsUpstream(
        _ url: String, address given: String?, peer givenPeer: Upstream.TLSPeer?, _ node: Node, _ reader: inout YAMLReader
    ) -> Upstream? {
        let parts = url.dropFirst("https://".count).split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
        let rest = parts[0]
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = String(rest[..<slash])
        let path = slash == rest.endIndex ? "/dns-query" : String(rest[slash...])
        var host = authority
        var port: UInt16 = 443
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]"), let p = UInt16(authority[authority.index(after: colon)...]) {
            host = String(authority[..<colon])
            port = p
        }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, path.hasPrefix("/") else {
            reader.error(node, "expected https://HOST[:PORT]/PATH[#ADDRESS], found \"\(url)\"")
            return nil
        }
        var address: SocketAddress?
        if let written = given ?? (parts.count > 1 ? String(parts[1]) : nil) {
            address = SocketAddress(parsing: written, defaultPort: port)
            if address == nil {
                reader.error(node, "\(url): expected an address \(given == nil ? "after #" : "in address"), found \"\(written)\"")
                return nil
            }
        }
        if address == nil, let ip = SocketAddress.parseIP(host) { address = SocketAddress(ip: ip, port: port) }
        if address == nil {
            switch SocketAddress.lookUp(host, port: port) {
            case .success(let found): address = found
            case .failure(let why):
                reader.error(node, "\(url): cannot look up \(host) (\(why)); give its address as \(url)#ADDRESS")
                return nil
            }
        }
        guard let address else { return nil }
        var peer = givenPeer ?? Upstream.TLSPeer(serverName: nil)
        if peer.serverName == nil { peer.serverName = host }
        guard let tls = tlsUpstream(address, peer, node, &reader) else { return nil }
        return Upstream(ip: tls.ip, port: tls.port, transport: .https(Upstream.HTTPSPeer(tls: peer, authority: authority, path: path)))
    }

    /// A DoT upstream, its CA file read now (once per file and load): a bad one is an error here,
    /// with its line, not a failed handshake later.
    private static func tlsUpstream(
        _ address: SocketAddress, _ peer: Upstream.TLSPeer, _ node: Node, _ reader: inout YAMLReader
    ) -> Upstream? {
        let key = peer.caFile ?? ""
        if reader.tlsClients[key] == nil {
            do {
                reader.tlsClients[key] = try TLSClientContext(caFile: peer.caFile)
            } catch {
                reader.error(node, error.description)
                return nil
            }
        }
        return Upstream(ip: address.ip, port: address.port, transport: .tls(peer))
    }

    /// `listen`: `ADDRESS[:PORT]` (UDP and TCP, port 53), `tls://ADDRESS[:PORT]` (DoT, port 853) or
    /// `https://ADDRESS[:PORT]/PATH` (DoH, port 443). An address and port serve one of them: listed
    /// twice, the sockets would share the port (SO_REUSEPORT) and the kernel would hand a DoT
    /// client to the plain listener as often as to its own.
    static func listeners(_ node: Node, _ reader: inout YAMLReader, into config: inout Config) {
        config.listen = []
        config.listenTLS = []
        config.listenHTTPS = []
        var lines: [SocketAddress: Int] = [:]
        for item in reader.list(node, "listen") {
            guard let text = reader.string(item, "listen") else { continue }
            let listener: SocketAddress
            if text.hasPrefix("https://") {
                let rest = text.dropFirst("https://".count)
                let slash = rest.firstIndex(of: "/") ?? rest.endIndex
                let path = slash == rest.endIndex ? "/dns-query" : String(rest[slash...])
                guard let address = SocketAddress(parsing: String(rest[..<slash]), defaultPort: 443), path.hasPrefix("/"),
                    !path.contains("?")
                else {
                    reader.error(item, "expected https://ADDRESS[:PORT]/PATH in listen, found \"\(text)\"")
                    continue
                }
                config.listenHTTPS.append((address, path))
                listener = address
            } else if text.hasPrefix("tls://") {
                guard let address = SocketAddress(parsing: String(text.dropFirst("tls://".count)), defaultPort: 853) else {
                    reader.error(item, "expected tls://ADDRESS[:PORT] in listen, found \"\(text)\"")
                    continue
                }
                config.listenTLS.append(address)
                listener = address
            } else {
                guard let address = address(item, &reader, "listen", defaultPort: 53) else { continue }
                config.listen.append(address)
                listener = address
            }
            // Port 0 (the kernel's choice) is never the same port twice.
            guard listener.port != 0 else { continue }
            if let line = lines[listener] {
                let earlier = line == reader.line(item) ? "listed twice" : "already listed on line \(line)"
                reader.error(item, "listen: \(listener) is \(earlier): an address and port serve one protocol")
            } else {
                lines[listener] = reader.line(item)
            }
        }
        if config.listen.isEmpty && config.listenTLS.isEmpty && config.listenHTTPS.isEmpty && reader.errors.isEmpty {
            reader.error(node, "listen needs at least one address")
        }
    }

    /// `tls`: the certificate of the DoT and DoH listeners and their limits.
    static func tlsListener(_ node: Node, _ reader: inout YAMLReader) -> Config.TLSListener {
        var tls = Config.TLSListener()
        tls.line = reader.line(node)
        for (key, value, _) in reader.mapping(node, "tls", section: "tls") {
            let base = directoryOf(reader.file)
            switch key {
            case "cert_file":
                tls.line = reader.line(value)
                tls.certificateFile = reader.string(value, "cert_file").map { resolvePath($0, against: base) }
            case "key_file": tls.keyFile = reader.string(value, "key_file").map { resolvePath($0, against: base) }
            case "handshake_timeout":
                tls.limits.handshakeTimeout = reader.duration(value, ConfigTable.tlsHandshakeTimeout) ?? tls.limits.handshakeTimeout
            case "max_connections":
                tls.limits.maxConnections = reader.int(value, ConfigTable.tlsMaxConnections) ?? tls.limits.maxConnections
            case "idle_timeout": tls.limits.idleTimeout = reader.duration(value, ConfigTable.tlsIdleTimeout) ?? tls.limits.idleTimeout
            case "max_streams": tls.limits.maxStreams = reader.int(value, ConfigTable.tlsMaxStreams) ?? tls.limits.maxStreams
            default: break
            }
        }
        return tls
    }

    /// The encrypted listeners' certificate, read now unless unchanged since it was last read (a
    /// start or reload with a pair that does not load fails; a reload keeps the old): once for DoT,
    /// once with ALPN h2 and http/1.1 for DoH.
    static func loadCertificate(_ config: inout Config, _ reader: inout YAMLReader) {
        let line = config.tls.line
        switch (config.tls.certificateFile, config.tls.keyFile) {
        case (let certificate?, let key?):
            do {
                if !config.listenTLS.isEmpty {
                    config.tls.context = try ListenerCertificates.context(certificateFile: certificate, keyFile: key)
                }
                if !config.listenHTTPS.isEmpty {
                    config.tls.httpsContext = try ListenerCertificates.context(certificateFile: certificate, keyFile: key, alpn: ["h2", "http/1.1"])
                }
            } catch {
                reader.errors.append(ConfigError(file: reader.file, line: line, message: error.description))
            }
        case (nil, nil):
            if !config.listenTLS.isEmpty || !config.listenHTTPS.isEmpty {
                reader.errors.append(
                    ConfigError(file: reader.file, line: 1, message: "listen has tls:// or https:// addresses: set tls.cert_file and tls.key_file"))
            }
        default:
            reader.errors.append(ConfigError(file: reader.file, line: line, message: "tls needs both cert_file and key_file"))
        }
    }
}
