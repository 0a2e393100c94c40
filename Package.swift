// swift-tools-version:6.1
import PackageDescription

/// One strict setting list shared by every target (see ../shared/STYLE.md).
let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "parley",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "parley", targets: ["parley"]),
        .executable(name: "parley-load", targets: ["parley-load"]),
        .library(name: "ParleyServer", targets: ["ParleyServer"]),
        .library(name: "ParleyStorage", targets: ["ParleyStorage"]),
        .library(name: "ParleyEngine", targets: ["ParleyEngine"]),
        .library(name: "ParleySnapshot", targets: ["ParleySnapshot"]),
        .library(name: "ParleyHistory", targets: ["ParleyHistory"]),
        .library(name: "ParleyLog", targets: ["ParleyLog"]),
        .library(name: "ParleyModel", targets: ["ParleyModel"]),
        // For the fuzz targets (Fuzz/), which drive the frame and body decoders.
        .library(name: "ParleyRealtime", targets: ["ParleyRealtime"]),
        .library(name: "ParleyHTTP", targets: ["ParleyHTTP"]),
        .library(name: "ParleyWeb", targets: ["ParleyWeb"]),
        // For the fuzz target of the Redis reply reader.
        .library(name: "ParleyRedis", targets: ["ParleyRedis"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.1.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.7.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/vapor/multipart-kit", from: "4.7.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        .package(url: "https://github.com/JohnSundell/Ink", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
    ],
    targets: [
        .target(
            name: "ParleyModel",
            dependencies: [
                // The state's big tables share their storage with a snapshot's copy (StateMap).
                .product(name: "HashTreeCollections", package: "swift-collections"),
            ],
            swiftSettings: swiftSettings
        ),
        .systemLibrary(
            name: "CLZ4",
            pkgConfig: "liblz4",
            providers: [.apt(["liblz4-dev"])]
        ),
        // Intel's ISA-L, for its CRC-32C (crc32_iscsi; Sources/ParleyLog/CRC32C.swift).
        .systemLibrary(
            name: "CISAL",
            pkgConfig: "libisal",
            providers: [.apt(["libisal-dev"])]
        ),
        .systemLibrary(
            name: "CVips",
            pkgConfig: "vips",
            providers: [.apt(["libvips-dev"])]
        ),
        .systemLibrary(
            name: "CStemmer",
            providers: [.apt(["libstemmer-dev"])]
        ),
        // Redis's C client: its reply reader and command formatter (docs/SCALING.md).
        // No pkgConfig: hiredis.pc adds -D_FILE_OFFSET_BITS=64, which SwiftPM refuses with a warning
        // on every build (a no-op on 64-bit Linux); the headers are under /usr/include/hiredis.
        .systemLibrary(
            name: "CHiredis",
            providers: [.apt(["libhiredis-dev"])]
        ),
        // Several nodes on Redis (issue 20): connections on SwiftNIO around hiredis's parser.
        .target(
            name: "ParleyRedis",
            dependencies: [
                "CHiredis",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .systemLibrary(
            name: "CLibXML2",
            pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]
        ),
        .target(
            name: "ParleyKnowledge",
            dependencies: [
                "ParleyModel", "ParleyStorage", "CStemmer", "CLibXML2",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "Ink", package: "Ink"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ParleyAI",
            dependencies: [
                "ParleyModel", "ParleyEngine", "ParleyKnowledge", "ParleyStorage",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ParleyLog",
            dependencies: [
                "CISAL",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ParleySnapshot",
            dependencies: ["CLZ4", "ParleyLog"],
            swiftSettings: swiftSettings
        ),
        // Cold history on disk (issue 16): immutable, indexed, LZ4-compressed history files.
        .target(
            name: "ParleyHistory",
            dependencies: ["ParleyModel", "ParleyLog", "ParleySnapshot"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ParleyStorage",
            dependencies: [
                "ParleyModel", "ParleyLog", "ParleySnapshot", "ParleyHistory", "CVips", "ParleyRedis",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ParleyEngine",
            dependencies: [
                "ParleyModel", "ParleyStorage",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ParleyHTTP",
            dependencies: [
                "ParleyModel", "ParleyEngine", "ParleyStorage", "ParleyHistory", "ParleyWebhooks", "ParleyKnowledge", "ParleyAI",
                .product(name: "MultipartKit", package: "multipart-kit"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ],
            resources: [
                .copy("OpenAPI/native.yaml"), .copy("OpenAPI/omni.yaml"), .copy("OpenAPI/operators.yaml"),
                .copy("OpenAPI/chats.yaml"), .copy("OpenAPI/gateway.yaml"), .copy("OpenAPI/admin.yaml"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ParleyWebhooks",
            dependencies: [
                "ParleyModel", "ParleyStorage",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ParleyRealtime",
            dependencies: [
                "ParleyModel", "ParleyEngine", "ParleyStorage", "ParleyHTTP", "ParleyRedis",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The web clients (issue 17): widget, agent console and demo page, embedded in the binary.
        .target(
            name: "ParleyWeb",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            resources: [
                .embedInCode("Assets/widget.js"), .embedInCode("Assets/console.html"), .embedInCode("Assets/console.js"),
                .embedInCode("Assets/console.css"), .embedInCode("Assets/demo.html"), .embedInCode("Assets/demo.css"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ParleyServer",
            dependencies: [
                "ParleyWeb", "ParleyModel", "ParleyStorage", "ParleySnapshot", "ParleyHistory", "ParleyEngine", "ParleyHTTP", "ParleyRealtime", "ParleyWebhooks", "ParleyKnowledge", "ParleyAI", "ParleyRedis",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "parley",
            dependencies: [
                "ParleyServer", "ParleyStorage", "ParleyHistory", "ParleySnapshot", "ParleyLog", "ParleyModel", "ParleyEngine", "ParleyHTTP",
                "ParleyRealtime", "ParleyWebhooks", "ParleyAI", "ParleyRedis",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "parley-load",
            dependencies: [
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "tools/parley-load",
            swiftSettings: swiftSettings
        ),
        // The floor under `durable`: redis's job (SET, append, fdatasync, +OK) in a minimal
        // SwiftNIO server, for `make bench-peers` (docs/PERFORMANCE.md).
        .executableTarget(
            name: "resp-floor",
            dependencies: [
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "tools/resp-floor",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ParleyTestSupport",
            dependencies: [
                "ParleyLog", "ParleyModel", "ParleySnapshot", "ParleyHistory", "ParleyRedis",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ParleyKnowledgeTests",
            dependencies: ["ParleyKnowledge", "ParleyModel", "ParleyStorage", "ParleyLog", "ParleyTestSupport"],
            resources: [.copy("Samples")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ParleyAITests",
            dependencies: [
                "ParleyAI", "ParleyKnowledge", "ParleyEngine", "ParleyModel", "ParleyStorage", "ParleyLog", "ParleyTestSupport",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ParleyRedisTests",
            dependencies: ["ParleyRedis", "ParleyTestSupport", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "ParleyModelTests", dependencies: ["ParleyModel", "ParleyTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "ParleyLogTests", dependencies: ["ParleyLog", "ParleyTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "ParleySnapshotTests", dependencies: ["ParleySnapshot", "ParleyLog", "ParleyTestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "ParleyHistoryTests", dependencies: ["ParleyHistory", "ParleyModel", "ParleyLog", "ParleyTestSupport"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "ParleyStorageTests",
            dependencies: [
                "ParleyStorage", "ParleyModel", "ParleyLog", "ParleySnapshot", "ParleyHistory", "ParleyEngine", "ParleyTestSupport",
                "ParleyRedis", .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ParleyWebhooksTests",
            dependencies: [
                "ParleyWebhooks", "ParleyModel", "ParleyStorage", "ParleyTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ParleyEngineTests", dependencies: ["ParleyEngine", "ParleyStorage", "ParleyModel", "ParleyLog", "ParleyTestSupport", "ParleyRedis", "ParleySnapshot"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "ParleyHTTPTests",
            dependencies: [
                "ParleyHTTP", "ParleyServer", "ParleyEngine", "ParleyStorage", "ParleyModel", "ParleyLog", "ParleyTestSupport", "ParleyAI",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ParleyRealtimeTests",
            dependencies: [
                "ParleyRealtime", "ParleyServer", "ParleyHTTP", "ParleyEngine", "ParleyStorage", "ParleyModel", "ParleyTestSupport",
                "ParleyWebhooks", "ParleyHistory", "ParleyWeb", "ParleyRedis",
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ParleyLoadTests",
            dependencies: [
                "parley-load", "resp-floor", .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ParleyServerTests",
            dependencies: [
                "ParleyServer", "ParleyTestSupport", "ParleyEngine", "ParleyStorage", "ParleyModel", "ParleyLog", "ParleySnapshot", "ParleyRedis",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
