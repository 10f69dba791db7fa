// swift-tools-version: 6.0
// The libFuzzer harness for the PNG metadata code, kept out of the main package so that its
// sanitizer flags never touch an ordinary build. Build and run it with `fuzz/run.sh`.
import Foundation
import PackageDescription

// A package dependency given by path is known by its folder's name, which is the clone's name
// (not necessarily "gptimg").
let root = URL(fileURLWithPath: Context.packageDirectory).deletingLastPathComponent().lastPathComponent.lowercased()

let package = Package(
    name: "gptimg-fuzz",
    dependencies: [.package(path: "..")],
    targets: [
        // Declares libFuzzer's LLVMFuzzerRunDriver (the runtime comes with -sanitize=fuzzer).
        .target(name: "CFuzzerDriver"),
        .executableTarget(
            name: "FuzzPNGMetadata",
            dependencies: [
                "CFuzzerDriver", .product(name: "PNGMetadata", package: root),
                .product(name: "GptimgSupport", package: root),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
