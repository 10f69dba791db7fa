import Foundation
import GptimgCatalog
import PNGMetadata
import PNGRaster

/// A temporary folder with a library of real PNGs (imported the way users import them), and
/// room beside it for exports. Removed when the test ends.
final class ExportWorkspace: @unchecked Sendable {
    let folder: URL
    let location: LibraryLocation
    let catalog: Catalog
    /// Image ids by fixture name.
    private(set) var ids: [String: Int64] = [:]

    /// The prompts of `standard()`'s images, by name: ordinary ones and hostile ones.
    static let prompts: [(name: String, prompt: String)] = [
        ("lighthouse", "A lone lighthouse on a cliff at sunset, oil painting style"),
        ("variant", "The same lighthouse as a watercolor in a winter storm"),
        ("slashes", "a/b\\c: <script>alert('x')</script> & \"quotes\" | what? *yes*"),
        ("dotdot", "../../../etc/passwd"),
        ("long", String(repeating: "an extremely long prompt ", count: 16)),
        ("emoji", "🌅 sunrise over 山 with a family 👨‍👩‍👧 and café crème"),
        ("nul", "before\u{0}after"),
        ("controls", "a line\nbreak, a\ttab and a bell\u{7}"),
        ("con", "CON"),
        ("con-lower", "con"),
        ("bidi", "\u{202E}gnp.exe"),
    ]

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("gptimg-export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        location = LibraryLocation(root: folder.appendingPathComponent("Library"))
        catalog = try Catalog.open(location)
    }

    deinit { try? FileManager.default.removeItem(at: folder) }

    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    /// The library of `prompts`: ours with embedded metadata (the variant made from the
    /// lighthouse), one AUTOMATIC1111 file; tags, ratings, a favourite and a collection.
    static func standard() async throws -> ExportWorkspace {
        let workspace = try ExportWorkspace()
        let sources = workspace.folder.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: sources, withIntermediateDirectories: true)
        for (offset, (name, prompt)) in prompts.enumerated() {
            let task = "gpt-image-2-" + String(format: "EXPORT%014d", offset)
            let parent =
                name == "variant"
                ? GptimgMetadata.Parent(taskID: "gpt-image-2-" + String(format: "EXPORT%014d", 0), index: 0) : nil
            let metadata = GptimgMetadata(
                prompt: prompt, aspectRatio: "3:2", type: parent == nil ? "text-to-image" : "image-to-image",
                referenceImages: parent == nil ? [] : ["https://files.example/lighthouse.png"], taskID: task,
                rowID: "row-\(offset)",
                createdAt: String(format: "2026-11-%02dT10:15:30Z", offset + 1),
                completedAt: String(format: "2026-11-%02dT10:16:00Z", offset + 1),
                parent: parent, remoteURL: "https://files.example/\(task)/0.png", tags: ["fixture"])
            let bytes = try GptimgEmbedding.embed(metadata, into: png(seed: offset))
            try Data(bytes).write(to: sources.appendingPathComponent("\(name).png"))
        }
        let a1111 = TextChunk(
            kind: .tEXt, keyword: "parameters",
            text:
                """
                a foreign fox in the snow\nNegative prompt: blurry\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: \
                1234, Size: 48x32, Model: sdxl
                """
        )
        try Data(PNGEditor.splice(png(seed: 99), inserting: [a1111], removingKeywords: [])).write(
            to: sources.appendingPathComponent("a1111.png"))
        let summary = try await workspace.catalog.importFiles([sources.path])
        guard summary.imported == prompts.count + 1 else {
            throw FixtureError(message: "imported \(summary.imported): \(summary.skips)")
        }
        for item in try workspace.catalog.list("", limit: 100) {
            let offset = item.generation.taskID.flatMap { Int($0.suffix(14)) }
            workspace.ids[offset.map { prompts[$0].name } ?? "a1111"] = item.image.id
        }
        let id = workspace.ids
        try workspace.catalog.tag([id["lighthouse"]!, id["variant"]!], add: ["coast", "semi;colon, comma"])
        try workspace.catalog.rate([id["lighthouse"]!], 5)
        try workspace.catalog.setFavorite([id["variant"]!], true)
        try await workspace.catalog.addToCollection("Client picks", [id["variant"]!, id["lighthouse"]!, id["a1111"]!])
        return workspace
    }

    subscript(name: String) -> Int64 { ids[name] ?? -1 }

    /// A distinct small PNG per seed.
    static func png(seed: Int, width: Int = 48, height: Int = 32) throws -> [UInt8] {
        var pixels = [UInt8]()
        for y in 0..<height {
            for x in 0..<width {
                pixels += [
                    UInt8(truncatingIfNeeded: x &* 5 &+ seed &* 17), UInt8(truncatingIfNeeded: y &* 7 &+ seed &* 3),
                    UInt8(truncatingIfNeeded: (x ^ y) &+ seed &* 11), 255,
                ]
            }
        }
        return try RGBAImage(width: width, height: height, pixels: pixels).pngData()
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// The bytes of a file.
func contents(_ path: String) throws -> [UInt8] {
    Array(try Data(contentsOf: URL(fileURLWithPath: path)))
}

/// Parses JSON into Foundation values.
func parseJSON(_ bytes: [UInt8]) throws -> Any {
    try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
}
