import ArgumentParser
import Foundation
import PNGMetadata

/// `gptimg-bench readtime DIR`: times `PNGMetadataReader` alone over a folder, without process
/// start-up or output formatting.
struct ReadTimeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "readtime",
        abstract: "Time PNGMetadataReader over every PNG of a folder, in-process.",
        discussion: "Example: gptimg-bench readtime bench/out/corpus-2000 --repeat 3"
    )

    @Argument(help: "The folder whose *.png files are read.")
    var directory: String

    @Option(name: .customLong("repeat"), help: "Read the folder this many times; the best pass is reported.")
    var repetitions = 3

    func validate() throws {
        guard repetitions > 0 else { throw ValidationError("--repeat must be at least 1") }
    }

    func run() async throws {
        let paths = try pngPaths(in: directory)
        var best = Double.infinity
        var textChunks = 0
        var generations = 0
        var warnings = 0
        var bytes = 0
        for _ in 0..<repetitions {
            textChunks = 0
            generations = 0
            warnings = 0
            bytes = 0
            let start = ContinuousClock.now
            for path in paths {
                let report = try PNGMetadataReader.read(contentsOf: path)
                textChunks += report.textChunks.count
                generations += report.generation == nil ? 0 : 1
                warnings += report.warnings.count
                bytes += report.fileSize
            }
            best = min(best, (ContinuousClock.now - start).seconds)
        }
        printError(
            """
            read \(paths.count) files (\(String(format: "%.1f", Double(bytes) / 1e6)) MB) in \
            \(String(format: "%.4f", best)) s (best of \(repetitions)): \
            \(String(format: "%.0f", Double(paths.count) / best)) files/s, \
            \(String(format: "%.1f", best / Double(max(1, paths.count)) * 1e6)) µs/file; \
            \(textChunks) text chunks, \(generations) with generation info, \(warnings) warnings
            """)
    }
}
