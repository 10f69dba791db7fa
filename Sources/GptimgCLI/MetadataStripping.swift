import PNGMetadata

enum MetadataStripping {
    /// Strips one file in place; returns the keywords removed (none: the file is not rewritten).
    static func strip(path: String, includeForeign: Bool) throws -> [String] {
        let chunks = try PNGMetadataReader.read(contentsOf: path).textChunks
        let keywords = PNGEditor.keywordsToStrip(from: chunks, includeForeign: includeForeign)
        guard !keywords.isEmpty else { return [] }
        try PNGEditor.spliceFile(at: path, to: path, removingKeywords: keywords, durable: true) { _ in [] }
        return chunks.map(\.keyword).filter { keywords.contains($0) }
    }
}
