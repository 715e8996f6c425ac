// swift-tools-version:6.0
// SPDX-License-Identifier: Apache-2.0
// libFuzzer targets (see run.sh). Built with -sanitize=fuzzer,address; not part of the main build.
import PackageDescription

let package = Package(
    name: "vpcdns-fuzz",
    // `vpcdns` is a link to the repository root made by run.sh (a path package is named by its folder).
    dependencies: [.package(path: "vpcdns")],
    targets: [
        .executableTarget(name: "FuzzMessage", dependencies: [.product(name: "DNSCore", package: "vpcdns")]),
        .executableTarget(
            name: "FuzzZone",
            dependencies: [.product(name: "DNSCore", package: "vpcdns"), .product(name: "DNSZone", package: "vpcdns")]),
        .executableTarget(name: "FuzzDoH", dependencies: [.product(name: "EventIO", package: "vpcdns")]),
        .executableTarget(name: "FuzzConfig", dependencies: [.product(name: "VPCDNSDaemon", package: "vpcdns")]),
        .executableTarget(
            name: "FuzzEngine",
            dependencies: [
                .product(name: "DNSCore", package: "vpcdns"), .product(name: "DNSZone", package: "vpcdns"),
                .product(name: "DNSEngine", package: "vpcdns"),
            ]),
        .executableTarget(
            name: "FuzzRoute53",
            dependencies: [
                .product(name: "DNSCore", package: "vpcdns"), .product(name: "DNSZone", package: "vpcdns"),
                .product(name: "DNSEngine", package: "vpcdns"), .product(name: "Route53", package: "vpcdns"),
            ]),
    ],
    swiftLanguageModes: [.v6]
)
