import ArgumentParser
import Foundation
import GptimgCatalog
import GptimgClient
import GptimgSupport
import PNGMetadata

struct DoctorCommand: AsyncContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract:
            """
            Check the library: catalog integrity, missing files, files not in the catalog, hash mismatches, unfinished \
            tasks.
            """,
        discussion: """
            Read-only unless --fix. Every file is hashed, so this reads the whole library. Exit code 1 \
            when damage is found (notices, such as unfinished tasks, are not damage).

            With --fix: rows of missing files are removed, files not in the catalog are added, changed \
            files are moved to trash/damaged, broken rows are re-read from their files, the search index \
            is rebuilt, and what an interrupted import or rebuild left is removed. A row whose path leads \
            outside the library or names a FIFO, device or link is removed; its file is never read or moved.
            """
    )

    @OptionGroup var options: CatalogOptions

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Repair what can be repaired.")
    var fix = false

    @OptionGroup var quiet: QuietOption

    @Flag(help: "With --fix: download missing images again from their hosted URL (checked by SHA-256).")
    var download = false

    func validate() throws {
        if download && !fix { throw ValidationError("--download goes with --fix") }
    }

    func run(_ context: GptimgContext) async throws {
        try await runCatalogCommand(context) { output in
            let catalog = try options.open(fix ? .readWrite : .readOnly, context)
            var downloaded: [String] = []
            if download {
                // Fetched first: a file that comes back is then no missing file for --fix to remove.
                for (id, url) in try catalog.missingDownloadable() {
                    do {
                        let bytes = try await APIClient.download(
                            url, maxBytes: ImportLimits.standard.maxFileBytes, transport: context.transport)
                        try catalog.putBackMissingFile(id, bytes: bytes)
                        downloaded.append("downloaded image \(id) again from \(ValueShape.withoutQuery(url))")
                    } catch {
                        downloaded.append("could not download image \(id) again: \(describeError(error))")
                    }
                }
            }
            let progressLine = ProgressLine(context, wanted: !options.json && !quiet.quiet)
            output.progress = progressLine
            var report = try catalog.doctor(fix: fix) { progress in
                progressLine.update("doctor: hashing", done: progress.done, of: progress.total)
            }
            progressLine.clear()
            report.fixed.insert(contentsOf: downloaded, at: 0)
            if options.json {
                output.json(
                    .object([
                        ("clean", .bool(report.isClean)),
                        ("images", .int(report.imagesChecked)), ("files", .int(report.filesScanned)),
                        ("problems", .array(report.problems.map { .string($0.description) })),
                        ("notices", .array(report.notices.map { .string($0.description) })),
                        ("fixed", .array(report.fixed.map(JSONOut.string))),
                        ("backup", .optional(report.backup?.path)),
                    ]))
            } else {
                for problem in report.problems {
                    output.line([Styled("problem:", .red), Styled(" " + problem.description)])
                }
                for notice in report.notices {
                    output.line([Styled("notice:", .yellow), Styled("  " + notice.description)])
                }
                if let backup = report.backup { output.line("saved:   the catalog as \(backup.path) first") }
                for fixed in report.fixed { output.line([Styled("fixed:", .green), Styled("   " + fixed)]) }
                output.line([
                    Styled("\(report.imagesChecked) images, \(report.filesScanned) files checked: "),
                    report.isClean
                        ? Styled("no problems", .green) : Styled("\(report.problems.count) problem(s)", .red),
                    Styled(fix && !report.isClean ? ", repaired what could be" : ""),
                ])
            }
            if !report.isClean && !fix { throw ExitCode(1) }
        }
    }
}

struct RebuildCommand: ContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebuild",
        abstract: "Build a new catalog from the images' embedded metadata and swap it in atomically.",
        discussion: """
            The old catalog is backed up to Library/backups first. What only the old catalog knows \
            (ratings, favourites, later tags, collections, the credit ledger) is carried over when it \
            can still be read. Stop other gptimg processes on the library first.
            """
    )

    @OptionGroup var options: CatalogOptions

    @OptionGroup var global: GlobalOptions

    @OptionGroup var quiet: QuietOption

    func run(_ context: GptimgContext) throws {
        try runCatalogCommand(context) { output in
            let progressLine = ProgressLine(context, wanted: !options.json && !quiet.quiet)
            output.progress = progressLine
            let report = try Catalog.rebuild(
                try options.location(context),
                progress: { progress in
                    progressLine.update("rebuild: reading", done: progress.done, of: progress.total)
                })
            progressLine.clear()
            if options.json {
                output.json(
                    .object([
                        ("images", .int(report.images)), ("generations", .int(report.generations)),
                        ("skipped", .array(report.skipped.map(JSONOut.string))),
                        ("backup", .optional(report.backup?.path)),
                        ("carried_over", .bool(report.carriedOver)),
                        ("notes", .array(report.notes.map(JSONOut.string))),
                    ]))
            } else {
                for skipped in report.skipped { output.line("skipped: " + skipped) }
                for note in report.notes { output.line("note: " + note) }
                if let backup = report.backup { output.line("old catalog saved as \(backup.path)") }
                output.line(
                    "rebuilt the catalog: \(report.images) images, \(report.generations) generations"
                        + (report.carriedOver ? " (ratings, tags, collections and ledger carried over)" : ""))
            }
        }
    }
}
