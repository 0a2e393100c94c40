// swift-tools-version:6.1
// Micro benchmarks (ordo-one `benchmark`), kept in their own package so that `make test`
// never builds the benchmark framework. Run with `make bench` or, here,
// `swift package --allow-writing-to-package-directory benchmark`.
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "parley-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "parley", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.0", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "LogBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "ParleyLog", package: "parley"),
            ],
            path: "Benchmarks/LogBenchmarks",
            swiftSettings: swiftSettings,
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "SnapshotBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "ParleyLog", package: "parley"),
                .product(name: "ParleyModel", package: "parley"),
                .product(name: "ParleySnapshot", package: "parley"),
                .product(name: "ParleyStorage", package: "parley"),
            ],
            path: "Benchmarks/SnapshotBenchmarks",
            swiftSettings: swiftSettings,
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "HistoryBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "ParleyHistory", package: "parley"),
                .product(name: "ParleyLog", package: "parley"),
                .product(name: "ParleyModel", package: "parley"),
            ],
            path: "Benchmarks/HistoryBenchmarks",
            swiftSettings: swiftSettings,
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "StateBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "ParleyModel", package: "parley"),
            ],
            path: "Benchmarks/StateBenchmarks",
            swiftSettings: swiftSettings,
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
