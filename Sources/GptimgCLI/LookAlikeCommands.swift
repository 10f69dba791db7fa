import ArgumentParser
import Foundation
import GptimgCatalog
import GptimgSupport

extension CatalogOptions {
    /// The library for a command that fills missing perceptual hashes as it reads: read-only when
    /// every image has its hash (no write connection to open), else writable when it can be (a
    /// read-only medium is read as it is); no library is created by looking.
    func openForLookAlikes(_ context: GptimgContext) throws -> Catalog {
        let reader = try open(.readOnly, context)
        guard try reader.hasImagesWithoutPerceptualHash() else { return reader }
        do {
            let writer = try open(.readWrite, context)
            try reader.close()
            return writer
        } catch CatalogError.readOnly {
            return reader
        }
    }
}

extension LookAlike {
    /// The image's JSON with `distance` (bits of 64 that differ) added.
    var json: JSONOut {
        guard case .object(var members) = image.json else { return image.json }
        members.append(("distance", .int(distance)))
        return .object(members)
    }
}

struct SimilarCommand: ContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "similar",
        abstract: "Images that look like one image, nearest first, with the perceptual-hash distance.",
        discussion: """
            The distance is how many of the 64 bits of the images' DCT perceptual hashes differ: 0-4 is \
            the same picture (re-encoded, resized), 10 a close look-alike, 28-36 unrelated. Rejected \
            images are left out. Images landed before hashes existed are hashed first.

            Examples:
              gptimg similar 42
              gptimg similar 42 --distance 4 --limit 5 --json
            """
    )

    @OptionGroup var options: CatalogOptions
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The image ID.") var id: String
    @Option(help: "The most bits (0-32) that may differ.") var distance = 10
    @Option(help: "How many images to show.") var limit = 20

    func run(_ context: GptimgContext) throws {
        try runCatalogCommand(context) { output in
            let catalog = try options.openForLookAlikes(context)
            for item in try catalog.similar(to: id, distance: distance, limit: limit) {
                if options.json {
                    output.json(item.json)
                } else {
                    output.line(String(format: "%2d  ", item.distance) + item.image.listLine)
                }
            }
        }
    }
}

struct DupesCommand: ContextCommand {
    static let configuration = CommandConfiguration(
        commandName: "dupes",
        abstract: "Groups of near-duplicate images, the one to keep first.",
        discussion: """
            Images within --distance bits of another (DCT perceptual hash) form a group; in each, the \
            best-rated, then picked, then newest image comes first, then the others with their distance \
            to it. --reject-rest marks all but the first of each group rejected (undo: gptimg reject ID --off). \
            Rejected images are left out unless --query names is:rejected.

            Examples:
              gptimg dupes
              gptimg dupes --distance 2 --query 'tag:portrait'
              gptimg dupes --reject-rest
            """
    )

    @OptionGroup var options: CatalogOptions
    @OptionGroup var global: GlobalOptions
    @Option(help: "The most bits (0-32) that may differ.") var distance = 4
    @Option(help: ArgumentHelp("Only images this query matches (list's language).", valueName: "query"))
    var query: String?
    @Flag(help: "Mark all but the first image of each group rejected.") var rejectRest = false

    func run(_ context: GptimgContext) throws {
        try runCatalogCommand(context) { output in
            let parsed = try query.map { try ImageQuery(parsing: $0) }
            let catalog = try rejectRest ? options.open(.readWrite, context) : options.openForLookAlikes(context)
            let groups = try catalog.duplicateGroups(distance: distance, query: parsed)
            for (number, group) in groups.enumerated() {
                if options.json {
                    output.json(
                        .object([
                            ("group", .int(number + 1)), ("keep", .int(Int(group[0].image.image.id))),
                            ("images", .array(group.map(\.json))),
                        ]))
                    continue
                }
                output.line("group \(number + 1): \(group.count) images")
                for (index, item) in group.enumerated() {
                    output.line(
                        (index == 0 ? "  keep " : String(format: "  %4d ", item.distance)) + item.image.listLine)
                }
            }
            guard rejectRest else {
                if groups.isEmpty { context.diagnostic("no near-duplicates within \(distance) bits") }
                return
            }
            let rest = groups.flatMap { $0.dropFirst().map(\.image.image.id) }
            guard !rest.isEmpty else {
                return context.diagnostic("no near-duplicates within \(distance) bits: nothing to reject")
            }
            try catalog.setPick(rest, .rejected)
            context.diagnostic("rejected \(rest.count) image\(rest.count == 1 ? "" : "s") in \(groups.count) groups")
        }
    }
}
