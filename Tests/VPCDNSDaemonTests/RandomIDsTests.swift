// SPDX-License-Identifier: Apache-2.0
import Testing

@testable import VPCDNSDaemon

@Suite struct RandomIDsTests {
    /// Three refills' worth: every buffer is fresh randomness, not the wiped zeros of the last one
    /// nor a repeat of it. For 6,000 draws of 65,536 values about 5,740 are distinct; a repeated
    /// buffer would give at most 2,048.
    @Test func idsStayUnpredictableAcrossRefills() {
        let ids = RandomIDs()
        let drawn = (0..<6000).map { _ in ids.next() }
        #expect(Set(drawn).count > 5500)
        #expect(drawn.filter { $0 == 0 }.count < 5)
        // Both halves of the range, and both octets vary (an ID is two random octets, not one).
        #expect(drawn.contains { $0 >= 0x8000 } && drawn.contains { $0 < 0x8000 })
        #expect(Set(drawn.map { $0 & 0xFF }).count > 200 && Set(drawn.map { $0 >> 8 }).count > 200)
        // The second buffer is not the first again.
        #expect(Array(drawn[0..<2048]) != Array(drawn[2048..<4096]))
    }
}
