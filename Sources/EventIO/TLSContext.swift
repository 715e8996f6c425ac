// SPDX-License-Identifier: Apache-2.0
internal import CLibevent
import COpenSSL
import DNSCore
import Glibc

/// Why TLS could not be set up or a peer was refused: the file or peer, and OpenSSL's reason.
/// Never key material (OpenSSL's reasons name files and checks, not their contents).
public struct TLSError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// OpenSSL's queued errors as one line (and the queue emptied), or `fallback` when none is queued.
func openSSLErrors(or fallback: String) -> String {
    var reasons: [String] = []
    while case let code = ERR_get_error(), code != 0 {
        var text = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &text, text.count)
        // "error:0A000086:SSL routines::certificate verify failed": keep the words, not the codes.
        let line = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        reasons.append(line.split(separator: ":", omittingEmptySubsequences: false).last.map(String.init) ?? line)
    }
    return reasons.isEmpty ? fallback : reasons.joined(separator: "; ")
}

/// A libevent bufferevent over TLS on `fd` (-1: to be connected), accepting or connecting; nil,
/// and `ssl` freed, if it cannot be made. The bufferevent owns `ssl` and the socket (freed and closed
/// with it), and takes a peer that closes without close_notify as an EOF, not an error.
func tlsBufferEvent(on loop: EventLoop, fd: Int32, ssl: OpaquePointer, accepting: Bool, deferCallbacks: Bool = false)
    -> OpaquePointer?
{
    let options = BEV_OPT_CLOSE_ON_FREE.rawValue | (deferCallbacks ? BEV_OPT_DEFER_CALLBACKS.rawValue : 0)
    guard let bev = bufferevent_openssl_socket_new(
        loop.base, fd, ssl, accepting ? BUFFEREVENT_SSL_ACCEPTING : BUFFEREVENT_SSL_CONNECTING, Int32(options))
    else {
        SSL_free(ssl)
        return nil
    }
    bufferevent_openssl_set_allow_dirty_shutdown(bev, 1)
    return bev
}

/// The certificate and key a DoT or DoH listener serves, read whole at start and at each reload
/// that changed them (`ListenerCertificates`; a reload that cannot read them keeps the old context).
/// TLS 1.2 and later.
public final class TLSServerContext: @unchecked Sendable {
    let context: OpaquePointer
    public let certificateFile: String
    /// Protocols offered by ALPN in order of preference (RFC 7301); empty: none is negotiated.
    let alpn: [UInt8]

    public init(certificateFile: String, keyFile: String, alpn protocols: [String] = []) throws(TLSError) {
        ERR_clear_error()
        guard let context = SSL_CTX_new(TLS_server_method()) else { throw TLSError(openSSLErrors(or: "SSL_CTX_new failed")) }
        _ = vpcdns_ctx_set_min_tls12(context)
        guard SSL_CTX_use_certificate_chain_file(context, certificateFile) == 1 else {
            SSL_CTX_free(context)
            throw TLSError("\(certificateFile): cannot use the certificate: \(openSSLErrors(or: "unreadable"))")
        }
        guard SSL_CTX_use_PrivateKey_file(context, keyFile, SSL_FILETYPE_PEM) == 1 else {
            SSL_CTX_free(context)
            throw TLSError("\(keyFile): cannot use the private key: \(openSSLErrors(or: "unreadable"))")
        }
        guard SSL_CTX_check_private_key(context) == 1 else {
            SSL_CTX_free(context)
            throw TLSError("\(keyFile): the private key does not match the certificate in \(certificateFile)")
        }
        self.context = context
        self.certificateFile = certificateFile
        alpn = protocols.flatMap { [UInt8($0.utf8.count)] + Array($0.utf8) }
        if !alpn.isEmpty {
            SSL_CTX_set_alpn_select_cb(context, { ssl, out, outLength, offered, offeredLength, argument in
                guard let argument, let offered else { return SSL_TLSEXT_ERR_NOACK }
                let server = Unmanaged<TLSServerContext>.fromOpaque(argument).takeUnretainedValue()
                return server.alpn.withUnsafeBufferPointer { ours in
                    // Our preference wins; a client offering none of ours goes on without ALPN.
                    var chosen: UnsafeMutablePointer<UInt8>?
                    let r = SSL_select_next_proto(
                        &chosen, outLength, ours.baseAddress, UInt32(ours.count), offered, offeredLength)
                    guard r == OPENSSL_NPN_NEGOTIATED, let chosen else { return SSL_TLSEXT_ERR_NOACK }
                    // `chosen` points into `ours`, which lives as long as the context.
                    out?.pointee = UnsafePointer(chosen)
                    return SSL_TLSEXT_ERR_OK
                }
            }, Unmanaged.passUnretained(self).toOpaque())
        }
    }

    deinit { SSL_CTX_free(context) }

    /// A new server-side session for an accepted connection.
    func newSession() -> OpaquePointer? { SSL_new(context) }
}

/// The trust a DoT or DoH client starts from: the system's CA store, or one CA file. TLS 1.2 and
/// later, the peer always verified (RFC 8310 strict privacy: never a plain fallback).
public final class TLSClientContext: @unchecked Sendable {
    let context: OpaquePointer
    /// nil: the system store.
    public let caFile: String?

