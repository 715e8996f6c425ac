// swift-tools-version:6.0
// SPDX-License-Identifier: Apache-2.0
import PackageDescription

// Release builds drop the run-time exclusivity checks (swift_beginAccess on every class property
// access in the hot path); debug builds, which the tests run, keep them.
let hotPath: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "vpcdns",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "vpcdnsd", targets: ["vpcdnsd"]),
        .library(name: "DNSCore", targets: ["DNSCore"]),
        .library(name: "DNSZone", targets: ["DNSZone"]),
        .library(name: "DNSEngine", targets: ["DNSEngine"]),
        .library(name: "Route53", targets: ["Route53"]),
        .library(name: "VPCDNSDaemon", targets: ["VPCDNSDaemon"]),
        // For the fuzz targets (FuzzDoH).
        .library(name: "EventIO", targets: ["EventIO"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-atomics", from: "1.3.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        // Wire codec: names, records, messages, presentation form. No Foundation, no I/O.
        .target(name: "DNSCore", swiftSettings: hotPath),
        // RFC 1035 master files and the immutable Zone.
        .target(name: "DNSZone", dependencies: ["DNSCore"], swiftSettings: hotPath),
        // Prefetch, which Swift cannot spell.
        .target(name: "CHints"),
        // Answers: access control, private-zone answers, (later) the forward decision. Pure.
        .target(name: "DNSEngine", dependencies: ["DNSCore", "DNSZone", "CHints"], swiftSettings: hotPath),
        // Route 53's own forms: the JSON of list-resource-record-sets as a zone.
        .target(name: "Route53", dependencies: ["DNSCore", "DNSZone"]),
        // AWS as the source: EC2's endpoint inventory (files, later the APIs).
        .target(name: "AWS", dependencies: ["DNSCore", "DNSZone", "Route53", .product(name: "Crypto", package: "swift-crypto")]),
        // Upstreams, health, coalescing and the shared cache, over the ForwarderIO protocol: no sockets.
        .target(name: "DNSForwarder", dependencies: ["DNSCore", "DNSEngine", "CHints"], swiftSettings: hotPath),
        // libevent, seen only by EventIO.
        .systemLibrary(
            name: "CLibevent",
            pkgConfig: "libevent_core",
            providers: [.apt(["libevent-dev"])]
        ),
        // The only importer of CLibevent: loops, timers, signals, sockets.
        // recvmmsg/sendmmsg and io_uring sends behind plain structs (the Glibc module lacks
        // _GNU_SOURCE). liburing is Debian's liburing-dev.
        .target(name: "CSocketBatch", linkerSettings: [.linkedLibrary("uring")]),
        // Debian's OpenSSL (libssl-dev), for TLS: also seen only by EventIO.
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        // Debian's nghttp2 (libnghttp2-dev), for DNS over HTTPS over HTTP/2: also seen only by EventIO.
        .systemLibrary(name: "CNGHTTP2", pkgConfig: "libnghttp2", providers: [.apt(["libnghttp2-dev"])]),
        .target(name: "EventIO", dependencies: ["DNSCore", "CLibevent", "CSocketBatch", "COpenSSL", "CNGHTTP2"], swiftSettings: hotPath),
        // Config, snapshots, workers, reload, signals: the daemon as a library, so tests can drive it.
        .target(
            name: "VPCDNSDaemon",
            dependencies: [
                "DNSCore", "DNSZone", "DNSEngine", "DNSForwarder", "EventIO", "CSocketBatch", "Route53", "AWS",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: hotPath
        ),
        .executableTarget(
            name: "vpcdnsd",
            dependencies: [
                "VPCDNSDaemon",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "DNSCoreTests", dependencies: ["DNSCore"]),
        .testTarget(name: "DNSZoneTests", dependencies: ["DNSCore", "DNSZone"]),
        .testTarget(name: "DNSEngineTests", dependencies: ["DNSCore", "DNSZone", "DNSEngine"]),
        .testTarget(name: "AWSTests", dependencies: ["DNSCore", "DNSZone", "AWS"]),
        .testTarget(name: "Route53Tests", dependencies: ["DNSCore", "DNSZone", "Route53"]),
        .testTarget(name: "DNSForwarderTests", dependencies: ["DNSCore", "DNSEngine", "DNSForwarder"]),
        .testTarget(name: "EventIOTests", dependencies: ["EventIO", "CSocketBatch"]),
        .testTarget(name: "VPCDNSDaemonTests", dependencies: ["VPCDNSDaemon", "DNSCore", "DNSZone", "DNSEngine", "EventIO", "AWS", "Route53"]),
    ],
    swiftLanguageModes: [.v6]
)
