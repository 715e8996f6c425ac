// SPDX-License-Identifier: Apache-2.0
import DNSCore
import Foundation
import Testing

@testable import DNSZone

/// Inputs the fuzzers found, kept with their bytes inline (Fuzz/run.sh; docs/robustness.md).
@Suite struct ZoneFuzzRegressionTests {
    /// FuzzZone, 2026-11-26: a long $ORIGIN makes owner names of 250+ octets. The parser and builder
    /// were right; the harness trapped prepending a label to such a name (`try!` on nameTooLong).
    /// Kept: loading it, looking every record up, and growing a name past 255 octets must only throw.
    @Test func ownerNamesAtTheLengthLimit() throws {
        let text = Data(base64Encoded:
            "OyBpbnRlcm5hbHJlIG5ldmVyIGdvIHVwc3RyZWFtLgokT1JJR0lOIGludGVybmFsLmNvcnAuJiYmJiYmJiYmJiZjLmludCYm" +
            "JiYmJiYmJiYmJiYmJiYmJiYmAQAAU3Vic3RyaW5nAAAAAAEzMDAKCkAgICAgTiAgICAgICBJTiAgU09BIG5zLTE1MzYuYXdz" +
            "ZG5zLTAwLmNvLnVrLiBhd3Nwc3RyZWFtLgokT1JJR0lOIGludGVybmFsLmNvcnAuJiYmJiYmJiYmJiZjLmludCYmJiYmJiYm" +
            "JiYmJiYmJiYmJiYmJiYKJFRUTCAzMDAKCkAgICAgTiAgIDg2NDAwICkgICAgOyBtaW5tIAogdWltICAgICAgICAgIElOICBO" +
            "UyAgbnMtMTUzNi5hd3NkbnMtMDAuY28udWsuCiAgICAgICAgICAgIElOICBOUyAgbnMtMC5hd3NkbnMtMDAuICAgIGNvbS4K" +
            "CjsgSG9zdHMKZGIgICAgICAgICAgSU4gIEEgJyAgICAgIDEwLjAuMy4xMApkYiAgICAgICAgICBJTiAgQSAgICAgICAxMC4w" +
            "LjMuICAgIDEwLjAuNC4yCgo7IEV2ZXJ5IHBvZCBuYW1lIHVuZGUg4oCUIGFuIGV4YW1wbGUgcHJpdmF0ZWxkIGl0Lgo7IFNl" +
            "cnZlZCBhdXRob3JpdGF0aXZlbHkgYnkgdnBjZG5zZDogbmFtZXMgaGVyZSBuZXZlciBncGNkbnNkOiBuYW1lcyBoZXJlIG5l" +
            "dmVyIGdvIHVwc3RyZWFtLgokT1JJR0lOIGludGVybmFsLmNvcnAuJiYmJiYmJiYmJiZjLmludCYmJiYmJiYmJiYmJiYmJiYm" +
            "JiYmJiYKJFRUTCAzMDAKCkAgICAgTiAgICAgICBJTiAgU09BIG5zLTE1MzYuYXdzZG5zLTAwLmNvLnVrLiBhd3Nwc3RyZWFt" +
            "LgokT1JJR0lOIGludGVybmFsLmNvcnAuJiYmJiYmJiYmJiZjLmludCYmJiYmJiYmJiYmJiYmJiYmJiYAAAAAAAEzMDAKJiYm" +
            "CiRUVEwgMzAwCgpAICAgIE4gICA4NjQwMCApICAgIDsgbWluaW11bQogICAgICAgICAgICBJTiAgTlMgIG5zLTE1MzYuYXdz" +
            "ZG5zLTAwLmNvLnVrLgogICAgICAgICAgICBJTiAgTlMgIG5zLTAuYXdzYiAgICAgICAgICBJTiAgQSAnICAgICAgMTAuMC4z" +
            "LjEwCmRiICAgICAgICAgIElOICBBICAgICAgIDEwLjAuMy4gICAgMTAuMC40LjIKCjsgRXZlcnkgcG9kIG5hbWUgdW5kZXIg" +
            "azhzIGFuc3dlcnMgd2l0aCB0aP//////////////////ICJ2PXNwZjEgaXA0OjEwLjAuMC4wLzE2IC1hbGwiCg=="
        )!
        let origin = try DNSName(parsing: "fuzz.example.")
        let parsed = ZoneFileParser(allowInclude: false).parse(text: Array(text), file: "fuzz.zone", origin: origin)
        guard case .success(let zone) = ZoneBuilder.build(origin: origin, records: parsed.records) else {
            Issue.record("the zone built when the fuzzer found it")
            return
        }
        var longest = 0
        for record in zone.records {
            longest = max(longest, record.name.wire.count)
            _ = zone.lookup(record.name, type: record.type)
            if let longer = try? record.name.prepending([UInt8(ascii: "x")]) {
                _ = zone.lookup(longer, type: .A)
            } else {
                #expect(record.name.wire.count >= 254)
            }
        }
        #expect(longest >= 250 && longest <= 255)
    }
}
