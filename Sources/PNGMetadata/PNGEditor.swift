/// Lossless edits of a PNG's text chunks: new chunks are spliced in before the first IDAT and
/// chosen text chunks removed; every other byte (signature, IHDR, image data, other chunks,
/// their order) is copied as it was. Pixels are never decoded or re-encoded.
public enum PNGEditor {
    /// Returns the file with `inserting` placed just before the first IDAT and every text chunk
    /// whose keyword is in `removingKeywords` (wherever it stands) left out.
    ///
    /// With `verifyImageData`, the CRC of every IDAT chunk is checked too (a damaged file is
    /// refused rather than given new metadata).
    public static func splice(
        _ png: [UInt8], inserting: [TextChunk], removingKeywords: Set<String>, verifyImageData: Bool = false
    ) throws -> [UInt8] {
        try splice(png, removingKeywords: removingKeywords, verifyImageData: verifyImageData) { _ in inserting }
    }

    /// `splice`, with the chunks to insert made from the file's header once it has been read.
    public static func splice(
        _ png: [UInt8], removingKeywords: Set<String>, verifyImageData: Bool = false,
        inserting makeChunks: (ImageHeader) throws -> [TextChunk]
    ) throws -> [UInt8] {
        try png.withUnsafeBytes { buffer throws -> [UInt8] in
            let walker = ChunkWalker(source: MemoryByteSource(bytes: buffer), verifyImageData: verifyImageData)
            var removed: [Range<Int>] = []
            var firstImageData: Int?
            let summary = try walker.walk { chunk throws in
                if chunk.type == .IDAT {
                    if firstImageData == nil { firstImageData = chunk.offset }
                } else if chunk.type.isText, !removingKeywords.isEmpty,
                    let keyword = TextChunkCodec.keyword(in: UnsafeRawBufferPointer(rebasing: buffer[chunk.dataOffset..<(chunk.dataOffset + min(80, chunk.length))])),
                    removingKeywords.contains(keyword)
                {
                    removed.append(chunk.offset..<chunk.end)
                }
            }
            let encoded = try makeChunks(summary.header).map { try TextChunkCodec.encode($0) }
            // The walk succeeded, so an IDAT exists.
            let insertion = firstImageData!
            var output = [UInt8]()
            output.reserveCapacity(buffer.count + encoded.reduce(0) { $0 + $1.count })
            var cursor = 0
            var inserted = false
            func copy(upTo end: Int) {
                if cursor < end { output.append(contentsOf: buffer[cursor..<end]) }
            }
            for range in removed {
                if !inserted && range.lowerBound > insertion {
                    copy(upTo: insertion)
                    cursor = insertion
                    for chunk in encoded { output.append(contentsOf: chunk) }
                    inserted = true
                }
                copy(upTo: range.lowerBound)
                cursor = range.upperBound
            }
            if !inserted {
                copy(upTo: insertion)
                cursor = max(cursor, insertion)
                for chunk in encoded { output.append(contentsOf: chunk) }
            }
            copy(upTo: buffer.count)
            return output
        }
    }

    /// `splice` from file to file (`destination` may be `source`: the file is replaced
    /// atomically). Only the chunk headers and the text before the first IDAT are read; the
    /// rest is copied inside the kernel (`copy_file_range`), so embedding costs about what a
    /// `cp` of the file does. A failure leaves `destination` as it was.
    public static func spliceFile(
        at source: String, to destination: String, removingKeywords: Set<String>, verifyImageData: Bool = false,
        durable: Bool, inserting makeChunks: (ImageHeader) throws -> [TextChunk]
    ) throws {
        let file = try FileByteSource(path: source)
        let walker = ChunkWalker(source: file, verifyImageData: verifyImageData)
        var removed: [Range<Int>] = []
        var firstImageData: Int?
        let summary = try walker.walk { chunk in
            if chunk.type == .IDAT {
                if firstImageData == nil { firstImageData = chunk.offset }
            } else if chunk.type.isText, !removingKeywords.isEmpty {
                let keyword = try file.withBytes(at: chunk.dataOffset, count: min(80, chunk.length)) { TextChunkCodec.keyword(in: $0) }
                if let keyword, removingKeywords.contains(keyword) { removed.append(chunk.offset..<chunk.end) }
            }
        }
        let encoded = try makeChunks(summary.header).map { try TextChunkCodec.encode($0) }
        let insertion = firstImageData!  // the walk succeeded, so an IDAT exists
        // What to keep, in order: the file minus the removed chunks, split at the insertion point.
        var kept: [Range<Int>] = []
        var cursor = 0
        for range in removed + [file.size..<file.size] {
            let segment = cursor..<range.lowerBound
            if segment.contains(insertion) && segment.lowerBound < insertion {
                kept += [segment.lowerBound..<insertion, insertion..<segment.upperBound]
            } else if !segment.isEmpty {
                kept.append(segment)
            }
            cursor = range.upperBound
        }
        let writer = try AtomicFileWriter(path: destination, mode: 0o644)
        // Everything up to the image data (the kept head and our chunks) goes out in one write;
        // the rest is copied inside the kernel.
        var head: [UInt8] = []
        head.reserveCapacity(insertion + encoded.reduce(0) { $0 + $1.count })
        var inserted = false
        for piece in kept {
            if !inserted && piece.lowerBound >= insertion {
                for chunk in encoded { head += chunk }
                try head.withUnsafeBytes { try writer.write($0) }
                inserted = true
            }
            if piece.upperBound <= insertion {
                try file.withBytes(at: piece.lowerBound, count: piece.count) { head += $0 }
            } else {
                try writer.copy(from: file.descriptor, offset: piece.lowerBound, count: piece.count)
            }
        }
        try writer.commit(durable: durable)
    }

    /// The keywords `strip` removes from a file with these text chunks: ours (the `gptimg`
    /// chunk, and the standard chunks we write when the file is ours), and with
    /// `includeForeign` every other generator's metadata too.
    public static func keywordsToStrip(from chunks: [TextChunk], includeForeign: Bool) -> Set<String> {
        var keywords: Set<String> = [GptimgEmbedding.keyword]
        let ours = chunks.contains { $0.keyword == GptimgEmbedding.keyword }
            || chunks.text(for: "Software")?.hasPrefix("gptimg") == true
        if ours { keywords.formUnion(GptimgEmbedding.ownKeywords) }
        if includeForeign {
            keywords.formUnion(foreignGenerationKeywords)
            if chunks.text(for: "Software") == "NovelAI" {
                keywords.formUnion(["Title", "Description", "Software", "Source", "Generation time", "Comment"])
            }
        }
        return keywords.intersection(chunks.map(\.keyword))
    }

    /// Text keywords that carry other generators' prompts and settings (metadata.md).
    public static let foreignGenerationKeywords: Set<String> = [
        "parameters", "prompt", "workflow", "invokeai_metadata", "invokeai_graph", "invokeai_workflow",
        "sd-metadata", "Dream",
    ]
}
