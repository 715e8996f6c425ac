// SPDX-License-Identifier: Apache-2.0
// Decode → encode → decode must agree; the header/question fast path must never trap.
import DNSCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? QueryPreview.parse(bytes)
    if let message = try? Message(wire: bytes) {
        guard let again = try? Message(wire: message.encode()), again == message else {
            fatalError("round trip changed the message: \(bytes)")
        }
        _ = message.description
    }
    return 0
}
