import ArgumentParser
import Foundation
import GptimgSupport
import PNGMetadata
import ZIPFoundation

/// `gptimg-bench zipfoundation DIR --to FILE.zip`: every PNG under DIR into a stored zip through
/// ZIPFoundation's streaming `addEntry(…provider:)`, one 1 MiB read at a time: the contender that
/// shows why `gptimg export` writes its zips itself (bench/export.sh).
struct ZipFoundationCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zipfoundation",
        abstract: "Zip every PNG under a folder with ZIPFoundation (stored), for comparison.",
        discussion: "Example: gptimg-bench zipfoundation bench/out/export-library/images --to /tmp/zf.zip"
    )

    @Argument(help: "The folder whose *.png files (recursively) are added.")
    var directory: String

    @Option(help: "The zip to create (must not exist).")
    var to: String

    func run() throws {
        let archive = try Archive(url: URL(fileURLWithPath: to), accessMode: .create)
        let chunk = 1 << 20
        // FileTree gives DIR's paths without a trailing slash, whether DIR had one or not.
        let prefix = (directory.hasSuffix("/") ? String(directory.dropLast()) : directory) + "/"
        for path in FileTree.files(under: directory, endingWith: [".png"]).sorted() {
            guard let file = FileHandle(forReadingAtPath: path) else { throw ValidationError("cannot read \(path)") }
            defer { try? file.close() }
            let size = try Int64(file.seekToEnd())
            try file.seek(toOffset: 0)
            try archive.addEntry(
                with: String(path.dropFirst(prefix.count)), type: .file, uncompressedSize: size,
                compressionMethod: .none, bufferSize: chunk
            ) { _, count in
                try file.read(upToCount: count) ?? Data()
            }
        }
    }
}
