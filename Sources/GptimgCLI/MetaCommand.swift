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
                A C2PA manifest (caBX chunk) is kept unless --c2pa is given. --keep-provenance removes \
                the prompt and settings but keeps the C2PA manifest and, in a gptimg file, the AI \
                labels: an XMP packet with only the IPTC digital source type (trainedAlgorithmicMedia), \
                the model and the software, and the Software and Source chunks. Each file is replaced \
                atomically; a file that fails is left unchanged.

                Examples:
                  gptimg meta strip --keep-provenance shared/
                  gptimg meta strip --foreign --c2pa image.png
                """
        )

        @Argument(help: "PNG files, or folders of them (recursively), to strip in place.")
        var files: [String]

        @Flag(help: "Also remove other generators' metadata (A1111, ComfyUI, InvokeAI, NovelAI, Fooocus).")
        var foreign = false

        @Flag(help: "Also remove a C2PA manifest (the caBX chunk), which is otherwise kept.")
        var c2pa = false

        @Flag(help: "Remove the prompt and settings but keep the AI provenance labels and any C2PA manifest.")
        var keepProvenance = false

        @Flag(help: "One JSON object per file (JSON Lines).")
        var json = false

        @OptionGroup var global: GlobalOptions

        func validate() throws {
            if c2pa && keepProvenance {
                throw ValidationError("--c2pa removes the provenance --keep-provenance keeps: give one of them")
            }
        }

        func run(_ context: GptimgContext) async throws {
            let options = PNGEditor.StripOptions(
                includeForeign: foreign, removeC2PA: c2pa, keepProvenance: keepProvenance)
            try await processFiles(files, json: json, context: context) { path in
                try PNGEditor.strip(fileAt: path, options: options)
            } text: { path, result in
                MetadataRendering.stripped(path: path, result: result, keepProvenance: options.keepProvenance)
            } json: { path, result in
                MetadataRendering.stripped(file: path, result: result)
            }
        }
    }
}
