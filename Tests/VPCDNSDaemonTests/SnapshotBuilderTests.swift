// SPDX-License-Identifier: Apache-2.0
import Foundation
import Testing

@testable import VPCDNSDaemon

@Suite struct SnapshotBuilderTests {
    /// A zone file that cannot be read is reported at the config line that names it, whatever its
    /// format: the file's own name alone does not say which entry to fix.
    @Test func anUnreadableZoneFileIsReportedWhereTheConfigNamesIt() throws {
        let missing = "/nonexistent-\(UUID().uuidString)"
        let (config, problems) = ConfigLoader.read(
            """
            zones:
              - {file: \(missing).zone, origin: a.test}
              - {file: \(missing).json, format: route53, origin: b.test}
              - \(missing)-c.zone
            """, file: "t.yaml")
        #expect(problems.isEmpty)
        guard case .failure(let errors) = SnapshotBuilder.build(config) else {
            Issue.record("missing zone files were accepted")
            return
        }
        #expect(
            errors.errors.map(\.description) == [
                "t.yaml:2: \(missing).zone: cannot read: No such file or directory",
                "t.yaml:3: \(missing).json: cannot read: No such file or directory",
                "t.yaml:4: \(missing)-c.zone: cannot read: No such file or directory",  // its origin from its $ORIGIN
            ])
    }
}