    public init(caFile: String?) throws(TLSError) {
        ERR_clear_error()
        guard let context = SSL_CTX_new(TLS_client_method()) else { throw TLSError(openSSLErrors(or: "SSL_CTX_new failed")) }
        _ = vpcdns_ctx_set_min_tls12(context)
        if let caFile {
            guard SSL_CTX_load_verify_locations(context, caFile, nil) == 1 else {
                SSL_CTX_free(context)
                throw TLSError("\(caFile): cannot read the CA certificates: \(openSSLErrors(or: "unreadable"))")
            }
        } else if SSL_CTX_set_default_verify_paths(context) != 1 {
            SSL_CTX_free(context)
            throw TLSError("cannot read the system CA store: \(openSSLErrors(or: "unreadable"))")
        }
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        // TLS 1.3 hands a session ticket over after the handshake: its connection's owner keeps
        // it for the next connection (resumption, RFC 8446 §2.2).
        vpcdns_ctx_client_sessions(context)
        SSL_CTX_sess_set_new_cb(context) { ssl, session in
            guard let ssl, let session, let owner = vpcdns_ssl_get_app_data(ssl) else { return 0 }
            Unmanaged<TLSSessionKeeper>.fromOpaque(owner).takeUnretainedValue().keep(session)
            return 1  // the keeper holds the reference now
        }
        self.context = context
        self.caFile = caFile
    }

    deinit { SSL_CTX_free(context) }
}

/// Who a client expects at the other end (RFC 8310 §8): a name the certificate must hold, and/or
/// the SHA-256 digests of acceptable public keys (RFC 7858 §4.2 SPKI pins). With pins and no name,
/// the pin alone authenticates (the out-of-band key-pinned profile).
public struct TLSPeerIdentity: Sendable, Hashable {
    public var serverName: String?
    public var spkiPins: [[UInt8]]

    public init(serverName: String?, spkiPins: [[UInt8]] = []) {
        self.serverName = serverName
        self.spkiPins = spkiPins
    }

    /// Sets up `ssl` to check this identity during the handshake (the pins are checked after it).
    func configure(_ ssl: OpaquePointer) -> Bool {
        guard let serverName else {
            // Pins alone: the chain is not what authenticates.
            SSL_set_verify(ssl, SSL_VERIFY_NONE, nil)
            return !spkiPins.isEmpty
        }
        if isIPAddress(serverName) {
            // An address is checked against the certificate's IP SANs and never sent as SNI (RFC 6066 §3).
            return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), serverName) == 1
        }
        return SSL_set1_host(ssl, serverName) == 1 && vpcdns_ssl_set_sni(ssl, serverName) == 1
    }

    /// After the handshake: nil when the peer is who we expect, else why not.
    func check(_ ssl: OpaquePointer) -> String? {
        guard !spkiPins.isEmpty else { return nil }
        guard let digest = TLSPeerIdentity.spkiDigest(ssl) else { return "the server sent no certificate" }
        if spkiPins.contains(digest) { return nil }
        return "the server's key (pin-sha256 \(BinaryText.base64(digest))) matches no spki_pins entry"
    }

    /// SHA-256 of the leaf certificate's DER SubjectPublicKeyInfo (RFC 7469 §2.4).
    static func spkiDigest(_ ssl: OpaquePointer) -> [UInt8]? {
        guard let certificate = SSL_get1_peer_certificate(ssl) else { return nil }
        defer { X509_free(certificate) }
        guard let key = X509_get_X509_PUBKEY(certificate) else { return nil }
        var der: UnsafeMutablePointer<UInt8>?
        let length = i2d_X509_PUBKEY(key, &der)
        guard length > 0, let der else { return nil }
        defer { CRYPTO_free(der, #file, #line) }
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var size: UInt32 = 0
        guard EVP_Digest(der, Int(length), &digest, &size, EVP_sha256(), nil) == 1 else { return nil }
        return Array(digest[..<Int(size)])
    }

    /// Why the handshake failed, as precisely as OpenSSL knows.
    static func handshakeFailure(_ ssl: OpaquePointer?, fallback: String) -> String {
        if let ssl {
            let result = SSL_get_verify_result(ssl)
            if result != X509_V_OK {
                ERR_clear_error()
                return "certificate verify failed: \(String(cString: X509_verify_cert_error_string(result)))"
            }
        }
        return openSSLErrors(or: fallback)
    }
}

/// Keeps the session tickets of one client's connections (the session callback finds it through
/// the SSL object's app data).
final class TLSSessionKeeper {
    /// The last session ticket a server gave, offered by the next connection.
    private(set) var session: OpaquePointer?

    func keep(_ new: OpaquePointer) {
        if let session { SSL_SESSION_free(session) }
        session = new
    }

    func forgetSession() {
        if let session { SSL_SESSION_free(session) }
        session = nil
    }

    deinit { forgetSession() }
}

/// Whether `text` is an IPv4 or IPv6 address (not a host name).
func isIPAddress(_ text: String) -> Bool {
    var buffer = [UInt8](repeating: 0, count: 16)
    return inet_pton(AF_INET, text, &buffer) == 1 || inet_pton(AF_INET6, text, &buffer) == 1
}
