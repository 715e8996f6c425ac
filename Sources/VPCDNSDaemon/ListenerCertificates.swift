// SPDX-License-Identifier: Apache-2.0
import DNSZone
import EventIO
import Synchronization

/// The DoT and DoH listeners' TLS contexts, kept while their certificate and key files are
/// unchanged: a reload that did not touch the pair keeps serving the context it has, as unchanged
/// zone files are not read again (`ZoneFileCache`). Besides the work, that keeps reloads working
/// where the daemon's user (`user:`) cannot read a key only root can: the key is read again only
/// when it changed. Unchanged: the same `FileStamp` for both files, neither one so recent now that
/// a second write could leave the same stamp. (`ZoneFileCache` also refuses a stamp that was recent
/// when the file was read; here that would re-read, as the daemon's user, a key installed just
/// before the start, and fail every reload after. On the coarse-timestamp file systems that rule
/// guards against, a same-size rewrite in the tick of the first read would go unseen.)
enum ListenerCertificates {
    private struct Loaded {
        let certificate: FileStamp
        let key: FileStamp
        let context: TLSServerContext
    }

    /// By certificate path, key path and ALPN protocols.
    private static let loaded = Mutex<[[String]: Loaded]>([:])

    static func context(certificateFile: String, keyFile: String, alpn: [String] = []) throws(TLSError) -> TLSServerContext {
        let name = [certificateFile, keyFile] + alpn
        let now = FileStamp.now
        // Stamped before the read: a write during it leaves a stale stamp, and the next load reads again.
        let certificate = FileStamp(path: certificateFile)
        let key = FileStamp(path: keyFile)
        if let certificate, let key, !certificate.isRecent(now: now), !key.isRecent(now: now),
            let kept = loaded.withLock({ $0[name] }), kept.certificate == certificate, kept.key == key
        {
            return kept.context
        }
        let context = try TLSServerContext(certificateFile: certificateFile, keyFile: keyFile, alpn: alpn)
        if let certificate, let key {
            loaded.withLock { $0[name] = Loaded(certificate: certificate, key: key, context: context) }
        }
        return context
    }
}
