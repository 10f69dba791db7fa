/// Everything a PNG says about itself, read without decoding (or reading) its image data.
public struct PNGMetadataReport: Sendable, Hashable, Codable {
    /// One chunk, or a run of consecutive IDAT chunks.
    public struct Chunk: Sendable, Hashable, Codable {
        public var type: String
        public var offset: Int
        /// The bytes the chunk (or run) takes in the file: length field, type, data and CRC.
        public var size: Int
        /// How many chunks: 1, more for an IDAT run, nil when the run was stepped over without
        /// counting (see `ChunkWalker`).
        public var count: Int?
    }

    public var fileSize: Int
    public var header: ImageHeader
    public var chunks: [Chunk]
    /// Chunks past the listing cap (only hostile files have that many).
    public var chunksNotListed: Int
    public var textChunks: [TextChunk]
    public var warnings: [PNGWarning]
    /// The bytes read from the file for text chunks plus every byte inflated from them, kept or
    /// not: the work `PNGLimits.maxTotalTextBytes` bounds.
    public var textBytesRead: Int
    /// The generation the text chunks describe, whichever tool wrote them; nil when none does.
    public var generation: GenerationInfo?
}

/// Reads PNG metadata: all text chunks (tEXt, zTXt, iTXt, before or after the image data)
/// within `PNGLimits`, and the generation they describe.
public enum PNGMetadataReader {
    /// The most chunks listed in a report; a file may have more (they are counted).
    static let maxListedChunks = 10_000

    /// Reads the file at `path`. With `verifyImageData`, every chunk header is visited and
    /// every IDAT's CRC checked (reading the whole file); otherwise the run of IDATs may be
    /// stepped over (see `ChunkWalker`) and the image data is not read.
    public static func read(contentsOf path: String, limits: PNGLimits = .standard, verifyImageData: Bool = false)
        throws -> PNGMetadataReport
    {
        try read(FileByteSource(path: path), limits: limits, verifyImageData: verifyImageData)
    }

    public static func read(bytes: [UInt8], limits: PNGLimits = .standard, verifyImageData: Bool = false) throws
        -> PNGMetadataReport
    {
        try bytes.withUnsafeBytes { buffer throws in
            try read(MemoryByteSource(bytes: buffer), limits: limits, verifyImageData: verifyImageData)
        }
    }

    static func read(_ source: some ByteSource, limits: PNGLimits, verifyImageData: Bool) throws -> PNGMetadataReport {
        let walker = ChunkWalker(source: source, verifyImageData: verifyImageData)
        var chunks: [PNGMetadataReport.Chunk] = []
        var chunksNotListed = 0
        var text = TextCollector(limits: limits)
        var afterImageData = false
        let summary = try walker.walk { chunk throws in
            if chunk.type == .IDAT, let last = chunks.last, last.type == "IDAT", last.offset + last.size == chunk.offset
            {
                chunks[chunks.count - 1].size += chunk.end - chunk.offset
                chunks[chunks.count - 1].count? += 1
            } else if chunks.count < maxListedChunks {
                chunks.append(
                    .init(type: chunk.type.description, offset: chunk.offset, size: chunk.end - chunk.offset, count: 1))
            } else {
                chunksNotListed += 1
            }
            if chunk.type == .IDAT {
                afterImageData = true
            } else if chunk.type.isText {
                try text.collect(chunk, afterImageData: afterImageData, walker: walker)
            }
        } skipped: { span in
            chunks[chunks.count - 1].size += span.count
            chunks[chunks.count - 1].count = nil
        }
        var warnings = text.finish()
        if summary.bytesAfterEnd > 0 { warnings.append(.dataAfterEnd(bytes: summary.bytesAfterEnd)) }
        chunks.insert(.init(type: "IHDR", offset: 8, size: 25, count: 1), at: 0)
        let generation = GenerationInfoParser.parse(
            text.chunks, width: summary.header.width, height: summary.header.height, warnings: &warnings)
        return PNGMetadataReport(
            fileSize: source.size, header: summary.header, chunks: chunks, chunksNotListed: chunksNotListed,
            textChunks: text.chunks, warnings: warnings, textBytesRead: text.bytesRead, generation: generation)
    }
}

