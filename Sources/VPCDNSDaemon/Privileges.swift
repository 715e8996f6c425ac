// SPDX-License-Identifier: Apache-2.0
import CSocketBatch
import Glibc
import Logging

/// Dropping root after the listeners are bound (started as root outside systemd with `user:` set).
enum Privileges {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Switches to `user` and its primary group, with no supplementary groups. A no-op when not root.
    static func drop(to user: String, logger: Logger) throws {
        guard getuid() == 0 || geteuid() == 0 else {
            logger.info("user: \(user) ignored: not running as root")
            return
        }
        guard let entry = getpwnam(user) else { throw Failure(description: "user \"\(user)\" does not exist") }
        let uid = entry.pointee.pw_uid
        let gid = entry.pointee.pw_gid
        // So that a starved background thread may still be put back to normal priority.
        _ = vpcdns_allow_normal_priority()
        guard setgroups(0, nil) == 0 else { throw Failure(description: "setgroups: \(String(cString: strerror(errno)))") }
        guard setgid(gid) == 0 else { throw Failure(description: "setgid(\(gid)): \(String(cString: strerror(errno)))") }
        guard setuid(uid) == 0 else { throw Failure(description: "setuid(\(uid)): \(String(cString: strerror(errno)))") }
        // setuid as root drops every privilege; getting root back must now fail.
        guard setuid(0) != 0 else { throw Failure(description: "privileges were not dropped") }
        logger.info("dropped privileges to \(user) (uid \(uid), gid \(gid))")
    }
}
