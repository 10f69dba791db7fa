import GptimgSupport
import PNGMetadata

#if canImport(Glibc)
    import Glibc
#endif

/// libFuzzer's entry point: every input goes through all the targets below. Errors are the
/// expected answer to most inputs; a crash, a sanitizer report, a hang or a broken invariant
/// (a `precondition`) is a bug.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: start, count: count))
    FuzzTargets.readAndSplice(bytes)
    FuzzTargets.compareFileAndMemory(bytes)
    FuzzTargets.parseAsText(bytes)
    FuzzTargets.readAsZip(bytes)
    FuzzTargets.gptimgJSONRoundTrip(bytes)
    return 0
}

enum FuzzTargets {
    /// The keywords whose text the format parsers look at.
    static let keywords = [
        "parameters", "prompt", "workflow", "invokeai_metadata", "invokeai_graph", "sd-metadata", "Dream",
        "Comment", "Description", "Title", "XML:com.adobe.xmp", "gptimg",
    ]

    /// The input as a PNG: read it, and when it reads, edit it (insert our chunk, remove every
    /// text chunk it had) and read the result again.
    static func readAndSplice(_ bytes: [UInt8]) {
        guard let report = try? PNGMetadataReader.read(bytes: bytes) else {
            // Unreadable files must be refused by the editor too, never crash it.
            _ = try? PNGEditor.splice(bytes, inserting: [ours], removingKeywords: ["gptimg"])
            return
        }
        _ = GenerationInfoParser.parse(report.textChunks)
        let keywords = Set(report.textChunks.map(\.keyword))
        guard let inserted = try? PNGEditor.splice(bytes, inserting: [ours, latin1], removingKeywords: ["gptimg"])
        else {
            return
        }
        // A file that read must still read once our chunks are spliced in, and show them.
        let reread: PNGMetadataReport
        do {
            reread = try PNGMetadataReader.read(bytes: inserted)
        } catch {
            preconditionFailure("a readable file became unreadable after inserting text chunks: \(error)")
        }
        _ = GenerationInfoParser.parse(reread.textChunks)
        if report.textChunks.count < 900, report.warnings.isEmpty {
            precondition(
                reread.textChunks.contains { $0.keyword == "gptimg" && $0.text == ours.text },
                "inserted chunk not read back")
        }
        if let removed = try? PNGEditor.splice(
            inserted, inserting: [], removingKeywords: keywords.union(["gptimg", "Source"]))
        {
            precondition(removed.count <= inserted.count, "removing chunks made the file larger")
            _ = try? PNGMetadataReader.read(bytes: removed)
        }
    }

    // MARK: - Files

    /// A private folder for the file-based targets, made once per process.
    static let directory: String = {
        var template = Array("/tmp/gptimg-fuzz-XXXXXX".utf8CString)
        guard let path = mkdtemp(&template) else { fatalError("mkdtemp failed: errno \(errno)") }
        return String(cString: path)
    }()

    /// The same input through the file-based code (`read(contentsOf:)` with its read window,
    /// `spliceFile` with `copy_file_range`) and the in-memory code: they must agree, byte for
    /// byte.
    static func compareFileAndMemory(_ bytes: [UInt8]) {
        let input = directory + "/input.png"
        let output = directory + "/output.png"
        guard (try? AtomicFile.write(bytes, to: input, durable: false)) != nil else { return }
        let fromMemory = Result { try PNGMetadataReader.read(bytes: bytes) }
        let fromFile = Result { try PNGMetadataReader.read(contentsOf: input) }
        switch (fromMemory, fromFile) {
        case (.success(let memory), .success(let file)):
            precondition(memory == file, "read(contentsOf:) and read(bytes:) disagree")
        case (.failure, .failure):
            break
        case (.success, .failure(let error)):
            preconditionFailure("only read(bytes:) reads this file; read(contentsOf:) says \(error)")
        case (.failure(let error), .success):
            preconditionFailure("only read(contentsOf:) reads this file; read(bytes:) says \(error)")
        }

        unlink(output)
        let spliced = Result {
            try PNGEditor.splice(bytes, removingKeywords: ["gptimg", "parameters"]) { _ in [ours] }
        }
        let splicedFile = Result {
            try PNGEditor.spliceFile(at: input, to: output, removingKeywords: ["gptimg", "parameters"], durable: false)
            { _ in [ours] }
            return try AtomicFile.read(output)
        }
        switch (spliced, splicedFile) {
        case (.success(let memory), .success(let file)):
            precondition(memory == file, "spliceFile and splice wrote different bytes")
        case (.failure, .failure):
            break
        case (.success, .failure(let error)):
            preconditionFailure("only splice edits this file; spliceFile says \(error)")
        case (.failure(let error), .success):
            preconditionFailure("only spliceFile edits this file; splice says \(error)")
        }
    }

