import Foundation
import GptimgCatalog
import GptimgGallery
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PNGMetadata
import PNGRaster

/// A library in a temporary folder with real PNGs carrying our metadata, imported through the
/// catalog as `gptimg import` would. Removed when the test ends.
final class GalleryLibrary: Sendable {
    let folder: URL
    let location: LibraryLocation
    let catalog: Catalog

    /// One image to put in the library.
    struct Spec: Sendable {
        var prompt: String
        var task: String
        var aspect = "16:9"
        var width = 160
        var height = 90
        var created: String
        var tags: [String] = []
        var parent: GptimgMetadata.Parent? = nil
    }

    init(_ specs: [Spec]) async throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("gptimg-gallery-\(UUID().uuidString)")
        let sources = folder.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: sources, withIntermediateDirectories: true)
        location = LibraryLocation(root: folder.appendingPathComponent("Library"))
        for (index, spec) in specs.enumerated() {
            let metadata = GptimgMetadata(
                prompt: spec.prompt, aspectRatio: spec.aspect,
                type: spec.parent == nil ? "text-to-image" : "image-to-image",
                referenceImages: spec.parent.map { ["https://files.example/\($0.taskID)/\($0.index).png"] } ?? [],
                taskID: spec.task,
                createdAt: spec.created, completedAt: spec.created, parent: spec.parent,
                remoteURL: "https://files.example/\(spec.task)/0.png",
                tags: spec.tags)
            let bytes = try GptimgEmbedding.embed(
                metadata, into: Self.png(seed: index, width: spec.width, height: spec.height))
            try Data(bytes).write(to: sources.appendingPathComponent(String(format: "%03d.png", index)))
        }
        catalog = try Catalog.open(location, access: .readWrite)
        _ = try await catalog.importFiles([sources.path])
    }

    deinit { try? FileManager.default.removeItem(at: folder) }

    /// A smooth gradient with a few features, distinct per seed.
    static func png(seed: Int, width: Int, height: Int) throws -> [UInt8] {
        var pixels = [UInt8](repeating: 255, count: width * height * 4)
        for y in 0..<height {
            for x in 0..<width {
                let offset = (y * width + x) * 4
                pixels[offset] = UInt8(truncatingIfNeeded: x * 255 / width + seed * 40)
                pixels[offset + 1] = UInt8(truncatingIfNeeded: y * 255 / height + seed * 17)
                pixels[offset + 2] = UInt8(truncatingIfNeeded: (x + y) / 3 + seed * 90)
            }
        }
        return try RGBAImage(width: width, height: height, pixels: pixels).pngData()
    }

    func id(task: String) throws -> Int64 {
        guard let item = try catalog.list("task:\(task)").first else { throw FixtureError("no image of task \(task)") }
        return item.image.id
    }

    func details(task: String) throws -> ImageDetails {
        try catalog.details([try id(task: task)])[0]
    }

    /// The standard library of these tests: a lighthouse family (a parent and its variant), a
    /// hostile prompt, a portrait and two plain landscapes; one 640×360 file for a real downscale.
    static func standard() async throws -> GalleryLibrary {
        let library = try await GalleryLibrary([
            Spec(
                prompt: "a lighthouse on a cliff at dawn, watercolor", task: "gpt-image-2-PARENTPARENTPARENTPARE",
                width: 640, height: 360, created: "2026-11-01T10:00:00Z", tags: ["coast"]),
            Spec(
                prompt: "the lighthouse in a storm", task: "gpt-image-2-CHILDCHILDCHILDCHILDC",
                created: "2026-11-02T10:00:00Z", parent: .init(taskID: "gpt-image-2-PARENTPARENTPARENTPARE", index: 0)),
            Spec(
                prompt: "<script>alert(\"pwned\")</script><img src=x onerror=alert(1)> & 'quotes'",
                task: "gpt-image-2-HOSTILEHOSTILEHOSTILE", aspect: "1:1", width: 100, height: 100,
                created: "2026-11-03T10:00:00Z", tags: ["\"><script>alert(2)</script>"]),
            Spec(
                prompt: "a portrait of a fox in the snow", task: "gpt-image-2-FOXFOXFOXFOXFOXFOXFOX", aspect: "9:16",
                width: 90, height: 160, created: "2026-11-04T10:00:00Z"),
            Spec(
                prompt: "rolling green hills, oil painting", task: "gpt-image-2-HILLSHILLSHILLSHILLS",
                created: "2026-11-05T10:00:00Z"),
            Spec(
                prompt: "a misty lake at blue hour", task: "gpt-image-2-LAKELAKELAKELAKELAKE",
                created: "2026-11-06T10:00:00Z"),
        ])
        let fox = try library.id(task: "gpt-image-2-FOXFOXFOXFOXFOXFOXFOX")
        let lake = try library.id(task: "gpt-image-2-LAKELAKELAKELAKELAKE")
        try await library.catalog.addToCollection("Summer trip", [fox, lake])
        try library.catalog.rate([lake], 5)
        try library.catalog.setFavorite([fox], true)
        return library
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The token every test gallery uses, so requests can carry it.
let testToken = EditToken(value: String(repeating: "ab", count: 32))

extension GalleryLibrary {
    /// The gallery over this library, as HummingbirdTesting's router framework sees it: requests
    /// arrive with authority `localhost` and no port, which means port 80.
    func gallery(pageSize: Int = 100) -> Gallery {
        Gallery(catalog: catalog, configuration: GalleryConfiguration(port: 80, pageSize: pageSize), token: testToken)
    }

    /// Runs `test` against the gallery's router (no socket).
    func withRouter<T: Sendable>(
        pageSize: Int = 100, _ test: @escaping @Sendable (any TestClientProtocol) async throws -> T
    ) async throws -> T {
        try await gallery(pageSize: pageSize).application().test(.router) { client in try await test(client) }
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }
    var bytes: [UInt8] { Array(buffer: body) }
}

extension TestClientProtocol {
    func get(_ uri: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        try await execute(uri: uri, method: .get, headers: headers)
    }

    /// A POST as the gallery's own page sends it: JSON, the token and a same-origin `Origin`.
    func edit(
        _ uri: String, _ json: String, token: String? = testToken.value, origin: String? = "http://localhost",
        extra: HTTPFields = [:]
    ) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let token { headers[HTTPField.Name("X-Gptimg-Token")!] = token }
        if let origin { headers[.origin] = origin }
        for field in extra { headers[field.name] = field.value }
        return try await execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: json))
    }
}

/// How many times `needle` occurs in `text`.
func occurrences(of needle: String, in text: String) -> Int {
    text.components(separatedBy: needle).count - 1
}
