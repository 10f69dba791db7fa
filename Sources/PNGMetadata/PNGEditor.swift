import GptimgSupport

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
            let plan = try SplicePlan(
                ChunkWalker(source: MemoryByteSource(bytes: buffer), verifyImageData: verifyImageData),
                removingKeywords: removingKeywords)
            let encoded = try makeChunks(plan.header).map { try TextChunkCodec.encode($0) }
            var output = [UInt8]()
            output.reserveCapacity(buffer.count + encoded.reduce(0) { $0 + $1.count })
            plan.forEachPiece {
                for chunk in encoded { output += chunk }
            } piece: { range in
                output += buffer[range]
            }
            return output
        }
    }

    /// `splice` from file to file (`destination` may be `source`: the file is replaced
    /// atomically). Only the chunk headers and the text before the first IDAT are read; the
    /// rest is copied inside the kernel (`copy_file_range`), so embedding costs about what a
    /// `cp` of the file does. A failure leaves `destination` as it was.
    public static func spliceFile(
        at source: String, to destination: String, removingKeywords: Set<String>, removingTypes: Set<ChunkType> = [],
        verifyImageData: Bool = false, durable: Bool, inserting makeChunks: (ImageHeader) throws -> [TextChunk]
    ) throws {
        let file = try FileByteSource(path: source)
        let plan = try SplicePlan(
            ChunkWalker(source: file, verifyImageData: verifyImageData), removingKeywords: removingKeywords,
            removingTypes: removingTypes)
        let encoded = try makeChunks(plan.header).map { try TextChunkCodec.encode($0) }
        do {
            let writer = try AtomicFileWriter(path: destination, mode: 0o644)
            // Everything up to the image data (the kept head and our chunks) goes out in one
            // write; the rest is copied inside the kernel. A writer dropped on an error removes
            // its temporary file.
            var head: [UInt8] = []
            head.reserveCapacity(plan.insertion + encoded.reduce(0) { $0 + $1.count })
            try plan.forEachPiece {
                for chunk in encoded { head += chunk }
                try head.withUnsafeBytes { try writer.write($0) }
            } piece: { range in
                if range.upperBound <= plan.insertion {
                    try file.withBytes(at: range.lowerBound, count: range.count) { head += $0 }
                } else {
                    try writer.copy(from: file.descriptor, offset: range.lowerBound, count: range.count)
                }
            }
            try writer.commit(durable: durable)
        } catch let error as FileError {
            throw PNGError(error)
        }
    }

    // MARK: - Stripping

    /// What `meta strip` removes besides the text it always removes.
    public struct StripOptions: Sendable, Hashable {
        /// Other generators' metadata too (A1111, ComfyUI, InvokeAI, NovelAI, Fooocus).
        public var includeForeign: Bool
        /// The C2PA manifest (`caBX` chunk) too: never removed unless asked.
        public var removeC2PA: Bool
        /// Keep the provenance labels: the C2PA manifest, and for a gptimg file an XMP packet
        /// with only `XMPPacket.provenance` (digital source type, AI system, software agent) and
        /// the `Software` and `Source` chunks. The prompt and settings go as usual.
        public var keepProvenance: Bool

        public init(includeForeign: Bool = false, removeC2PA: Bool = false, keepProvenance: Bool = false) {
            self.includeForeign = includeForeign
            self.removeC2PA = removeC2PA
            self.keepProvenance = keepProvenance
        }
    }

    /// What a strip did to one file.
    public struct StripResult: Sendable, Hashable {
        /// The keywords of the text chunks removed, in file order, then `caBX` when the C2PA
        /// manifest was removed. An XMP packet replaced by its provenance-only form is listed.
        public var removed: [String]
        /// The C2PA manifest's size in bytes (its chunk data) when the file keeps one.
        public var keptC2PABytes: Int?
        /// Whether a provenance-only XMP packet was written in place of ours.
        public var wroteProvenance: Bool
    }

    /// The chunk type of a C2PA manifest store in PNG (C2PA spec, "Embedding manifests into PNG").
    public static let c2paChunkType = ChunkType("caBX")

    /// Removes the generation metadata (`keywordsToStrip`) from the file at `path`, replacing
    /// it atomically and durably; every other byte, the image data included, stays as it was.
    /// Returns the keywords of the chunks removed, in file order (none: the file is not
    /// rewritten). A file that fails is left unchanged.
    public static func strip(fileAt path: String, includeForeign: Bool) throws -> [String] {
        try strip(fileAt: path, options: StripOptions(includeForeign: includeForeign)).removed
    }

    /// `strip` with the C2PA and provenance choices of `options`.
    public static func strip(fileAt path: String, options: StripOptions) throws -> StripResult {
        let report = try PNGMetadataReader.read(contentsOf: path)
        let chunks = report.textChunks
        var keywords = keywordsToStrip(from: chunks, includeForeign: options.includeForeign)
        let manifest = report.chunks.first { $0.type == c2paChunkType.description }
        let removeManifest = options.removeC2PA && manifest != nil && !options.keepProvenance
        var provenance: TextChunk?
        if options.keepProvenance, isOurs(chunks) {
            keywords.subtract(["Software", "Source"])
            let model = report.generation?.gptimg?.model ?? chunks.text(for: "Source")
            let packet = XMPPacket.make(
                description: nil, createDate: nil, properties: XMPPacket.provenance(model: model))
            if chunks.text(for: XMPPacket.keyword) == packet {
                keywords.remove(XMPPacket.keyword) // stripped before: nothing to change
            } else {
                keywords.insert(XMPPacket.keyword)
                provenance = TextChunk(kind: .iTXt, keyword: XMPPacket.keyword, text: packet)
            }
        }
        keywords.formIntersection(chunks.map(\.keyword))
        let result = StripResult(
            removed: chunks.map(\.keyword).filter { keywords.contains($0) } + (removeManifest ? ["caBX"] : []),
            keptC2PABytes: removeManifest ? nil : manifest.map { $0.size - 12 }, wroteProvenance: provenance != nil)
        guard !keywords.isEmpty || removeManifest || provenance != nil else { return result }
        try spliceFile(
            at: path, to: path, removingKeywords: keywords, removingTypes: removeManifest ? [c2paChunkType] : [],
            durable: true
        ) { _ in provenance.map { [$0] } ?? [] }
        return result
    }

    /// Whether gptimg wrote these text chunks (our chunk, or our `Software`).
    static func isOurs(_ chunks: [TextChunk]) -> Bool {
        chunks.contains { $0.keyword == GptimgEmbedding.keyword }
            || chunks.text(for: "Software")?.hasPrefix("gptimg") == true
    }

    /// `png` without its generation metadata (`keywordsToStrip`): the same bytes when it has
    /// none. Throws `PNGError` when `png` is not a readable PNG.
    public static func stripped(_ png: [UInt8], includeForeign: Bool) throws -> [UInt8] {
        let chunks = try PNGMetadataReader.read(bytes: png).textChunks
        let keywords = keywordsToStrip(from: chunks, includeForeign: includeForeign)
        return keywords.isEmpty ? png : try splice(png, inserting: [], removingKeywords: keywords)
    }

    /// The keywords `strip` removes from a file with these text chunks: ours (the `gptimg`
    /// chunk, and the standard chunks we write when the file is ours), and with
    /// `includeForeign` every other generator's metadata too.
    public static func keywordsToStrip(from chunks: [TextChunk], includeForeign: Bool) -> Set<String> {
        var keywords: Set<String> = [GptimgEmbedding.keyword]
        if isOurs(chunks) { keywords.formUnion(GptimgEmbedding.ownKeywords) }
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

/// Where a splice cuts a file, from one walk: the byte ranges to keep (the file minus the removed
/// text chunks, in order, none straddling the insertion point) and where the new chunks go
/// (before the first IDAT).
struct SplicePlan {
    let header: ImageHeader
    let insertion: Int
    let kept: [Range<Int>]

    init(
        _ walker: ChunkWalker<some ByteSource>, removingKeywords: Set<String>, removingTypes: Set<ChunkType> = []
    ) throws {
        var removed: [Range<Int>] = []
        var firstImageData: Int?
        let summary = try walker.walk { chunk in
            if chunk.type == .IDAT {
                if firstImageData == nil { firstImageData = chunk.offset }
            } else if removingTypes.contains(chunk.type) {
                removed.append(chunk.offset..<chunk.end)
            } else if chunk.type.isText, !removingKeywords.isEmpty, let keyword = try walker.keyword(of: chunk),
                removingKeywords.contains(keyword)
            {
                removed.append(chunk.offset..<chunk.end)
            }
        }
        let insertion = firstImageData! // the walk succeeded, so an IDAT exists
        var kept: [Range<Int>] = []
        var cursor = 0
        for range in removed + [walker.source.size..<walker.source.size] {
            let segment = cursor..<range.lowerBound
            if segment.lowerBound < insertion && insertion < segment.upperBound {
                kept += [segment.lowerBound..<insertion, insertion..<segment.upperBound]
            } else if !segment.isEmpty {
                kept.append(segment)
            }
            cursor = range.upperBound
        }
        self.header = summary.header
        self.insertion = insertion
        self.kept = kept
    }

    /// Calls `piece` for each kept range in order, and `insert` once, just before the first
    /// range at the insertion point (the first IDAT is never removed, so there is one).
    func forEachPiece(insert: () throws -> Void, piece: (Range<Int>) throws -> Void) rethrows {
        var inserted = false
        for range in kept {
            if !inserted && range.lowerBound >= insertion {
                try insert()
                inserted = true
            }
            try piece(range)
        }
    }
}
