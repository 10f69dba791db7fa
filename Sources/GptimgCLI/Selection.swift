import ArgumentParser
import Foundation
import GptimgCatalog
import GptimgSupport

/// `--query` and `--yes`, shared by every command that changes images.
struct SelectionOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Act on every image this query matches (list's language; rejected images only with is:rejected).",
            valueName: "query"))
    var query: String?

    @Flag(help: "Do not ask before changing more than 20 images matched by --query.")
    var yes = false

    /// The images to change: `ids`, or every match of `--query` after saying how many and, for
    /// more than 20, asking on a terminal (without one, `--yes` is required). Nil when the query
    /// matched nothing (a notice says so) or the user said no: nothing is changed.
    func select(
        _ catalog: Catalog, ids: [String], action: String, _ context: GptimgContext
    ) throws -> ImageSelection? {
        let selection = try catalog.select(ids: ids, query: query)
        guard let text = selection.query else { return selection }
        let count = selection.ids.count
        let images = count == 1 ? "1 image" : "\(count) images"
        guard count > 0 else {
            context.diagnostic("no image matches '\(text)': nothing to \(action)")
            return nil
        }
        context.diagnostic("\(action): \(images) match '\(text)'")
        guard selection.needsConfirmation, !yes else { return selection }
        let streams = context.streams
        guard streams.isInputTerminal(), streams.isTerminal(.error) else {
            throw ErrorLine(
                message: "\(action) \(images)? more than \(ImageSelection.confirmationThreshold) are changed only with "
                    + "--yes when no terminal can ask")
        }
        streams.write(Array("\(action) \(images)? [y/N] ".utf8), to: .error)
        let answer = streams.readLine()?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        guard answer == "y" || answer == "yes" else {
            context.diagnostic("nothing changed")
            return nil
        }
        return selection
    }
}

extension Output {
    /// What a change to a query's images reports: one line, or one JSON object.
    func bulkSummary(_ selection: ImageSelection, done: String, json: Bool) {
        if json {
            self.json(
                .object([
                    ("query", .string(selection.query ?? "")), ("action", .string(done)),
                    ("count", .int(selection.ids.count)),
                ]))
        } else {
            line("\(done) \(selection.ids.count == 1 ? "1 image" : "\(selection.ids.count) images")")
        }
    }
}
