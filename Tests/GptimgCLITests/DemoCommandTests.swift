import Foundation
import PNGMetadata
import Testing
import TestSupport

/// The README's first command, run as the built binary: the in-process simulator, the real
/// pipeline, a real library on disk.
@Suite("gptimg demo and simulator", .serialized)
struct DemoCommandTests {
    let gptimg = BuiltProduct.path("gptimg")

    @Test func demoFillsALibraryAndASecondRunAddsToIt() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gptimg-demo-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let library = folder.appendingPathComponent("Library").path

        let first = try ProcessRunner.run([gptimg, "demo", "--library", library, "--latency", "0.2"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("Added 4 images"))
        #expect(first.stdout.contains("Try next:"))
        #expect(first.stderr.contains("landed"))

        let second = try ProcessRunner.run([gptimg, "demo", "--library", library, "--latency", "0.2"])
        #expect(second.status == 0, "\(second.stderr)")

        let listed = try ProcessRunner.run([gptimg, "list", "--library", library, "--json"])
        let lines = listed.stdout.split(separator: "\n")
        #expect(lines.count == 8)
        #expect(lines.allSatisfy { $0.contains("\"source\":\"simulator\"") })
        #expect(lines.filter { $0.contains("\"type\":\"image-to-image\"") }.count == 2)
        #expect(lines.filter { $0.contains("\"parent_id\":null") }.count == 6)

        // Every file describes itself: our metadata, with the simulator's task id.
        let variant = try #require(lines.first { $0.contains("image-to-image") })
        let path = try #require(variant.split(separator: "\"path\":\"").dropFirst().first?.split(separator: "\"").first)
        let report = try PNGMetadataReader.read(contentsOf: library + "/" + path)
        #expect(report.textChunks.contains { $0.keyword == "gptimg" })

        let collection = try ProcessRunner.run([gptimg, "collection", "show", "Demo", "--library", library, "--json"])
        #expect(collection.stdout.split(separator: "\n").count == 8)
        let doctor = try ProcessRunner.run([gptimg, "doctor", "--library", library])
        #expect(doctor.status == 0, "\(doctor.stdout)\(doctor.stderr)")
    }

    @Test func simulatorRefusesABadPortWithOneLine() throws {
        let result = try ProcessRunner.run([gptimg, "simulator", "--port", "70000"])
        #expect(result.status != 0)
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(result.stderr.contains("--port"))
    }
}
