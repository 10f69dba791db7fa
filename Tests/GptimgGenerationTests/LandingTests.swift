import Foundation
import GptimgAPI
import GptimgCatalog
import GptimgClient
import GptimgGeneration
import Hummingbird
import PNGMetadata
import TestSupport
import Testing

/// Landing a downloaded image in one pass: held in memory, embedded there, checked once, written
/// once into staging and linked — no temporary file in the library, nothing of a damaged
/// download anywhere.
@Suite("Generator: landing in one pass")
struct LandingTests {
    static let id = "LLLLLLLLLLLLLLLLLLLLL"

    @Test("the image lands with our metadata and its other bytes as served; a bad CRC lands nothing; no tmp/")
    func onePass() async throws {
        let good = HostileAPITests.png(tag: "good")
        var damaged = HostileAPITests.png(tag: "bad")
        // The IDAT's last data byte (the Adler-32's), before its CRC: the chunk no longer matches it.
        damaged[damaged.count - 12 - 5] ^= 0x01
        let bad = damaged
        try await withServer({ router, _ in
            router.post("/api/v1/images/generate") { _, _ in json(submitted(Self.id)) }
            router.get("/api/v1/images/task/:id") { request, _ in
                let host = request.head.authority ?? "127.0.0.1"
                let images = ["good", "bad"].map {
                    #"{"url":"http://\#(host)/img/\#($0).png","content_type":"image/png"}"#
                }
                return json(
                    #"{"success":true,"data":{"id":"\#(Self.id)","task_id":"gpt-image-2-\#(Self.id)","#
                        + #""status":"completed","provider":"gpt-image-2","model":"gpt-image-2","#
                        + #""type":"text-to-image","images":[\#(images.joined(separator: ","))],"#
                        + #""created_at":"2026-11-21T10:00:00.000Z","updated_at":"2026-11-21T10:00:45.000Z"}}"#)
            }
            router.get("/img/:name") { _, context in
                let bytes = context.parameters.get("name") == "good.png" ? good : bad
                return Response(
                    status: .ok, headers: [.contentType: "image/png"],
                    body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
            }
        }) { port, _ in
            try await withLibrary { catalog in
                let outcome = try await HostileAPITests.generator(catalog, port).generate(
                    GenerateRequest(prompt: "a lake in one pass", n: 2))
                #expect(outcome.images.map(\.index) == [0])
                #expect(outcome.missing == [1])
                #expect(outcome.message?.contains("is not a sound PNG") == true, "\(outcome.message ?? "")")
                let root = catalog.location.root
                // Nothing was written outside staging and images/: no downloads folder.
                #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("tmp").path))
                let landed = try #require(outcome.images.first)
                let file = Array(try Data(contentsOf: root.appendingPathComponent(landed.path)))
                #expect(landed.sha256 == Catalog.sha256Hex(file) && landed.bytes == file.count)
                let report = try PNGMetadataReader.read(bytes: file, verifyImageData: true)
                #expect(report.generation?.gptimg?.taskID == "gpt-image-2-\(Self.id)")
                #expect(report.generation?.gptimg?.prompt == "a lake in one pass")
                // Every other byte is the served file's.
                let withoutOurs = try PNGEditor.splice(
                    file, inserting: [], removingKeywords: GptimgEmbedding.ownKeywords)
                #expect(withoutOurs == good)
                // Nothing of the damaged one: no file, no intent, nothing staged.
                let doctor = try catalog.doctor()
                #expect(doctor.isClean, "\(doctor.problems)")
                // (The generation stays unfinished: its second image is missing, for a resume.)
                let unfinished = DoctorReport.Finding.unfinishedTask(
                    generationID: outcome.generation.id, status: "processing", taskID: "gpt-image-2-\(Self.id)")
                #expect(doctor.notices == [unfinished])
                #expect(doctor.filesScanned == 1)
            }
        }
    }
}
