// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "gptimg",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "gptimg", targets: ["gptimg"]),
        .library(name: "PNGMetadata", targets: ["PNGMetadata"]),
        .library(name: "PNGRaster", targets: ["PNGRaster"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2")
    ],
    targets: [
        // libpng and zlib behind plain C functions that return status codes: libpng's
        // setjmp/longjmp error handling never crosses into Swift.
        .target(
            name: "CPNG",
            linkerSettings: [.linkedLibrary("png"), .linkedLibrary("z")]
        ),
        // Chunks, text chunks and generation-metadata formats: pure values, no pixels.
        .target(name: "PNGMetadata", dependencies: ["CPNG"]),
        // Pixels: decode to RGBA, encode, downscale (thumbnails, contact sheets, procedural art).
        .target(name: "PNGRaster", dependencies: ["CPNG"]),
        // The command-line interface: parses, calls a core API, renders the result.
        .target(
            name: "GptimgCLI",
            dependencies: [
                "PNGMetadata",
                "PNGRaster",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "gptimg",
            dependencies: ["GptimgCLI", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // Benchmark helpers: the deterministic corpus generator and an embedding timer.
        .executableTarget(
            name: "gptimg-bench",
            dependencies: [
                "PNGMetadata",
                "PNGRaster",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "bench/Sources/gptimg-bench"
        ),
        // Helpers shared by the test targets (running external tools and the built binary).
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "PNGMetadataTests", dependencies: ["PNGMetadata", "PNGRaster", "TestSupport"]),
        .testTarget(name: "PNGRasterTests", dependencies: ["PNGRaster", "TestSupport"]),
        .testTarget(name: "GptimgCLITests", dependencies: ["GptimgCLI", "PNGMetadata", "PNGRaster", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
