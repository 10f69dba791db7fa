import ArgumentParser
import Foundation
import GptimgCatalog
import GptimgGallery

struct ServeCommand: AsyncContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Browse the library in a web browser: a local gallery on 127.0.0.1.",
        discussion: """
            Thumbnails newest first, search with the query language (/?q=QUERY), filters, an \
            image page with its prompt, parameters, lineage and the command to run it again, \
            collections, and rating, favourite, tag and collection edits. Serves only loopback; \
            thumbnails are cached under Library/thumbs/. Runs until interrupted (Ctrl-C). See \
            docs/gallery.md.

            Examples:
              gptimg serve --open
              gptimg serve --port 9000 --library ~/Pictures/gptimg
            """
    )

    @Option(
        name: .long,
        help: ArgumentHelp(LibraryHelp.text, valueName: "path"))
    var library: String?

    @Option(help: "Port on 127.0.0.1; 0 lets the system choose a free one.")
    var port = 8765

    @Flag(help: "Open the gallery in the desktop's browser once it is listening.")
    var open = false

    @OptionGroup var global: GlobalOptions

    func run(_ context: GptimgContext) async throws {
        try await runCatalogCommand(context) { output in
            let location = try context.library(option: library).location
            // Serving never creates a library: a mistyped --library is an error, not an empty gallery.
            guard FileManager.default.fileExists(atPath: location.catalogURL.path) else {
                throw CatalogError.noLibrary(path: location.root.path)
            }
            let catalog: Catalog
            do {
                catalog = try Catalog.open(location, access: .readWrite)
            } catch CatalogError.readOnly {
                // A read-only library can still be browsed; edits answer with the reason.
                catalog = try Catalog.open(location, access: .readOnly)
                output.error("the library is read-only: the gallery shows it, edits are refused")
            }
            let gallery = Gallery(
                catalog: catalog, configuration: GalleryConfiguration(port: port),
                logger: context.serverLogger("gptimg.gallery"))
            try await gallery.run { running in
                output.line("gptimg gallery on \(running.url) (library \(catalog.location.root.path)); Ctrl-C stops it")
                output.flush()
                if open { Browser.open(running.url, context) }
            }
        }
    }
}

/// Opens a URL with the desktop's handler (xdg-open, or open on macOS); a failure is a note on
/// stderr, never fatal: the URL is printed anyway.
enum Browser {
    static func open(_ url: String, _ context: GptimgContext) {
        #if os(macOS)
            let opener = "open"
        #else
            let opener = "xdg-open"
        #endif
        let path = (context.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
            .map { "\($0)/\(opener)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
        let process = Process()
        process.arguments = [url]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do {
            guard let path else { throw CocoaError(.fileNoSuchFile) }
            process.executableURL = URL(fileURLWithPath: path)
            try process.run()
        } catch {
            context.diagnostic("could not start \(opener) to open a browser: open \(url) yourself")
        }
    }
}
