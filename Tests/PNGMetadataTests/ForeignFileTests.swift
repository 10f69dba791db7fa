import Foundation
import GptimgSupport
import Testing

@testable import PNGMetadata

/// The foreign formats as real files: each published shape stored every way a PNG can store
/// text (tEXt, zTXt, iTXt plain and compressed; before or after the image data), read back from
/// disk through the chunk walker, must give the same generation as the text itself.
@Suite("Foreign formats in real files")
struct ForeignFileTests {
    enum Storage: CaseIterable {
        case asGiven, zTXt, compressediTXt, afterImageData
    }

    static func restored(_ chunk: TextChunk, as storage: Storage) -> TextChunk {
        var chunk = chunk
        switch storage {
        case .asGiven, .afterImageData: break
        case .zTXt:
            chunk.kind = TextChunkCodec.latin1Bytes(chunk.text) == nil ? .iTXt : .zTXt
            chunk.compressed = true
        case .compressediTXt:
            chunk.kind = .iTXt
            chunk.compressed = true
        }
        return chunk
    }

    static func file(_ chunks: [TextChunk], storage: Storage) throws -> [UInt8] {
        let base = PNGFixtures.image(width: 200, height: 150)
        let stored = chunks.map { restored($0, as: storage) }
        if storage == .afterImageData {
            return PNGFixtures.inserting(
                try stored.flatMap { try TextChunkCodec.encode($0) }, into: base, afterImageData: true)
        }
        return try PNGEditor.splice(base, inserting: stored, removingKeywords: [])
    }

    @Test("every sample, every storage", arguments: ForeignSamples.all.map(\.name), Storage.allCases)
    func sample(name: String, storage: Storage) throws {
        let chunks = try #require(ForeignSamples.all.first { $0.name == name }).chunks
        let expected = try #require(GenerationInfoParser.parse(chunks), "sample \(name) parses in memory")
        let directory = PNGFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("\(name).png").path
        try AtomicFile.write(try Self.file(chunks, storage: storage), to: path, durable: false)
        let report = try PNGMetadataReader.read(contentsOf: path)
        #expect(report.warnings.isEmpty)
        #expect(report.textChunks.map(\.text) == chunks.map(\.text))
        #expect(report.textChunks.allSatisfy { $0.afterImageData == (storage == .afterImageData) })
        #expect(report.generation == expected)
        #expect(report.generation?.prompt?.isEmpty == false)
    }

    @Test("our own file beats foreign chunks in the same file, and is found after the image data too")
    func oursAfterImageData() throws {
        let ours = GptimgMetadata(prompt: "ours", taskID: "gpt-image-2-abc")
        let base = try PNGEditor.splice(PNGFixtures.image(), inserting: ForeignSamples.a1111, removingKeywords: [])
        let json = TextChunk(kind: .iTXt, keyword: "gptimg", text: GptimgEmbedding.json(ours))
        let file = PNGFixtures.inserting(try TextChunkCodec.encode(json), into: base, afterImageData: true)
        let generation = try #require(try PNGMetadataReader.read(bytes: file).generation)
        #expect(generation.generator == .gptimg)
        #expect(generation.prompt == "ours")
    }
}
