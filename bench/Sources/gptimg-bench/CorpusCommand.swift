import ArgumentParser
import Foundation

/// `gptimg-bench corpus DIR --count N`: writes N deterministic photograph-like PNGs.
struct CorpusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "corpus",
        abstract: "Write a deterministic corpus of photograph-like PNGs (about 1 MP, 1-2 MB each).",
        discussion: """
            The same --seed and --count always give the same bytes. With --with-metadata most
            files carry gptimg's own chunks, the rest AUTOMATIC1111, ComfyUI, InvokeAI, NovelAI
            or plain standard text chunks (some zTXt/iTXt, one file in ten with text after IDAT).

            Example: gptimg-bench corpus bench/out/corpus-2000 --count 2000 --with-metadata
            """
    )

    @Argument(help: "The folder to write into (created if missing).")
    var directory: String

    @Option(help: "How many files to write.")
    var count: Int

    @Option(help: "The seed every file is derived from.")
    var seed: UInt64 = 1

    @Flag(help: "Give each file realistic generation metadata.")
    var withMetadata = false

    @Option(help: "zlib compression level for the image data (libpng's default is 6).")
    var compressionLevel = 6

    func validate() throws {
        guard count > 0 else { throw ValidationError("--count must be at least 1") }
        guard (0...9).contains(compressionLevel) else { throw ValidationError("--compression-level must be 0-9") }
    }

    func run() async throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let generator = CorpusGenerator(seed: seed, withMetadata: withMetadata, compressionLevel: compressionLevel)
        let directory = directory
        let start = ContinuousClock.now
        // One render at a time per core: each is CPU-bound and holds ~10 MB.
        let width = max(1, ProcessInfo.processInfo.activeProcessorCount)
        var sizes: [Int] = []
        var kinds: [CorpusGenerator.Kind: Int] = [:]
        try await withThrowingTaskGroup(of: CorpusGenerator.Written.self) { group in
            var next = 0
            for _ in 0..<min(width, count) {
                let index = next
                group.addTask { try generator.write(index: index, into: directory) }
                next += 1
            }
            while let written = try await group.next() {
                sizes.append(written.bytes)
                kinds[written.kind, default: 0] += 1
                if sizes.count % 100 == 0 { printError("\(sizes.count)/\(count) files") }
                if next < count {
                    let index = next
                    group.addTask { try generator.write(index: index, into: directory) }
                    next += 1
                }
            }
        }
        let seconds = (ContinuousClock.now - start).seconds
        sizes.sort()
        let megabytes = { (bytes: Int) in String(format: "%.2f", Double(bytes) / 1_000_000) }
        printError(
            """
            wrote \(count) files to \(directory) in \(String(format: "%.1f", seconds)) s \
            (\(String(format: "%.1f", Double(count) / seconds)) files/s); sizes MB min \(megabytes(sizes.first!)) \
            median \(megabytes(sizes[sizes.count / 2])) max \(megabytes(sizes.last!)), total \
            \(megabytes(sizes.reduce(0, +)))
            """
        )
        if withMetadata {
            let summary = kinds.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue) \($0.value)" }
            printError("metadata: " + summary.joined(separator: ", "))
        }
    }
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

/// Progress and results go to stderr, so stdout stays clean for scripts.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
