import ArgumentParser
import Foundation
import GptimgCatalog
import GptimgSupport
import PNGMetadata

/// `--library` and `--json`, shared by every catalog command.
struct CatalogOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp("The library folder (default: $GPTIMG_LIBRARY, then ./Library).", valueName: "path"))
    var library: String?

    @Flag(help: "JSON output: one object per line (JSON Lines) for lists, one object otherwise.")
    var json = false

    /// The library, from the context's environment and current directory.
    func location(_ context: GptimgContext) -> LibraryLocation {
        LibraryLocation.resolve(
            option: library, environment: context.environment, currentDirectory: context.currentDirectory)
    }

    /// Opens the library for reading (creates nothing) or writing (creates it when missing).
    func open(_ access: Catalog.Access, _ context: GptimgContext) throws -> Catalog {
        try Catalog.open(location(context), access: access)
    }
}

/// How catalog results look as text.
enum CatalogRendering {
    static func show(_ show: ImageShow) -> String {
        let item = show.details
        let image = item.image
        let generation = item.generation
        var lines: [String] = []
        func add(_ key: String, _ value: String?) {
            guard let value, !value.isEmpty else { return }
            lines.append(key.rightPadded(max(13, key.count + 2)) + value)
        }
        add("id", String(image.id))
        add("sha256", image.sha256)
        add("file", show.file ?? show.fileProblem.map { "none: \($0) (\(image.path)); `gptimg doctor` reports it" })
        add("prompt", generation.prompt)
        add("negative", show.negativePrompt)
        add("size", "\(image.width)x\(image.height), \(image.bytes) bytes")
        add("aspect", generation.aspectRatio)
        add("type", generation.type)
        add("task", generation.taskID)
        add("image", "\(image.index + 1) of \(generation.n)")
        add("status", generation.status.rawValue)
        add("created", image.createdAt)
        add("source", generation.source.rawValue)
        add("generator", image.generator)
        add("model", generation.model)
        add("references", generation.referenceImages.isEmpty ? nil : generation.referenceImages.joined(separator: " "))
        add("remote url", image.remoteURL)
        if let code = generation.errorCode { add("error", code + (generation.errorMessage.map { ": " + $0 } ?? "")) }
        add("rating", image.rating > 0 ? String(image.rating) : nil)
        add("favorite", image.favorite ? "yes" : nil)
        add("tags", item.tags.isEmpty ? nil : item.tags.joined(separator: ", "))
        add("collections", item.collections.isEmpty ? nil : item.collections.joined(separator: ", "))
        if let parent = show.parent {
            add(
                "parent", "\(parent.image.id)  \(parent.image.sha256.prefix(8))  \(parent.generation.prompt.prefix(60))"
            )
        } else if let task = generation.parentTaskID {
            add("parent", "image \((generation.parentIndex ?? 0) + 1) of task \(task) (not in the library)")
        }
        for child in show.children {
            add("child", "\(child.image.id)  \(child.image.sha256.prefix(8))  \(child.generation.prompt.prefix(60))")
        }
        if !show.siblings.isEmpty {
            add("same task", show.siblings.map { String($0.image.id) }.joined(separator: ", "))
        }
        for parameter in show.parameters { add("  " + parameter.key, parameter.value) }
        for warning in show.warnings { add("warning", warning) }
        return lines.joined(separator: "\n")
    }
}
