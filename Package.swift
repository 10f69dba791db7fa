// swift-tools-version: 6.1
import PackageDescription

/// Modules whose per-pixel loops run optimised even in a debug build (`swift build`, `swift test`).
let pixelLoops: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]

let package = Package(
    name: "gptimg",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "gptimg", targets: ["gptimg"]),
        .library(name: "GptimgSupport", targets: ["GptimgSupport"]),
        .library(name: "PNGMetadata", targets: ["PNGMetadata"]),
        .library(name: "PNGRaster", targets: ["PNGRaster"]),
        .library(name: "GptimgAPI", targets: ["GptimgAPI"]),
        .library(name: "GptimgSimulator", targets: ["GptimgSimulator"]),
        .library(name: "GptimgCatalog", targets: ["GptimgCatalog"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        // One trait, not the default two: SwiftPM 6.3 writes a package's trait defines in a different
        // order at each planning, so with two the Hummingbird modules rebuilt (10-20 s) on about half
        // of the `make test` runs. Nothing here reads a swift-configuration ConfigReader.
        .package(
            url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: ["FullFoundation"]),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        // libpng and zlib behind plain C functions that return status codes: libpng's
        // setjmp/longjmp error handling never crosses into Swift.
        .target(
            name: "CPNG",
            // Optimised in a debug build too: its row loops (the perceptual hash's luma pass, the
            // thumbnail's downscale) run for every image a test lands.
            cSettings: [.unsafeFlags(["-O2"], .when(configuration: .debug))],
            linkerSettings: [.linkedLibrary("png"), .linkedLibrary("z")]
        ),
        // The system calls Swift's Glibc module leaves out (copy_file_range).
        .target(name: "CSupport"),
        // What several modules need and none owns: atomic files, directory walks, the read,
        // write and copy loops, the one timestamp type, the one JSON reader and writer, the
        // version, error lines, realpath, and the one ordered concurrent map.
        .target(name: "GptimgSupport", dependencies: ["CSupport"]),
        // Chunks, text chunks and generation-metadata formats: pure values, no pixels.
        .target(name: "PNGMetadata", dependencies: ["CPNG", "GptimgSupport"]),
        // Pixels: decode to RGBA, encode, downscale (thumbnails, contact sheets, procedural art).
        // Optimised in debug builds too: its per-pixel loops unoptimised were most of the CPU time
        // of the tests, `make demo` and a debug gallery (bench/README.md).
        .target(name: "PNGRaster", dependencies: ["CPNG", "GptimgSupport"], swiftSettings: pixelLoops),
        // The gpt-image-2 contract as values: request and response shapes, the API's validation
        // rules, aspect ratios and their pixel sizes, error codes. Shared by client and simulator.
        .target(name: "GptimgAPI", dependencies: ["PNGMetadata", "GptimgSupport"]),
        // Runs a Hummingbird application on loopback for the length of a closure (simulator, gallery).
        // Its HTTP/1 server closes idle connections and ends HTTP/1.0 ones after their response
        // (a NIOHTTP1 handler, ahead of Hummingbird's conversion to HTTPTypes).
        .target(
            name: "LoopbackServing",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // The local gpt-image-2 API simulator (Hummingbird on loopback) and its procedural art.
        .target(
            name: "GptimgSimulator",
            dependencies: [
                "GptimgAPI", "PNGRaster", "PNGMetadata", "GptimgSupport", "LoopbackServing",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: pixelLoops // the procedural art: per-pixel loops, as PNGRaster's
        ),
        // The API client: the HTTP transport (AsyncHTTPClient, or a context's own), credentials from
        // an environment (key variable or 0600 key file, base URL), the poll schedule, typed errors.
        .target(
            name: "GptimgClient",
            dependencies: [
                "GptimgAPI", "GptimgSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The library: SQLite catalog (GRDB: one record type per table, DatabaseMigrator), the
        // write-once image store, import, query language, organising, doctor, rebuild and backup.
        .target(
            name: "GptimgCatalog",
            dependencies: [
                "PNGMetadata", "PNGRaster", "GptimgAPI", "GptimgSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The web gallery (`gptimg serve`): Hummingbird on loopback, server-rendered pages over the
        // catalog, thumbnails made with libpng and cached under Library/thumbs/.
        .target(
            name: "GptimgGallery",
            dependencies: [
                "GptimgCatalog", "GptimgExport", "PNGRaster", "PNGMetadata", "GptimgSupport", "LoopbackServing",
                "GptimgAPI", "GptimgClient", "GptimgGeneration",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The generation pipeline: record, submit once, poll, download, embed, land; the one scheduler
        // (sliding window, stop at 401/402, never cancel a POST), batch planning and resume.
        .target(
            name: "GptimgGeneration",
            dependencies: [
                "GptimgAPI", "GptimgClient", "GptimgCatalog", "PNGMetadata", "GptimgSupport",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Export: a selection of the library to a folder or a zip, with a manifest, names made
        // safe for every file system, optional metadata stripping and a contact sheet.
        .target(
            name: "GptimgExport", dependencies: ["GptimgCatalog", "PNGMetadata", "PNGRaster", "GptimgSupport", "CPNG"]
        ),
        // The MCP Swift SDK 0.12.1's module, vendored without its OAuth and HTTP transports: those
        // import FoundationNetworking, which loaded libcurl and its libraries at every command's
        // start (Vendor/MCP/README.md).
        .target(
            name: "MCP",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            path: "Vendor/MCP/Sources/MCP"
        ),
        // The MCP server (`gptimg mcp`): tools, resources and prompts over the same core APIs the
        // CLI calls, on stdio. Nothing but protocol messages goes to stdout.
        .target(
            name: "GptimgMCP",
            dependencies: [
                "GptimgCatalog", "GptimgGeneration", "GptimgClient", "GptimgExport", "GptimgAPI", "PNGRaster",
                "PNGMetadata", "GptimgSupport", "MCP",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The config file ($XDG_CONFIG_HOME/gptimg/config.toml): its keys and their valid values, read
        // with TOMLKit, edited line by line (so comments survive), errors naming the file and line.
        .target(
            name: "GptimgConfig",
            dependencies: ["GptimgAPI", "GptimgSupport", .product(name: "TOMLKit", package: "TOMLKit")]
        ),
        // The command-line interface: parses, calls a core API, renders the result.
        .target(
            name: "GptimgCLI",
            dependencies: [
                "PNGMetadata", "PNGRaster", "GptimgAPI", "GptimgSimulator", "GptimgClient",
                "GptimgCatalog", "GptimgGeneration", "GptimgGallery", "GptimgExport", "GptimgSupport", "GptimgMCP",
                "GptimgConfig",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
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
                "PNGMetadata", "PNGRaster", "GptimgAPI", "GptimgSimulator", "GptimgGallery", "GptimgSupport",
                "HostileCorpus",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            path: "bench/Sources/gptimg-bench"
        ),
        // Helpers shared by the test targets (running external tools and the built binary).
        .target(name: "TestSupport", dependencies: ["GptimgSupport"], path: "Tests/TestSupport"),
        // The hostile-input corpus of issue 14 (PNGs, zips, tampered libraries, gallery requests)
        // and the runner that measures the built gptimg on it: shared by HostileInputTests and
        // `gptimg-bench hostile` (bench/hostile.sh). Only zlib (CPNG) and SQLite are shared with
        // the code under test.
        .target(
            name: "HostileCorpus",
            dependencies: ["CPNG", .product(name: "GRDBSQLite", package: "GRDB.swift")],
            path: "Tests/HostileCorpus"
        ),
        .testTarget(name: "GptimgSupportTests", dependencies: ["GptimgSupport", "TestSupport"]),
        .testTarget(
            name: "PNGMetadataTests", dependencies: ["PNGMetadata", "PNGRaster", "GptimgSupport", "TestSupport"]),
        .testTarget(name: "PNGRasterTests", dependencies: ["PNGRaster", "TestSupport"]),
        .testTarget(
            name: "GptimgSimulatorTests",
            dependencies: [
                "GptimgSimulator", "GptimgAPI", "GptimgClient", "PNGRaster", "PNGMetadata", "GptimgSupport",
                "TestSupport", .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .testTarget(
            name: "GptimgClientTests",
            dependencies: [
                "GptimgClient", "GptimgAPI", "GptimgSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"), .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "GptimgGenerationTests",
            dependencies: [
                "GptimgGeneration", "GptimgSimulator", "GptimgCatalog", "GptimgClient", "GptimgAPI", "LoopbackServing",
                "GptimgSupport", "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "GptimgCatalogTests",
            dependencies: [
                "GptimgCatalog", "PNGMetadata", "PNGRaster", "GptimgSupport", "TestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .testTarget(
            name: "GptimgGalleryTests",
            dependencies: [
                "GptimgGallery", "GptimgCatalog", "PNGMetadata", "PNGRaster", "GptimgSupport", "TestSupport",
                "GptimgSimulator", "GptimgGeneration", "GptimgClient", "GptimgAPI",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "GptimgExportTests",
            dependencies: [
                "GptimgExport", "GptimgCatalog", "PNGMetadata", "PNGRaster", "GptimgSupport", "TestSupport",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ]
        ),
        .testTarget(name: "HostileInputTests", dependencies: ["HostileCorpus", "TestSupport"]),
        // Drives the built `gptimg mcp` with a real MCP client (the Python `mcp` SDK) over stdio.
        .testTarget(
            name: "GptimgMCPTests",
            dependencies: [
                "GptimgMCP", "GptimgSimulator", "GptimgCatalog", "PNGRaster", "GptimgSupport", "TestSupport",
            ],
            exclude: ["mcp_client.py"]
        ),
        .testTarget(
            name: "GptimgCLITests",
            dependencies: [
                "GptimgCLI", "GptimgSimulator", "GptimgGeneration", "GptimgClient", "GptimgCatalog", "GptimgAPI",
                "GptimgConfig", "PNGMetadata",
                "PNGRaster", "GptimgSupport", "TestSupport", .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
