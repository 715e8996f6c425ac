// SPDX-License-Identifier: Apache-2.0
// Any text: the zone parser returns records or errors, never traps; what loads looks up cleanly.
import DNSCore
import DNSZone

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let origin = try! DNSName(parsing: "fuzz.example.")
    let parsed = ZoneFileParser(allowInclude: false).parse(
        text: Array(UnsafeBufferPointer(start: data, count: size)), file: "fuzz.zone", origin: origin)
    if case .success(let zone) = ZoneBuilder.build(origin: origin, records: parsed.records) {
        for record in zone.records.prefix(50) {
            _ = zone.lookup(record.name, type: record.type)
            // A name near 255 octets cannot grow: that throws (Tests/DNSZoneTests/ZoneFuzzRegressionTests).
            if let longer = try? record.name.prepending([UInt8(ascii: "x")]) { _ = zone.lookup(longer, type: .A) }
        }
    }
    return 0
}
