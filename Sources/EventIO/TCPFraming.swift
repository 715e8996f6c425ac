// SPDX-License-Identifier: Apache-2.0
internal import CLibevent

/// Takes one whole 2-octet length-prefixed message (RFC 1035 §4.2.2) off a libevent input buffer, or
/// nil when it has not all arrived yet (partial reads wait for more).
func takeFrame(from input: OpaquePointer) -> [UInt8]? {
    let available = evbuffer_get_length(input)
    guard available >= 2 else { return nil }
    var prefix: (UInt8, UInt8) = (0, 0)
    _ = withUnsafeMutableBytes(of: &prefix) { evbuffer_copyout(input, $0.baseAddress, 2) }
    let length = Int(prefix.0) << 8 | Int(prefix.1)
    guard available >= 2 + length else { return nil }
    evbuffer_drain(input, 2)
    var message = [UInt8](repeating: 0, count: length)
    if length > 0 { _ = message.withUnsafeMutableBytes { evbuffer_remove(input, $0.baseAddress, length) } }
    return message
}
