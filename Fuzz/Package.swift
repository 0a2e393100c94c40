// swift-tools-version:6.1
// libFuzzer targets (issue 15), kept in their own package so that `make test` never builds
// them: `make fuzz` (tools/fuzz.sh) builds them with `-sanitize=fuzzer,address` into
// .build-fuzz/ and runs each against its committed seed corpus under Fuzz/Corpus/.
//
// Each target's main hands one test function to libFuzzer (LLVMFuzzerRunDriver) over code the server runs on bytes it did not
// write itself or must survive damage in: log records, segment files, snapshot files, history files, the
// WebSocket client frames of both dialects, the REST request bodies, and Redis's replies. A crash, a sanitizer
// report, or a broken property (`preconditionFailure` in the target) is a finding.
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "parley-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "parley", path: ".."),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.0"),
    ],
    targets: [
        // LLVMFuzzerRunDriver's declaration: each target's main hands its test to libFuzzer.
        .target(name: "CFuzzerDriver"),
        .target(name: "FuzzSupport", dependencies: ["CFuzzerDriver"], swiftSettings: swiftSettings),
        .executableTarget(
            name: "EventCodecFuzzer",
            dependencies: ["FuzzSupport", .product(name: "ParleyModel", package: "parley")],
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "SegmentScannerFuzzer",
            dependencies: ["FuzzSupport", .product(name: "ParleyLog", package: "parley")],
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "SnapshotLoaderFuzzer",
            dependencies: [
                "FuzzSupport", .product(name: "ParleySnapshot", package: "parley"), .product(name: "ParleyStorage", package: "parley"),
                .product(name: "ParleyModel", package: "parley"),
            ],
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "HistoryFileFuzzer",
            dependencies: [
                "FuzzSupport", .product(name: "ParleyHistory", package: "parley"), .product(name: "ParleyLog", package: "parley"),
                .product(name: "ParleyModel", package: "parley"),
            ],
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "ClientFramesFuzzer",
            dependencies: [
                "FuzzSupport", .product(name: "ParleyRealtime", package: "parley"), .product(name: "ParleyModel", package: "parley"),
            ],
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "RedisReplyFuzzer",
            dependencies: ["FuzzSupport", .product(name: "ParleyRedis", package: "parley"), .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "RequestBodiesFuzzer",
            dependencies: [
                "FuzzSupport", .product(name: "ParleyHTTP", package: "parley"), .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings),
    ]
)
