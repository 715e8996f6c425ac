// SPDX-License-Identifier: Apache-2.0
// The DoH listener's parsers on untrusted bytes: an HTTP/1.1 request, its DNS message, an answer's TTLs.
import EventIO

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    exerciseDoHParsers(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
