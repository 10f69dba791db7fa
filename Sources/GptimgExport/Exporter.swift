import Foundation
import GptimgCatalog
import GptimgSupport
import PNGMetadata

/// Which images an export takes: one of cli.md's three selectors.
public enum ExportSelection: Sendable, Hashable {
    /// The query language (`""` is the whole library), in `sort` order.
    case query(String, sort: ImageSort)
    /// A collection, in its order.
    case collection(String)
    /// IDs (numbers or SHA-256 prefixes), in the order given; repeats are exported once.
    case ids([String])

    /// How the manifest records the selection.
    var manifestFields: [(String, JSONOut)] {
        switch self {
        case .query(let text, let sort): [("query", .string(text)), ("sort", .string(sort.rawValue))]
        case .collection(let name): [("collection", .string(name))]
        case .ids(let ids): [("ids", .array(ids.map(JSONOut.string)))]
        }
    }

    var summary: String {
        switch self {
        case .query(let text, _): text.isEmpty ? "the whole library" : "query: \(text)"
        case .collection(let name): "collection: \(name)"
        case .ids(let ids): ids.count == 1 ? "image \(ids[0])" : "\(ids.count) images by id"
        }
    }
}

/// What to export, where, and how.
public struct ExportRequest: Sendable {
    public var selection: ExportSelection
    /// A folder, or a file ending in `.zip`.
    public var target: String
    public var manifest: ManifestFormat
    public var names: NameTemplate
    public var stripMetadata: Bool
    public var contactSheet: Bool
    /// Replace an existing target (a file, or a folder of an earlier export).
    public var force: Bool
    /// Write ZIP64 records even when the archive does not need them (tests).
    var forceZip64 = false

    public init(
        selection: ExportSelection, target: String, manifest: ManifestFormat = .json, names: NameTemplate,
        stripMetadata: Bool = false, contactSheet: Bool = false, force: Bool = false
    ) {
        self.selection = selection
        self.target = target
        self.manifest = manifest
        self.names = names
        self.stripMetadata = stripMetadata
        self.contactSheet = contactSheet
        self.force = force
    }
}

/// How far an export is, reported after each image (and each contact-sheet page).
public struct ExportProgress: Sendable, Hashable {
    public enum Phase: String, Sendable {
        case copying, contactSheet
    }

    public var phase: Phase
    public var done: Int
    public var total: Int
    /// Image bytes written so far.
    public var bytes: Int
}

/// What an export wrote.
public struct ExportSummary: Sendable, Hashable {
    public var path: String
    public var kind: ExportTarget.Kind
    public var images: Int
    /// Image bytes written (after stripping).
    public var imageBytes: Int
    /// The files written besides the images: the manifest, then index.html and contact sheets.
    public var extraFiles: [String]
    /// Whether metadata was stripped from the copies.
    public var stripped: Bool
}

/// Exports a selection of the library: resolves it, names the files, writes them (and the
/// manifest, and with `contactSheet` the index page and contact sheets) under a partial name,
/// and renames the finished export into place. A failure or an interruption removes the partial
/// and leaves an existing target untouched.
public struct Exporter: Sendable {
    public let catalog: Catalog
    let now: @Sendable () -> Date

    public init(catalog: Catalog, now: @escaping @Sendable () -> Date = Date.init) {
        self.catalog = catalog
        self.now = now
    }

    /// Runs the export. `progress` is called after each file; a throw from it (Ctrl-C) stops
    /// the export the same way a failure does.
    public func export(_ request: ExportRequest, progress: (ExportProgress) throws -> Void = { _ in }) throws
        -> ExportSummary
    {
        let items = try select(request.selection)
        guard !items.isEmpty else { throw ExportError.nothingToExport(request.selection.summary + " matches no image") }
        let target = ExportTarget(request.target)
        let existing = try target.check(force: request.force, libraryRoot: catalog.location.root.path)
        let plan = ExportPlan(items: items, request: request, parameters: try catalog.parameters(items.map(\.image.id)))
        try target.prepare()
        let sink: any ExportSink
        switch target.kind {
        case .zip: sink = try ZipSink(path: target.partialPath, forceZip64: request.forceZip64)
        case .folder: sink = try FolderSink(path: target.partialPath)
        }
        do {
            let started = now()
            try writeDocuments(plan, request, to: sink, at: started)
            let bytes = try writeImages(plan, request, to: sink, progress: progress)
            if request.contactSheet {
                try writeContactSheets(
                    plan, to: sink, modified: Int64(started.timeIntervalSince1970), bytes: bytes, progress: progress)
            }
            try sink.finish()
            try target.commit(existing)
            return ExportSummary(
                path: target.path, kind: target.kind, images: plan.entries.count, imageBytes: bytes,
                extraFiles: [request.manifest.fileName]
                    + (request.contactSheet ? ["index.html"] + plan.sheetNames : []),
                stripped: request.stripMetadata)
        } catch {
            target.discard()
            throw error
        }
    }

