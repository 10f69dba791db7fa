import ArgumentParser
import Foundation
import GptimgCatalog
import GptimgSupport
import PNGMetadata

struct ImportCommand: AsyncContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import PNG files, folders (recursively) and zip archives into the library.",
        discussion: """
            Reads embedded metadata (gptimg's and other tools': A1111, ComfyUI, InvokeAI, NovelAI, \
            Fooocus, standard chunks), keeps every text chunk, and skips exact duplicates by SHA-256. \
            Each file gets one line: imported, duplicate, or skipped with the reason; a bad file never \
            stops the others. Inside folders, links are not followed and FIFOs or devices are not read: \
            each is listed as skipped. Zip entries with absolute paths, '..', links, oversized contents, \
            extreme compression ratios, data shared with another entry, encryption or an unknown \
            compression method are refused; the other entries are still imported. The exit status \
            is 1 when anything was skipped.

            With --watch, the paths are folders to watch (Linux, inotify): PNGs that appear in them \
            or in the folders inside them are imported once complete (moved in, or closed and not \
            written for half a second, and ending with the IEND chunk); files that arrived while \
            nothing watched are imported first. One line per file on stderr (JSON Lines on stdout \
            with --json). Ctrl-C or SIGTERM stops it between two files, exit status 0. \
            docs/watch.md has a systemd user unit for it.

            Examples:
              gptimg import ~/Downloads/renders
              gptimg import batch.zip --library ~/Pictures/gptimg
              gptimg import --json *.png | jq 'select(.status == "skipped")'
              gptimg import --watch ~/ComfyUI/output
            """
    )

    @OptionGroup var options: CatalogOptions

    @OptionGroup var global: GlobalOptions

    @Argument(help: "PNG files, folders and zip archives (with --watch: folders).")
    var paths: [String]

    @Flag(name: .shortAndLong, help: "Print only the summary (and skipped files); no progress line.")
    var quiet = false

    @Flag(help: "Keep watching the folders and import each PNG that appears in them, until Ctrl-C.")
    var watch = false

    func run(_ context: GptimgContext) async throws {
        try await runCatalogCommand(context) { output in
            let catalog = try options.open(.readWrite, context)
            if watch {
                let watcher = try WatchImport(
                    context: context, catalog: catalog, output: output, json: options.json, quiet: quiet)
                try await watcher.run(paths)
                return
            }
            let json = options.json
            let quiet = quiet
            let progressLine = ProgressLine(context, wanted: !json && !quiet)
            output.progress = progressLine
            let summary = try await catalog.importFiles(paths) { event in
                if json {
                    output.json(Self.json(event))
                    return
                }
                switch event {
                case .imported(let source, let image):
                    if !quiet {
                        output.line([
                            Styled("imported", .green), Styled("   \(source) -> \(image.path) (id \(image.id))"),
                        ])
                    }
                case .duplicate(let source, let existing):
                    if !quiet {
                        output.line([
                            Styled("duplicate", .yellow),
                            Styled(
                                "  \(source)"
                                    + (existing.map { " (already image \($0.id))" } ?? " (twice in this import)")),
                        ])
                    }
                case .skipped(let source, let reason):
                    output.line([Styled("skipped", .red), Styled("    \(source): \(reason)")])
                }
                if progressLine.redraws { output.flush() }
            } onProgress: { progress in
                progressLine.update(
                    "import", done: progress.done, of: progress.total,
                    detail:
                        "\(progress.imported) imported, \(progress.duplicates) duplicate, \(progress.skipped) skipped")
            }
            progressLine.clear()
            if !json {
                output.line("\(summary.imported) imported, \(summary.duplicates) duplicate, \(summary.skipped) skipped")
            }
            output.flush()
            if summary.skipped > 0 { throw ExitCode(1) }
        }
    }

    static func json(_ event: ImportEvent) -> JSONOut {
        switch event {
        case .imported(let source, let image):
            .object([
                ("file", .string(source)), ("status", .string("imported")), ("id", .int(Int(image.id))),
                ("sha256", .string(image.sha256)), ("path", .string(image.path)),
            ])
        case .duplicate(let source, let existing):
            .object([
                ("file", .string(source)), ("status", .string("duplicate")),
                ("id", existing.map { .int(Int($0.id)) } ?? .null),
                ("sha256", existing.map { .string($0.sha256) } ?? .null),
            ])
        case .skipped(let source, let reason):
            .object([("file", .string(source)), ("status", .string("skipped")), ("reason", .string(reason))])
        }
    }
}
