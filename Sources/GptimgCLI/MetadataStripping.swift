import PNGMetadata

enum MetadataStripping {
    /// Strips one file in place; returns the keywords removed (none: the file is not rewritten).
    static func strip(path: String, includeForeign: Bool) throws -> [String] {
        let bytes = try AtomicFile.read(path)
        let chunks = try PNGMetadataReader.read(bytes: bytes).textChunks
        let keywords = PNGEditor.keywordsToStrip(from: chunks, includeForeign: includeForeign)
        guard !keywords.isEmpty else { return [] }
        let stripped = try PNGEditor.splice(bytes, inserting: [], removingKeywords: keywords)
        try AtomicFile.write(stripped, to: path, durable: true)
        return chunks.map(\.keyword).filter { keywords.contains($0) }
    }
}
