import ArgumentParser
import Dispatch
import Foundation
import GptimgGallery

/// `gptimg-bench thumbs DIR --to OUT`: makes a thumbnail of every PNG of a folder with the
/// gallery's own code (`ThumbnailStore.make`: libpng decode, box pre-shrink + Lanczos-3, libpng
/// encode) and writes them as files, as `vipsthumbnail DIR/*.png -s SIZE -o OUT/%s.png` does; the
/// work the gallery does for a thumbnail that is not cached yet.
struct ThumbsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "thumbs",
        abstract: "Make a thumbnail of every PNG of a folder with the gallery's thumbnailer.",
        discussion: "Example: gptimg-bench thumbs bench/out/thumbs-in --to bench/out/thumbs-ours --size 320 --jobs 1"
    )

    @Argument(help: "The folder whose *.png files are thumbnailed.")
    var directory: String

    @Option(help: "The folder the thumbnails are written to (created).")
    var to: String

    @Option(help: "The box each thumbnail fits in, in pixels.")
    var size = 320

    @Option(help: "Files made at once (the gallery makes one per core).")
    var jobs = 1

    @Option(help: "zlib level of the thumbnails (default: the gallery's).")
    var level = ThumbnailStore.compressionLevel

    func run() throws {
        let paths = try pngPaths(in: directory)
        try FileManager.default.createDirectory(atPath: to, withIntermediateDirectories: true)
        let start = ContinuousClock.now
        let work = ThumbWork()
        DispatchQueue.concurrentPerform(iterations: max(1, jobs)) { _ in
            while let index = work.take(limit: paths.count) {
                let path = paths[index]
                do {
                    let bytes = try ThumbnailStore.make(from: path, fitting: size, compressionLevel: level)
                    let name = (path as NSString).lastPathComponent
                    try Data(bytes).write(to: URL(fileURLWithPath: to + "/" + name))
                } catch {
                    work.record("\(path): \(error)")
                }
            }
        }
        let seconds = (ContinuousClock.now - start).seconds
        for failure in work.messages { printError(failure) }
        printError(
            """
            made \(paths.count) thumbnails (\(size) px box, \(jobs) at once) in \(String(format: "%.3f", seconds)) s: \
            \(String(format: "%.1f", Double(paths.count) / seconds)) files/s
            """
        )
        if !work.messages.isEmpty { throw ExitCode.failure }
    }
}

/// A counter handing out indices and a list of failures, shared by the workers.
final class ThumbWork: @unchecked Sendable {
    private let lock = NSLock()
    private var counter = 0
    private(set) var messages: [String] = []

    func take(limit: Int) -> Int? {
        lock.withLock {
            guard counter < limit else { return nil }
            defer { counter += 1 }
            return counter
        }
    }

    func record(_ message: String) { lock.withLock { messages.append(message) } }
}