    static let ours = TextChunk(
        kind: .iTXt, keyword: "gptimg", text: #"{"schema":1,"prompt":"fuzz ✓"}"#, compressed: true)
    static let latin1 = TextChunk(kind: .zTXt, keyword: "Source", text: "gpt-image-2 café")

    /// The input as the text of each chunk a format parser reads, alone and beside the chunks
    /// that make a parser claim the file (NovelAI's `Software`, a ComfyUI pair).
    static func parseAsText(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        for keyword in keywords {
            _ = GenerationInfoParser.parse([TextChunk(kind: .tEXt, keyword: keyword, text: text)])
        }
        _ = GenerationInfoParser.parse([
            TextChunk(kind: .tEXt, keyword: "Software", text: "NovelAI"),
            TextChunk(kind: .tEXt, keyword: "Description", text: text),
            TextChunk(kind: .tEXt, keyword: "Comment", text: text),
        ])
        _ = GenerationInfoParser.parse([
            TextChunk(kind: .tEXt, keyword: "prompt", text: text),
            TextChunk(kind: .tEXt, keyword: "workflow", text: text),
        ])
        // A Latin-1 reading of the same bytes, as a tEXt chunk that is not UTF-8 decodes.
        var scalars = String.UnicodeScalarView()
        scalars.append(contentsOf: bytes.prefix(4096).map { Unicode.Scalar($0) })
        _ = GenerationInfoParser.parse([TextChunk(kind: .tEXt, keyword: "parameters", text: String(scalars))])
    }

    // MARK: - Zip archives

    /// The input as a zip archive, through `ZipReader` as import uses it: listing (end record,
    /// ZIP64, central directory, local headers, shared-data detection) and reading every entry
    /// the importer would read. Entries without a problem must lie inside the file and share
    /// no byte; a read never hands out more than the entry declares, nor inflates more than
    /// one piece past it.
    static func readAsZip(_ bytes: [UInt8]) {
        let path = directory + "/input.zip"
        guard (try? AtomicFile.write(bytes, to: path, durable: false)) != nil, let reader = try? ZipReader(path: path)
        else { return }
        let placed = reader.entries.filter { $0.problem == nil }.sorted { $0.localHeaderOffset < $1.localHeaderOffset }
        for entry in placed {
            precondition(
                entry.dataOffset >= entry.localHeaderOffset + 30
                    && entry.dataOffset + entry.compressedSize <= reader.size, "an entry's data lies outside the file")
        }
        for (first, second) in zip(placed, placed.dropFirst()) {
            precondition(
                first.dataOffset + first.compressedSize <= second.localHeaderOffset, "two readable entries share data")
        }
        for entry in reader.entries.prefix(256) {
            _ = entry.unsafeName
            _ = entry.kind
            // As import does: at most 1 MiB here (256 MiB there), at most 100:1.
            let ratio = Double(entry.uncompressedSize) / Double(max(entry.compressedSize, 1))
            guard entry.uncompressedSize <= 1 << 20, entry.method == 0 || ratio <= 100 else { continue }
            var produced: UInt64 = 0
            var handed: UInt64 = 0
            do {
                try reader.read(entry, produced: &produced) { handed += UInt64($0.count) }
                precondition(
                    handed == entry.uncompressedSize, "a read that succeeded handed out another size than declared")
            } catch {
                precondition(handed <= entry.uncompressedSize, "a read handed out more than the entry declares")
            }
            precondition(
                produced <= entry.uncompressedSize + UInt64(ZipReader.pieceSize), "a read inflated past its bound")
        }
    }

    // MARK: - Our JSON

    /// The input as our `gptimg` chunk: what the reader returns must have its declared types
    /// (and shapes, where the reader checks them): written back as JSON and read again, it is
    /// the same value.
    static func gptimgJSONRoundTrip(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        guard
            let first = GenerationInfoParser.parseGptimg([TextChunk(kind: .iTXt, keyword: "gptimg", text: text)])?
                .gptimg
        else { return }
        let written = first.json.rendered
        guard
            let again = GenerationInfoParser.parseGptimg([TextChunk(kind: .iTXt, keyword: "gptimg", text: written)])?
                .gptimg
        else {
            preconditionFailure("our JSON reader refused what it returned, written back: \(written.prefix(200))")
        }
        precondition(again == first, "our JSON reader's value changed when written back and read again")
    }
}
