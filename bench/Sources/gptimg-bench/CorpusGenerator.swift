import Foundation
import GptimgSimulator
import GptimgSupport
import PNGMetadata
import PNGRaster

/// Makes corpus file `index` from the corpus seed alone, so files can be made in any order, on
/// any number of cores, and still come out byte-identical.
struct CorpusGenerator: Sendable {
    /// Whose metadata a file carries.
    enum Kind: String, Sendable {
        case none, gptimg, a1111, comfyui, invokeai, novelai, standard
    }

    struct Written: Sendable {
        var bytes: Int
        var kind: Kind
    }

    /// Sizes of about one megapixel: mostly gpt-image-2's three, some SDXL-style others.
    static let sizes: [(width: Int, height: Int, weight: Int)] = [
        (1024, 1024, 34), (1536, 1024, 24), (1024, 1536, 20), (1344, 768, 5), (768, 1344, 4),
        (1152, 896, 5), (896, 1152, 4), (1216, 832, 4),
    ]

    let seed: UInt64
    let withMetadata: Bool
    let compressionLevel: Int

    static func fileName(_ index: Int) -> String {
        String(format: "img-%05d.png", index)
    }

    func write(index: Int, into directory: String) throws -> Written {
        let (bytes, kind) = try file(index: index)
        try AtomicFile.write(bytes, to: directory + "/" + Self.fileName(index), durable: false)
        return Written(bytes: bytes.count, kind: kind)
    }

    func file(index: Int) throws -> (bytes: [UInt8], kind: Kind) {
        var random = SplitMix64(seed: Hash.mix(seed) ^ Hash.mix(UInt64(index) &+ 0x51_7CC1_B727_220A))
        let size = Self.pickSize(&random)
        let prompt = SamplePrompts.prompt(&random)
        let image = ProceduralArt.render(
            prompt: prompt, variation: random.next(), width: size.width, height: size.height)
        var png = try image.pngData(compressionLevel: compressionLevel)
        guard withMetadata else { return (png, .none) }

        let roll = random.int(in: 0...99)
        let kind: Kind =
            switch roll {
            case 0..<68: .gptimg
            case 68..<80: .a1111
            case 80..<89: .comfyui
            case 89..<93: .invokeai
            case 93..<96: .novelai
            default: .standard
            }
        let sample = SampleMetadata(prompt: prompt, width: size.width, height: size.height)
        // One file in ten also has (or only has) text after the image data, as some tools write it.
        let afterImageData = index % 10 == 7
        var before: [TextChunk] = []
        var after: [TextChunk] = []
        switch kind {
        case .none:
            break
        case .gptimg:
            png = try GptimgEmbedding.embed(sample.gptimg(&random), into: png)
            if afterImageData {
                after.append(
                    TextChunk(kind: .tEXt, keyword: "Comment", text: "Edited in Preview; text kept by gptimg import"))
            }
        case .a1111:
            before.append(sample.a1111(&random))
        case .comfyui:
            before += sample.comfyUI(&random)
        case .invokeai:
            before.append(sample.invokeAI(&random))
        case .novelai:
            before += sample.novelAI(&random)
        case .standard:
            before += sample.standard(&random)
        }
        if afterImageData, kind != .gptimg, !before.isEmpty {
            after.append(before.removeLast())
        }
        if !before.isEmpty {
            png = try PNGEditor.splice(png, inserting: before, removingKeywords: [])
        }
        if !after.isEmpty {
            png = try PNGChunks.insertBeforeEnd(after, into: png)
        }
        return (png, kind)
    }

    static func pickSize(_ random: inout SplitMix64) -> (width: Int, height: Int) {
        var roll = random.int(in: 0...(sizes.reduce(0) { $0 + $1.weight } - 1))
        for size in sizes {
            if roll < size.weight { return (size.width, size.height) }
            roll -= size.weight
        }
        return (1024, 1024)
    }
}

/// Byte-level placement of text chunks where `PNGEditor` does not put them.
enum PNGChunks {
    /// `png` with `chunks` placed just before IEND (after the image data). The chunks are
    /// encoded by `PNGEditor.splice` (so their bytes and CRCs are the library's own), then moved.
    static func insertBeforeEnd(_ chunks: [TextChunk], into png: [UInt8]) throws -> [UInt8] {
        let spliced = try PNGEditor.splice(png, inserting: chunks, removingKeywords: [])
        guard let firstImageData = offset(of: "IDAT", in: png), let end = offset(of: "IEND", in: png) else {
            throw PNGError.missingImageData
        }
        let encoded = spliced[firstImageData..<(firstImageData + spliced.count - png.count)]
        return Array(png[..<end]) + encoded + png[end...]
    }

    /// The offset of the first chunk of `type` (walking lengths, trusting them: these files are
    /// our own).
    static func offset(of type: String, in png: [UInt8]) -> Int? {
        let wanted = Array(type.utf8)
        var offset = 8
        while offset + 12 <= png.count {
            let length = png[offset..<(offset + 4)].reduce(0) { $0 << 8 | Int($1) }
            if Array(png[(offset + 4)..<(offset + 8)]) == wanted { return offset }
            offset += 12 + length
        }
        return nil
    }
}
