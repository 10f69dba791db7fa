/// Provenance a PNG carries besides its text: the C2PA manifest store, a `caBX` chunk (C2PA
/// spec, "Embedding manifests into PNG"). gptimg keeps it byte for byte wherever it stands —
/// import and export copy files, embedding and stripping touch text chunks only — and removes
/// it only on request (`meta strip --c2pa`). It does not check the manifest's signature.
///
/// The manifest's hard binding hashes every other byte of the file, so adding or removing any
/// chunk (our metadata, a strip) leaves the chunk intact but no longer valid for a C2PA
/// validator; a file only copied keeps it valid.
extension PNGMetadataReport {
    /// The `caBX` chunk's data size in bytes (the manifest store), when the file has one.
    public var c2paManifestBytes: Int? {
        chunks.first { $0.type == PNGEditor.c2paChunkType.description }.map { $0.size - 12 }
    }

    /// The line `meta read` and `show` print for it: "present, N bytes", or nil when absent.
    public var c2paSummary: String? {
        c2paManifestBytes.map { "present, \($0) bytes" }
    }
}
