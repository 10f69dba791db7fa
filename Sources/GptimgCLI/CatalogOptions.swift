import ArgumentParser
import Foundation
import GptimgCatalog
import GptimgSupport
import PNGMetadata

/// `--library` and `--json`, shared by every catalog command.
struct CatalogOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The library folder (default: $GPTIMG_LIBRARY, then ./Library).", valueName: "path"))
    var library: String?

    @Flag(help: "JSON output: one object per line (JSON Lines) for lists, one object otherwise.")
    var json = false

    var location: LibraryLocation { LibraryLocation.resolve(option: library) }

    /// Opens the library for reading (creates nothing) or writing (creates it when missing).
    func open(_ access: Catalog.Access) throws -> Catalog {
        try Catalog.open(location, access: access)
    }
}

/// Runs a catalog command: any error becomes one line on stderr (`gptimg: …`) and exit code 1.
func runCatalogCommand(_ body: (Output) throws -> Void) throws {
    let output = Output()
    do {
        try body(output)
        output.flush()
    } catch {
        throw commandFailure(error, output)
    }
}

/// The same for async bodies.
func runCatalogCommand(_ body: (Output) async throws -> Void) async throws {
    let output = Output()
    do {
        try await body(output)
        output.flush()
    } catch {
        throw commandFailure(error, output)
    }
}

/// What a failed command body ends with: an exit code passes through (after the results so
/// far), anything else becomes one `gptimg: …` line and exit code 1.
private func commandFailure(_ error: any Error, _ output: Output) -> ExitCode {
    if let exit = error as? ExitCode {
        output.flush()
        return exit
    }
    output.error(describeError(error))
    return ExitCode(1)
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
            add("parent", "\(parent.image.id)  \(parent.image.sha256.prefix(8))  \(parent.generation.prompt.prefix(60))")
        } else if let task = generation.parentTaskID {
            add("parent", "image \((generation.parentIndex ?? 0) + 1) of task \(task) (not in the library)")
        }
        for child in show.children {
            add("child", "\(child.image.id)  \(child.image.sha256.prefix(8))  \(child.generation.prompt.prefix(60))")
        }
        if !show.siblings.isEmpty { add("same task", show.siblings.map { String($0.image.id) }.joined(separator: ", ")) }
        for parameter in show.parameters { add("  " + parameter.key, parameter.value) }
        for warning in show.warnings { add("warning", warning) }
        return lines.joined(separator: "\n")
    }
}

/// Whether stderr is a terminal (progress lines only then).
var stderrIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }
