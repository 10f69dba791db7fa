import ArgumentParser
import Foundation
import GptimgSimulator
import PNGMetadata
import PNGRaster

/// `gptimg-bench embed DIR`: embeds gptimg metadata into every PNG of a folder, in place, one
/// file after another in this one process (as gptimg does when images land).
struct EmbedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Embed realistic gptimg metadata into every PNG of a folder, in place (atomic rewrite).",
        discussion: "Example: gptimg-bench embed bench/out/embed-copy --durable"
    )

    @Argument(help: "The folder whose *.png files are rewritten.")
    var directory: String

    @Option(
        help:
            """
            Write the embedded copies into this folder (new files, as images land in the library) instead of rewriting \
            in place.
            """
    )
    var to: String?

    @Flag(help: "fsync each file and its folder before the next (as gptimg does for landed images).")
    var durable = false

    @Option(help: "The seed the metadata is derived from.")
    var seed: UInt64 = 2

    func run() async throws {
        let paths = try pngPaths(in: directory)
        // The metadata is made before timing starts: gptimg has it from the API, not from the file.
        var jobs: [(path: String, metadata: GptimgMetadata)] = []
        for (index, path) in paths.enumerated() {
            var random = SplitMix64(seed: Hash.mix(seed) ^ Hash.mix(UInt64(index)))
            let header = try PNGMetadataReader.read(contentsOf: path).header
            let prompt = SamplePrompts.prompt(&random)
            jobs.append(
                (path, SampleMetadata(prompt: prompt, width: header.width, height: header.height).gptimg(&random)))
        }
        let start = ContinuousClock.now
        var bytes = 0
        if let to { try FileManager.default.createDirectory(atPath: to, withIntermediateDirectories: true) }
        for job in jobs {
            let destination =
                to.map { $0 + "/" + (job.path.split(separator: "/").last.map(String.init) ?? job.path) } ?? job.path
            try GptimgEmbedding.embedFile(job.metadata, from: job.path, to: destination, durable: durable)
            bytes += Self.size(of: destination)
        }
        let seconds = (ContinuousClock.now - start).seconds
        printError(
            """
            embedded \(jobs.count) files (\(String(format: "%.1f", Double(bytes) / 1e6)) MB) in \
            \(String(format: "%.3f", seconds)) s: \(String(format: "%.0f", Double(jobs.count) / seconds)) files/s, \
            \(String(format: "%.0f", Double(bytes) / 1e6 / seconds)) MB/s
            """
                + (durable ? " (durable)" : ""))
    }

    static func size(of path: String) -> Int {
        var status = stat()
        return stat(path, &status) == 0 ? Int(status.st_size) : 0
    }
}

/// The `*.png` files directly inside `directory`, sorted by name.
func pngPaths(in directory: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: directory)
        .filter { $0.lowercased().hasSuffix(".png") && !$0.hasPrefix(".") }
        .sorted()
        .map { directory + "/" + $0 }
}
