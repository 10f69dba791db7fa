import Foundation
import GptimgCatalog
import GptimgSupport
import PNGMetadata

/// An export as a zip made piece by piece, for a response body (the gallery's download): the
/// same plan, names, manifest and writer as `gptimg export --to x.zip`, but nothing is written
/// to disk and the whole archive is never in memory. Each `next()` makes the next piece (the
/// manifest's entry, then one image's entry, then the central directory) and returns its bytes;
/// the caller sends them before asking for more, so the download starts at once and a slow
/// reader holds the export back instead of filling memory.
///
/// Not safe to use from two threads at once; one request drives it from start to end.
public final class ZipStream: @unchecked Sendable {
    private let catalog: Catalog
    private let plan: ExportPlan
    private let request: ExportRequest
    private var writer: ZipWriter!
    private var pending: [UInt8] = []
    private var step = 0
    private let started: Date

    /// How many images the archive holds (besides the manifest).
    public var count: Int { plan.entries.count }
    /// The archive's file names in order: the manifest, then the images.
    public var fileNames: [String] { [request.manifest.fileName] + plan.entries.map(\.file) }

    /// Resolves `selection` and names its files; throws `nothingToExport` for an empty one.
    public init(
        catalog: Catalog, selection: ExportSelection, manifest: ManifestFormat = .json,
        names: NameTemplate? = nil, now: Date = Date()
    ) throws {
        let names = try names ?? NameTemplate(parsing: NameTemplate.standard)
        self.catalog = catalog
        let exporter = Exporter(catalog: catalog)
        let items = try exporter.select(selection)
        guard !items.isEmpty else { throw ExportError.nothingToExport(selection.summary + " matches no image") }
        request = ExportRequest(selection: selection, target: "download.zip", manifest: manifest, names: names)
        plan = ExportPlan(items: items, request: request, parameters: try catalog.parameters(items.map(\.image.id)))
        started = now
        writer = ZipWriter(path: "download.zip") { [unowned self] bytes in pending.append(contentsOf: bytes) }
    }

    /// The next piece of the archive, or nil once it is complete. A library file that is
    /// missing or changed size throws (the archive is then cut short: the reader sees no end
    /// record, so no unzip takes it for whole).
    public func next() throws -> [UInt8]? {
        defer { step += 1 }
        let entries = plan.entries
        switch step {
        case 0:
            let header: [(String, JSONOut)] =
                [
                    ("exported_at", .string(Timestamp(started).iso8601)),
                    ("software", .string(GptimgEmbedding.software)),
                ]
                + request.selection.manifestFields
                + [("name_template", .string(request.names.text)), ("strip_metadata", .bool(false))]
            try writer.add(
                name: request.manifest.fileName, bytes: plan.manifest(request.manifest, header: header),
                method: .deflated, modified: Int64(started.timeIntervalSince1970))
        case 1...entries.count:
            let entry = entries[step - 1]
            let image = entry.details.image
            // The catalog's path, checked to stay inside the library (as `Exporter` does).
            let source = try SourceFile(
                path: catalog.location.file(of: image).path, id: image.id, expectedSize: image.bytes)
            try source.withBytes {
                try writer.add(name: entry.file, bytes: $0, method: .stored, modified: entry.modified)
            }
        case entries.count + 1:
            try writer.finish()
        default:
            return nil
        }
        defer { pending.removeAll(keepingCapacity: false) }
        return pending
    }
}
