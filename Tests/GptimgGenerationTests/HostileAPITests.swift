import Foundation
import GptimgAPI
import GptimgCatalog
import GptimgClient
import GptimgGeneration
import Hummingbird
import PNGMetadata
import TestSupport
import Testing

/// Issue 14, item 6: a broken or hostile API, as scripted servers over loopback. At most `n`
/// images land whatever the answer lists; values it echoes are stored (catalog, PNG) only when
/// they fit their shape; a signed URL's query never goes into a file; what was dropped is
/// recorded on the generation.
@Suite("Generator: a hostile API")
struct HostileAPITests {
    static let id = "HHHHHHHHHHHHHHHHHHHHH"

    /// A real 1×1 PNG whose bytes differ with `tag` (a tEXt chunk), so every URL is a new image.
    static func png(tag: String) -> [UInt8] {
        func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
            func be(_ value: UInt32) -> [UInt8] { [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: value >> $0) } }
            let body = Array(type.utf8) + data
            return be(UInt32(data.count)) + body + be(independentCRC32(body))
        }
        let header: [UInt8] = [0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0] // 1×1, 8-bit grey
        // zlib: one stored block holding the row (filter 0, pixel 0), then its Adler-32.
        let imageData: [UInt8] = [0x78, 0x01, 0x01, 0x02, 0x00, 0xFD, 0xFF, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01]
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", header)
            + chunk("tEXt", Array("Comment\0\(tag)".utf8))
            + chunk("IDAT", imageData) + chunk("IEND", [])
    }

    /// Serves `/img/NAME` as a distinct PNG per name.
    static func serveImages(_ router: Router<BasicRequestContext>) {
        router.get("/img/:name") { _, context in
            let name = context.parameters.get("name") ?? "?"
            return Response(
                status: .ok, headers: [.contentType: "image/png"],
                body: .init(byteBuffer: ByteBuffer(bytes: png(tag: name))))
        }
    }

    static func generator(_ catalog: Catalog, _ port: Int) throws -> GptimgGeneration.Generator {
        GptimgGeneration.Generator(
            catalog: catalog, client: try client(port), schedule: PollSchedule(typicalLatency: 0.3),
            clock: InstantClock())
    }

    @Test("20,000 image URLs for n = 1: one image lands, one download is made, and the rest is recorded as an error")
    func tooManyImages() async throws {
        let count = 20_000
        try await withServer({ router, _ in
            router.post("/api/v1/images/generate") { _, _ in json(submitted(Self.id)) }
            router.get("/api/v1/images/task/:id") { request, _ in
                let host = request.head.authority ?? "127.0.0.1"
                let images = (0..<count).map {
                    #"{"url":"http://\#(host)/img/\#($0).png?token=secret-\#($0)","content_type":"image/png"}"#
                }
                return json(
                    #"{"success":true,"data":{"id":"\#(Self.id)","task_id":"gpt-image-2-\#(Self.id)","#
                        + #""status":"completed","#
                        + #""provider":"gpt-image-2","model":"gpt-image-2","type":"text-to-image","#
                        + #""images":[\#(images.joined(separator: ","))],"#
                        + #""created_at":"2026-11-21T10:00:00.000Z","updated_at":"2026-11-21T10:00:45.000Z"}}"#
                )
            }
            Self.serveImages(router)
        }) { port, log in
            try await withLibrary { catalog in
                let outcome = try await Self.generator(catalog, port).generate(
                    GenerateRequest(prompt: "one lake, please", n: 1))
                #expect(outcome.images.count == 1)
                #expect(outcome.images.first?.index == 0)
                #expect(await log.count("GET", "/img/") == 1)
                #expect(try catalog.count(ImageQuery(parsing: "")) == 1)
                let generation = try await #require(try await catalog.generation(id: outcome.generation.id))
                #expect(generation.status == .completed)
                #expect(generation.errorCode == "UNEXPECTED_ANSWER")
                #expect(
                    generation.errorMessage?.contains("answered \(count) image URLs for n = 1") == true,
                    "\(generation.errorMessage ?? "")")
                #expect(outcome.message?.contains("answered \(count) image URLs") == true)
                // `gptimg tasks --all` lists it with that error.
                #expect(try catalog.recentGenerations().first?.errorMessage == generation.errorMessage)
            }
        }
    }

    @Test("echoed values that do not fit their shape are not stored; a signed URL's query stays out of the PNG")
    func hostileEchoes() async throws {
        let secret = "SECRET-\(UUID().uuidString)"
        let provider = #"\u001b]0;owned\u0007gpt"#
        let model = String(repeating: "M", count: 10_000)
        try await withServer({ router, _ in
            let echoes =
                #""id":"row-$(touch x)","task_id":"gpt-image-2-\#(Self.id)","provider":"\#(provider)","#
                + #""model":"\#(model)","type":"text-to-image","created_at":"soon""#
            router.post("/api/v1/images/generate") { _, _ in
                json(#"{"success":true,"data":{\#(echoes),"status":"processing","images":[]}}"#)
            }
            router.get("/api/v1/images/task/:id") { request, _ in
                let host = request.head.authority ?? "127.0.0.1"
                let images = [
                    #"{"url":"http://\#(host)/img/first.png?token=\#(secret)","content_type":"image/png"}"#,
                    #"{"url":"http://evil.example/img/second.png","content_type":"image/png"}"#,
                ]
                let list = images.joined(separator: ",")
                return json(
                    #"{"success":true,"data":{\#(echoes),"status":"completed","#
                        + #""images":[\#(list)],"updated_at":"<script>"}}"#)
            }
            Self.serveImages(router)
        }) { port, log in
            try await withLibrary { catalog in
                let outcome = try await Self.generator(catalog, port).generate(
                    GenerateRequest(prompt: "two lakes", n: 2))
                #expect(outcome.images.count == 1)
                #expect(outcome.missing == [1]) // plain http to another host is never fetched
                #expect(await log.count("GET", "/img/") == 1)
                let generation = try await #require(try await catalog.generation(id: outcome.generation.id))
                #expect(generation.taskID == "gpt-image-2-\(Self.id)")
                #expect(generation.serverRowID == nil && generation.submittedAt == nil && generation.completedAt == nil)
                // What was asked for, not the echo.
                #expect(generation.provider == "gpt-image-2" && generation.model == "gpt-image-2")
                #expect(generation.errorCode == "UNEXPECTED_ANSWER")
                let message = try #require(generation.errorMessage)
                for field in [
                    "data.id", "data.provider", "data.model", "data.created_at", "data.updated_at",
                    "data.images[1].url",
                ] {
                    #expect(message.contains(field), "\(field): \(message)")
                }
                #expect(message.count <= 2000)
                #expect(!message.unicodeScalars.contains { $0.value < 0x20 }, "\(message)")
                #expect(!message.contains(String(repeating: "M", count: 100)))

                // The catalog keeps the whole URL (a variant sends it back to the API); the file,
                // which travels, keeps none of its query.
                let image = try #require(outcome.images.first)
                #expect(image.remoteURL == "http://127.0.0.1:\(port)/img/first.png?token=\(secret)")
                let file = catalog.location.root.appendingPathComponent(image.path).path
                let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
                #expect(bytes.range(of: Data(secret.utf8)) == nil, "the token is in the PNG")
                let ours = try #require(try PNGMetadataReader.read(contentsOf: file).generation?.gptimg)
                #expect(ours.remoteURL == "http://127.0.0.1:\(port)/img/first.png")
                #expect(ours.provider == nil && ours.model == nil && ours.rowID == nil)
                #expect(ours.createdAt == nil && ours.completedAt == nil)
                #expect(ours.taskID == "gpt-image-2-\(Self.id)")
            }
        }
    }

    @Test("a poll answered for another task is not taken for this one")
    func answerForAnotherTask() async throws {
        try await withServer({ router, _ in
            router.post("/api/v1/images/generate") { _, _ in json(submitted(Self.id)) }
            router.get("/api/v1/images/task/:id") { _, _ in
                json(completed("OOOOOOOOOOOOOOOOOOOOO", url: "http://127.0.0.1:1/x.png"))
            }
        }) { port, log in
            try await withLibrary { catalog in
                let outcome = try await Self.generator(catalog, port).generate(GenerateRequest(prompt: "mine"))
                #expect(outcome.images.isEmpty)
                #expect(outcome.generation.status == .processing) // still the API's task: resumable
                #expect(outcome.message?.contains("not gpt-image-2-\(Self.id)") == true, "\(outcome.message ?? "")")
                #expect(await log.count("POST") == 1)
            }
        }
    }
}
