// swift-tools-version:6.0
// SPDX-License-Identifier: Apache-2.0
import PackageDescription

let package = Package(
    name: "vpcdns",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "vpcdnsd", targets: ["vpcdnsd"]),
        .library(name: "DNSCore", targets: ["DNSCore"]),
        .library(name: "DNSZone", targets: ["DNSZone"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // Wire codec: names, records, messages, presentation form. No Foundation, no I/O.
        .target(name: "DNSCore"),
        // RFC 1035 master files and the immutable Zone.
        .target(name: "DNSZone", dependencies: ["DNSCore"]),
        // Answers: access control, private-zone answers, (later) the forward decision. Pure.
        .target(name: "DNSEngine", dependencies: ["DNSCore", "DNSZone"]),
        // libevent, seen only by EventIO.
        .systemLibrary(
            name: "CLibevent",
            pkgConfig: "libevent_core",
            providers: [.apt(["libevent-dev"])]
        ),
        // The only importer of CLibevent: loops, timers, signals, sockets.
        // recvmmsg/sendmmsg behind plain structs (the Glibc module lacks _GNU_SOURCE).
        .target(name: "CSocketBatch"),
        .target(name: "EventIO", dependencies: ["CLibevent", "CSocketBatch"]),
        .executableTarget(
            name: "vpcdnsd",
            dependencies: [
                "DNSCore", "DNSZone", "EventIO",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "DNSCoreTests", dependencies: ["DNSCore"]),
        .testTarget(name: "DNSZoneTests", dependencies: ["DNSCore", "DNSZone"]),
        .testTarget(name: "DNSEngineTests", dependencies: ["DNSCore", "DNSZone", "DNSEngine"]),
        .testTarget(name: "EventIOTests", dependencies: ["EventIO"]),
    ],
    swiftLanguageModes: [.v6]
)
