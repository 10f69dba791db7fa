import ArgumentParser
import PNGMetadata

struct MetaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "meta",
        abstract: "Read or strip the generation metadata of PNG files (the catalog is not touched).",
        subcommands: [Read.self, Strip.self]
    )

    struct Read: AsyncContextCommand {
        static let configuration = CommandConfiguration(
            commandName: "read",
            abstract: "Show every text chunk and the parsed generation info of PNG files.",
            discussion: """
                Reads gptimg's own metadata and that of AUTOMATIC1111/Forge/SD.Next, ComfyUI, \
                InvokeAI, NovelAI and Fooocus, plus the standard Title, Description, Comment and XMP. \
                Image data is never decoded. A file that cannot be read (or is not a regular file: a \
                FIFO, a device) gets one line on stderr, and so does each link or FIFO skipped inside a \
                folder; the others are still read, and the exit code is 1.

                Examples:
                  gptimg meta read image.png
                  gptimg meta read --json Library/images | jq .generation.prompt
                """
        )

        @Argument(help: "PNG files, or folders to read every PNG in (recursively).")
        var files: [String]

        @Flag(help: "One JSON object per file (JSON Lines).")
        var json = false

        @OptionGroup var global: GlobalOptions

        func run(_ context: GptimgContext) async throws {
            try await processFiles(files, json: json, context: context) { path in
                try PNGMetadataReader.read(contentsOf: path)
            } text: { path, report in
                MetadataRendering.text(path: path, report: report)
            } json: { path, report in
                MetadataRendering.json(path: path, report: report)
            }
        }
    }

    struct Strip: AsyncContextCommand {
        static let configuration = CommandConfiguration(
            commandName: "strip",
            abstract:
                "Remove generation metadata from PNG files, leaving the pixels and every other byte as they were.",
            discussion: """
                By default removes what gptimg wrote (the gptimg chunk, and the parameters, Description, \
                Software, Creation Time, Source and XMP chunks of a gptimg file). With --foreign, also \
                other generators' metadata (parameters, ComfyUI prompt/workflow, InvokeAI, NovelAI). \
                Each file is replaced atomically; a file that fails is left unchanged.
                """
        )

        @Argument(help: "PNG files, or folders of them (recursively), to strip in place.")
        var files: [String]

        @Flag(help: "Also remove other generators' metadata (A1111, ComfyUI, InvokeAI, NovelAI, Fooocus).")
        var foreign = false

        @Flag(help: "One JSON object per file (JSON Lines).")
        var json = false

        @OptionGroup var global: GlobalOptions

        func run(_ context: GptimgContext) async throws {
            let includeForeign = foreign
            try await processFiles(files, json: json, context: context) { path in
                try PNGEditor.strip(fileAt: path, includeForeign: includeForeign)
            } text: { path, removed in
                removed.isEmpty
                    ? "\(path): no generation metadata to remove"
                    : "\(path): removed \(removed.joined(separator: ", "))"
            } json: { path, removed in
                MetadataRendering.stripped(file: path, removed: removed)
            }
        }
    }
}
