// SPDX-License-Identifier: Apache-2.0
// Any YAML: the config loader returns a config or file:line errors, never traps.
import VPCDNSDaemon

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    if case .failure(let errors) = ConfigLoader.parse(text, file: "fuzz.yaml") {
        precondition(!errors.errors.isEmpty && errors.errors.allSatisfy { $0.file == "fuzz.yaml" })
    }
    return 0
}
