import ArgumentParser
import Foundation
import GptimgCatalog
import GptimgExport
import GptimgSupport
import PNGMetadata

extension ManifestFormat: ExpressibleByArgument {}

struct ExportCommand: ContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export images to a folder or a zip, with a manifest of every field.",
        discussion: """
            Select with exactly one of --collection NAME, --query QUERY ('' is the whole library) \
            or image IDs. A --to ending in .zip makes a zip (images stored, UTF-8 names), anything \
            else a folder. The manifest (manifest.json or manifest.csv) has one record per image \
            with every catalog field and its file name in the export; docs/export.md describes it.

            --name fields: \(NameTemplate.Field.allCases.map { "{\($0.rawValue)}" }.joined(separator: " ")) \
            ({{ and }} for braces). Names are made safe for every system: NFC, no control characters \
            or <>:"/\\|?*, no Windows device names, at most \(FileNames.maxStemBytes) bytes, unique \
            whatever the case.

            Nothing appears under the target's name until the export is complete; an existing \
            target is replaced only with --force (a folder only when it is an earlier export).

            Examples:
              gptimg export --collection "Client picks" --to picks.zip
              gptimg export --query 'tag:portfolio rating:>=4' --to ~/Desktop/portfolio --contact-sheet
              gptimg export 42 43 3f9a1c --to share.zip --strip-metadata --name '{date}-{slug}'
              gptimg export --query '' --to archive.zip --manifest csv
            """
    )

    @OptionGroup var options: CatalogOptions

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Image IDs (instead of --collection or --query).")
    var ids: [String] = []

    @Option(help: "Export this collection, in its order.", completion: .custom(LibraryCompletions.collections))
    var collection: String?

    @Option(help: ArgumentHelp("Export the images this query matches ('' for all).", valueName: "query"))
    var query: String?

    @Option(help: "With --query: newest, oldest or relevance.")
    var sort: ImageSort = .newest

    @Option(help: ArgumentHelp("A folder, or a file ending in .zip.", valueName: "path"))
    var to: String

    @Option(help: "json or csv.")
    var manifest: ManifestFormat = .json

    @Option(help: ArgumentHelp("File-name template.", valueName: "template"))
    var name = NameTemplate.standard

    @Flag(help: "Leave the generation metadata out of the copies (pixels untouched).")
    var stripMetadata = false

    @Flag(help: "Add contact sheets (PNG grids of thumbnails) and an index.html.")
    var contactSheet = false

    @Flag(help: "Replace an existing target.")
    var force = false

    func run(_ context: GptimgContext) throws {
        try runCatalogCommand(context) { output in
            let request = try ExportRequest(
                selection: selection(), target: to, manifest: manifest, names: NameTemplate(parsing: name),
                stripMetadata: stripMetadata, contactSheet: contactSheet, force: force)
            let catalog = try options.open(.readOnly, context)
            let interruption = context.watchSignals()
            defer { interruption.restore() }
            let progressLine = ProgressLine(context, wanted: !options.json)
            let summary: ExportSummary
            do {
                summary = try Exporter(catalog: catalog).export(request) { progress in
                    if interruption.caught != nil { throw ExportError.interrupted }
                    progressLine.update(final: progress.done == progress.total) {
                        switch progress.phase {
                        case .copying:
                            """
                            exporting \(progress.done)/\(progress.total)  \(MetadataRendering.byteCount(progress.bytes))
                            """
                        case .contactSheet: "contact sheet \(progress.done)/\(progress.total)"
                        }
                    }
                }
            } catch ExportError.interrupted {
                progressLine.clear()
                output.error(ExportError.interrupted.description)
                throw ExitCode(128 + (interruption.caught ?? SIGINT))
            }
            progressLine.clear()
            if options.json {
                output.json(
                    .object([
                        ("path", .string(summary.path)), ("format", .string(summary.kind.rawValue)),
                        ("images", .int(summary.images)),
                        ("bytes", .int(summary.imageBytes)), ("files", .array(summary.extraFiles.map(JSONOut.string))),
                        ("stripped", .bool(summary.stripped)),
                    ]))
            } else {
                output.line(
                    """
                    exported \(summary.images) image\(summary.images == 1 ? "" : "s") \
                    (\(MetadataRendering.byteCount(summary.imageBytes))) to \(summary.path)
                    """
                        + " with " + summary.extraFiles.joined(separator: ", "))
            }
        }
    }

    /// The one selector given.
    func selection() throws -> ExportSelection {
        let given = [collection != nil, query != nil, !ids.isEmpty].filter { $0 }.count
        guard given == 1 else {
            throw ExportError.selection(
                given == 0
                    ? "say what to export: --collection NAME, --query QUERY ('' for the whole library) or image IDs"
                    : "choose one of --collection, --query and image IDs, not \(given)")
        }
        if let collection { return .collection(collection) }
        if let query { return .query(query, sort: sort) }
        return .ids(ids)
    }
}
