// SPDX-License-Identifier: Apache-2.0
import ArgumentParser

/// The version this build reports.
let vpcdnsVersion = "0.1.0"

/// Command line of the daemon. For now it only reports its version; serving comes with the
/// daemon module.
struct VPCDNSD: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vpcdnsd",
        abstract: "Private DNS resolver for VPC private hosted zones and interface endpoints.",
        version: vpcdnsVersion
    )

    mutating func run() throws {
        print("vpcdnsd \(vpcdnsVersion)")
    }
}