    /// The manifest first (a reader of the zip meets it first), then `index.html`.
    private func writeDocuments(_ plan: ExportPlan, _ request: ExportRequest, to sink: any ExportSink, at started: Date)
        throws
    {
        let made = Int64(started.timeIntervalSince1970)
        let header: [(String, JSONOut)] =
            [("exported_at", .string(Timestamp(started).iso8601)), ("software", .string(GptimgEmbedding.software))]
            + request.selection.manifestFields
            + [("name_template", .string(request.names.text)), ("strip_metadata", .bool(request.stripMetadata))]
        try sink.addFile(
            name: request.manifest.fileName, bytes: plan.manifest(request.manifest, header: header), compressible: true,
            modified: made)
        guard request.contactSheet else { return }
        let subtitle = "Exported \(Timestamp(started).iso8601) from gptimg (\(request.selection.summary))."
        let page = plan.indexPage(subtitle: subtitle, manifest: request.manifest.fileName)
        try sink.addFile(name: "index.html", bytes: Array(page.utf8), compressible: true, modified: made)
    }

    /// Every image, in order; returns the bytes written.
    private func writeImages(
        _ plan: ExportPlan, _ request: ExportRequest, to sink: any ExportSink, progress: (ExportProgress) throws -> Void
    ) throws -> Int {
        var bytes = 0
        for (index, entry) in plan.entries.enumerated() {
            let image = entry.details.image
            // The catalog's path, checked to stay inside the library: a tampered row must not
            // put another file into an export that is about to be shared.
            let source = try SourceFile(
                path: catalog.location.file(of: image).path, id: image.id, expectedSize: image.bytes)
            bytes += try sink.addImage(source, name: entry.file, strip: request.stripMetadata, modified: entry.modified)
            try progress(ExportProgress(phase: .copying, done: index + 1, total: plan.entries.count, bytes: bytes))
        }
        return bytes
    }

    /// The contact-sheet pages, made from the library's files.
    private func writeContactSheets(
        _ plan: ExportPlan, to sink: any ExportSink, modified: Int64, bytes: Int,
        progress: (ExportProgress) throws -> Void
    ) throws {
        for (page, name) in plan.sheetNames.enumerated() {
            let tiles = try plan.entries[
                page * ContactSheet.perPage..<min(plan.entries.count, (page + 1) * ContactSheet.perPage)
            ].map {
                ContactSheet.Tile(
                    id: $0.details.image.id, prompt: $0.details.generation.prompt,
                    source: try catalog.location.file(of: $0.details.image).path)
            }
            let title =
                "gptimg export - \(plan.entries.count) images"
                + (plan.sheetNames.count > 1 ? " - sheet \(page + 1) of \(plan.sheetNames.count)" : "")
            try sink.addFile(
                name: name, bytes: ContactSheet.page(tiles, title: title), compressible: false, modified: modified)
            try progress(
                ExportProgress(phase: .contactSheet, done: page + 1, total: plan.sheetNames.count, bytes: bytes))
        }
    }

    /// The selected images, in the export's order.
    func select(_ selection: ExportSelection) throws -> [ImageDetails] {
        switch selection {
        case .query(let text, let sort):
            return try catalog.list(ImageQuery(parsing: text), sort: sort, limit: Int.max)
        case .collection(let name):
            return try catalog.collectionImages(name, limit: Int.max)
        case .ids(let ids):
            var seen = Set<Int64>()
            return try catalog.details(catalog.resolve(ids).filter { seen.insert($0).inserted })
        }
    }
}

/// The export worked out before anything is written: each image's file name, its parent's file
/// name when the parent is exported too, and the pages of the contact sheet.
struct ExportPlan {
    struct Entry {
        var details: ImageDetails
        var file: String
        var parentFile: String?
        var parameters: [Parameter]
        /// The image's creation time, as the file's modification time.
        var modified: Int64
    }

    var entries: [Entry] = []
    var sheetNames: [String] = []

    init(items: [ImageDetails], request: ExportRequest, parameters: [Int64: [Parameter]]) {
        var names = UniqueFileNames()
        names.reserve(request.manifest.fileName)
        if request.contactSheet {
            sheetNames = ContactSheet.pageNames(count: items.count)
            names.reserve("index.html")
            for name in sheetNames { names.reserve(name) }
        }
        var collection: String?
        if case .collection(let name) = request.selection { collection = name }
        var fileByID: [Int64: String] = [:]
        for (index, item) in items.enumerated() {
            let stem = FileNames.safeStem(
                request.names.render(item, position: index + 1, count: items.count, collection: collection))
            let file = names.claim(stem: stem, extension: "png")
            fileByID[item.image.id] = file
            let modified = Timestamp(iso8601: item.image.createdAt).map { Int64($0.wholeSeconds) } ?? 0
            entries.append(
                Entry(
                    details: item, file: file, parentFile: nil, parameters: parameters[item.image.id] ?? [],
                    modified: modified))
        }
        for index in entries.indices {
            entries[index].parentFile = entries[index].details.parentID.flatMap { fileByID[$0] }
        }
    }

    func manifest(_ format: ManifestFormat, header: [(String, JSONOut)]) -> [UInt8] {
        let records = entries.map {
            ManifestRecord.fields($0.details, file: $0.file, parameters: $0.parameters, parentFile: $0.parentFile)
        }
        switch format {
        case .json: return ManifestWriter.json(header: header, records: records)
        case .csv: return ManifestWriter.csv(records: records)
        }
    }

    func indexPage(subtitle: String, manifest: String) -> String {
        IndexPage.render(
            title: "\(entries.count) image" + (entries.count == 1 ? "" : "s"), subtitle: subtitle,
            items: entries.map { IndexPage.Item(details: $0.details, file: $0.file, parentFile: $0.parentFile) },
            manifest: manifest, sheets: sheetNames)
    }
}
