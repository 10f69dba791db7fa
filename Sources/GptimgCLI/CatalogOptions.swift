import ArgumentParser
import Foundation
import GptimgCatalog
import GptimgConfig
import GptimgSupport
import PNGMetadata

/// `--library` and `--json`, shared by every catalog command.
struct CatalogOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(LibraryHelp.text, valueName: "path"))
    var library: String?

    @Flag(help: "JSON output: one object per line (JSON Lines) for lists, one object otherwise.")
    var json = false

    /// The library, from the context's environment and current directory.
    func location(_ context: GptimgContext) throws -> LibraryLocation {
        try context.library(option: library).location
    }

    /// How many snapshots backups/ keeps: `keep` (a command's `--keep`), else the config file's
    /// `backups_kept` (a bad config file is reported by the commands that need it, not here).
    static func backupsKept(_ context: GptimgContext, keep: Int? = nil) -> Int {
        keep ?? (try? context.settings().backupsKept) ?? BackupRetention.defaultKept
    }

    /// Opens the library for reading (creates nothing) or writing (creates it when missing).
    func open(_ access: Catalog.Access, _ context: GptimgContext) throws -> Catalog {
        try Catalog.open(try location(context), access: access, backupsKept: Self.backupsKept(context))
    }

    /// Opens an existing library for writing: a command that changes images already in it (tag,
    /// rate, delete, backup…) has nothing to do in a library that is not there, so a mistyped
    /// `--library` or a run from the wrong setup is the one-line `noLibrary` error, not a new,
    /// empty library left behind.
    func openExisting(_ context: GptimgContext, keep: Int? = nil) throws -> Catalog {
        let location = try location(context)
        guard FileManager.default.fileExists(atPath: location.catalogURL.path) else {
            throw CatalogError.noLibrary(path: location.root.path)
        }
        return try Catalog.open(location, access: .readWrite, backupsKept: Self.backupsKept(context, keep: keep))
    }
}

/// `--quiet` on every long command (export, doctor, rebuild, generate, batch, rerun, variant,
/// resume): no progress line and no step lines; results and errors as usual.
struct QuietOption: ParsableArguments {
    @Flag(name: .shortAndLong, help: "No progress line or step lines on stderr (results and errors still show).")
    var quiet = false
}

/// The one help line for every `--library`.
enum LibraryHelp {
    static let text =
        "The library folder (default: $GPTIMG_LIBRARY, then the config file's library, then "
        + "$XDG_DATA_HOME/gptimg, i.e. ~/.local/share/gptimg; `gptimg where` shows it)."
}

extension GptimgContext {
    /// The user's home: `HOME` from the context's environment, else the context's home directory.
    var home: String { environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? homeDirectory }

    /// The library `option` (a `--library` value) names, else the environment's, the config
    /// file's or the XDG default, with the rule that chose it: the one place every command asks.
    /// The config file is read only when no flag or variable names the library.
    func library(option: String?) throws -> (location: LibraryLocation, source: LibraryLocation.Source) {
        let given = (option ?? "").isEmpty && (environment["GPTIMG_LIBRARY"] ?? "").isEmpty
        return LibraryLocation.resolveWithSource(
            option: option, environment: environment, currentDirectory: currentDirectory, homeDirectory: home,
            configured: given ? try settings().library : nil)
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
        add(
            "generation",
            GenerationReference.text(generation.id) + "  (`gptimg tasks \(GenerationReference.text(generation.id))`)")
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
        add("pick", image.pickState == .none ? nil : image.pickState.name)
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
        add("C2PA manifest", show.c2paManifestBytes.map { "present, \($0) bytes" })
        for parameter in show.parameters { add("  " + parameter.key, parameter.value) }
        for warning in show.warnings { add("warning", warning) }
        return lines.joined(separator: "\n")
    }
}