/// Decodes text chunks one by one, enforcing the per-chunk, per-file count and per-file byte
/// limits, and turning every local problem into a warning.
///
/// Everything a chunk costs counts, whatever becomes of it: every text chunk met counts toward
/// `maxTextChunks` (one with a bad CRC, a malformed one, one too large), and the bytes read
/// from the file for a chunk plus every byte inflated from it (kept or refused) count toward
/// `maxTotalTextBytes`. Once either is spent, later text chunks are skipped unread.
struct TextCollector {
    let limits: PNGLimits
    private(set) var chunks: [TextChunk] = []
    /// Bytes read and inflated for text chunks so far (what `maxTotalTextBytes` bounds).
    private(set) var bytesRead = 0
    private var warnings: [PNGWarning] = []
    private var seen = 0
    private var skippedForCount = 0
    private var skippedForBytes = 0

    init(limits: PNGLimits) { self.limits = limits }

    mutating func collect(_ chunk: ChunkHeader, afterImageData: Bool, walker: ChunkWalker<some ByteSource>) throws {
        seen += 1
        guard seen <= limits.maxTextChunks else {
            skippedForCount += 1
            return
        }
        let type = chunk.type.description
        // Checked before reading: a stored chunk this large is skipped unread.
        guard chunk.length <= limits.maxTextChunkBytes + 1024 else {
            warnings.append(
                .textChunkTooLarge(
                    type: type, offset: chunk.offset, keyword: try walker.keyword(of: chunk),
                    limit: limits.maxTextChunkBytes))
            return
        }
        guard chunk.length <= limits.maxTotalTextBytes - bytesRead else {
            skippedForBytes += 1
            return
        }
        bytesRead += chunk.length
        // Stored text was counted as read; what inflating produces is counted on top.
        let inflateBudget = min(limits.maxTextChunkBytes, limits.maxTotalTextBytes - bytesRead)
        var inflated = 0
        let decoded = try walker.withVerifiedData(of: chunk) {
            data -> Result<TextChunkCodec.Decoded, TextChunkCodec.DecodeFailure> in
            do {
                return .success(
                    try TextChunkCodec.decode(
                        chunk.type, data: data, maxTextBytes: limits.maxTextChunkBytes, maxInflatedBytes: inflateBudget,
                        inflated: &inflated))
            } catch let failure as TextChunkCodec.DecodeFailure {
                return .failure(failure)
            } catch {
                return .failure(.malformed("\(error)"))
            }
        }
        bytesRead += inflated
        switch decoded {
        case nil:
            warnings.append(.badAncillaryCRC(type: type, offset: chunk.offset))
        case .success(var result)?:
            result.chunk.afterImageData = afterImageData
            if result.invalidUTF8 { warnings.append(.invalidUTF8(keyword: result.chunk.keyword)) }
            if result.removedNULs > 0 {
                warnings.append(.nulInText(keyword: result.chunk.keyword, count: result.removedNULs))
            }
            chunks.append(result.chunk)
        case .failure(.tooLarge)?:
            if inflated > 0, inflateBudget < limits.maxTextChunkBytes {
                skippedForBytes += 1
            } else {
                warnings.append(
                    .textChunkTooLarge(
                        type: type, offset: chunk.offset, keyword: try walker.keyword(of: chunk),
                        limit: limits.maxTextChunkBytes))
            }
        case .failure(.malformed(let reason))?:
            warnings.append(.malformedTextChunk(type: type, offset: chunk.offset, reason: reason))
        }
    }

    func finish() -> [PNGWarning] {
        var all = warnings
        if skippedForCount > 0 { all.append(.tooManyTextChunks(skipped: skippedForCount, limit: limits.maxTextChunks)) }
        if skippedForBytes > 0 {
            all.append(.textBytesLimit(skipped: skippedForBytes, limit: limits.maxTotalTextBytes))
        }
        return all
    }
}
