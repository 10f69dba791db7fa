import Foundation
import GptimgCatalog
import GptimgExport
import GptimgSupport
import MCP

/// The one folder `gptimg mcp --export-dir` lets exports go to. An assistant names a target in
/// it; a target that leads anywhere else (an absolute path elsewhere, `..`, a symbolic link
/// out) is refused before anything is written.
struct ExportFolder: Sendable {
    /// The folder with its symbolic links resolved.
    let path: String

    init(_ folder: String, libraryRoot: String) throws {
        guard let resolved = RealPath.resolved(folder) else {
            throw ToolFailure("the export folder \(folder) does not exist: create it, or give --export-dir another")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: resolved, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ToolFailure("the export folder \(folder) is not a folder")
        }
        let library = RealPath.resolvingExistingPart(of: libraryRoot)
        if RealPath.isWithin(resolved, folder: library) || RealPath.isWithin(library, folder: resolved) {
            throw ToolFailure(
                "the export folder \(folder) and the library \(libraryRoot) overlap: choose a folder outside it")
        }
        path = resolved
    }

    /// The absolute target `name` stands for: a name or relative path inside the folder, or an
    /// absolute path that lies inside it.
    func target(_ name: String) throws -> String {
        guard !name.isEmpty else { throw ToolFailure("to is empty: give a folder name or a file name ending in .zip") }
        let joined = name.hasPrefix("/") ? name : path + "/" + name
        let standard = URL(fileURLWithPath: joined).standardizedFileURL.path
        let resolved = RealPath.resolvingExistingPart(of: standard)
        guard RealPath.isWithin(resolved, folder: path), resolved != path else {
            throw ToolFailure(
                "export targets must be inside the allowed export folder \(path): '\(ToolArguments.clip(name))' is not")
        }
        return standard
    }
}

extension GptimgMCPServer {
    var exportTool: ToolSpec {
        let folder = configuration.exportFolder
        let tool = Tool(
            name: "export", title: "Export images",
            description: """
                Export images to a folder or a .zip inside the folder the user allowed\
                \(folder.map { " (\($0))" } ?? " (none: start gptimg mcp with --export-dir FOLDER)"), with a manifest \
                of every field. Select with exactly one of ids, collection or query. An existing target is never \
                replaced. Costs no credits.
                """,
            inputSchema: ToolSchema.object(
                [
                    ("ids", ToolSchema.imageIDs()),
                    ("collection", ToolSchema.string("A collection, in its order.", maxLength: 200)),
                    (
                        "query",
                        ToolSchema.string("The images this query matches ('' for the whole library).", maxLength: 4000)
                    ),
                    ("sort", ToolSchema.string("With query: the order.", values: ImageSort.allCases.map(\.rawValue))),
                    (
                        "to",
                        ToolSchema.string(
                            "A folder name, or a file name ending in .zip, inside the export folder.", maxLength: 1000)
                    ),
                    (
                        "manifest",
                        ToolSchema.string("The manifest's format.", values: ManifestFormat.allCases.map(\.rawValue))
                    ),
                    (
                        "name",
                        ToolSchema.string("File-name template, e.g. {index}-{slug} (docs/export.md).", maxLength: 200)
                    ),
                    (
                        "strip_metadata",
                        ToolSchema.boolean("Leave the generation metadata out of the copies.", default: false)
                    ),
                    ("contact_sheet", ToolSchema.boolean("Add contact sheets and an index.html.", default: false)),
                ], required: ["to"]),
            annotations: Tool.Annotations(
                readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false))
        return ToolSpec(tool: tool) { [self] arguments in try await export(arguments) }
    }

    func export(_ arguments: ToolArguments) async throws -> ToolAnswer {
        guard let folder = configuration.exportFolder else {
            throw ToolFailure("exports are off: the user did not start `gptimg mcp` with --export-dir FOLDER")
        }
        let allowed = try ExportFolder(folder, libraryRoot: catalog.location.root.path)
        let target = try allowed.target(try arguments.requiredString("to", maxLength: 1000))
        let ids = try arguments.ids("ids", required: false)
        let collection = try arguments.string("collection", maxLength: 200)
        let query = try arguments.string("query", maxLength: 4000)
        let given = [!ids.isEmpty, collection != nil, query != nil].filter { $0 }.count
        guard given == 1 else {
            throw ToolFailure(
                given == 0
                    ? "say what to export: ids, collection or query ('' for the whole library)"
                    : "choose one of ids, collection and query, not \(given)")
        }
        var sort = ImageSort.newest
        if let name = try arguments.string("sort", maxLength: 20) {
            guard let chosen = ImageSort(rawValue: name) else {
                throw ToolFailure("sort must be newest, oldest or relevance")
            }
            sort = chosen
        }
        var manifest = ManifestFormat.json
        if let name = try arguments.string("manifest", maxLength: 10) {
            guard let chosen = ManifestFormat(rawValue: name) else { throw ToolFailure("manifest must be json or csv") }
            manifest = chosen
        }
        let selection: ExportSelection =
            if let collection { .collection(collection) } else if let query { .query(query, sort: sort) } else {
                .ids(ids)
            }
        let request = ExportRequest(
            selection: selection, target: target, manifest: manifest,
            names: try NameTemplate(parsing: try arguments.string("name", maxLength: 200) ?? NameTemplate.standard),
            stripMetadata: try arguments.bool("strip_metadata") ?? false,
            contactSheet: try arguments.bool("contact_sheet") ?? false, force: false)
        let catalog = catalog
        let summary = try await blocking { try Exporter(catalog: catalog).export(request) }
        return ToolAnswer(
            text: "exported \(summary.images) image\(summary.images == 1 ? "" : "s") (\(summary.imageBytes) bytes) "
                + "to \(summary.path) with " + summary.extraFiles.joined(separator: ", "),
            structured: .object([
                ("path", .string(summary.path)), ("format", .string(summary.kind.rawValue)),
                ("images", .int(summary.images)), ("bytes", .int(summary.imageBytes)),
                ("files", .array(summary.extraFiles.map(JSONOut.string))), ("stripped", .bool(summary.stripped)),
            ]))
    }
}
