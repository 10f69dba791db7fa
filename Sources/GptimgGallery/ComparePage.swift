import Foundation
import GptimgCatalog
import GptimgSupport
import HTTPTypes
import Hummingbird

/// `GET /compare?ids=A,B[,C[,D]]`: two to four images side by side at the same scale (lightbox.js
/// sizes them from their pixel sizes), each prompt as a word difference from the first one's, and
/// every setting that differs. The comparisons are the catalog's own (`Catalog.compare`, what
/// `gptimg diff A B` prints), the first image against each other. One id compares the image with
/// its parent. Area S links a selection to this URL; keep its shape.
enum ComparePage {
    static let maxImages = 4

    struct Invalid: Error {
        let message: String
    }

    static func response(_ request: Request, gallery: GalleryContext) async throws -> Response {
        let text = QueryString(request.uri.query)["ids"] ?? ""
        let keys: [String]
        do {
            keys = try parse(text)
        } catch {
            return htmlResponse(
                Pages.errorPage(.badRequest, error.message, token: gallery.token), status: .badRequest)
        }
        return try await page(gallery) {
            let catalog = gallery.catalog
            var ids: [Int64] = []
            for key in keys {
                let id = try catalog.resolve(key)
                if !ids.contains(id) { ids.append(id) }
            }
            if ids.count == 1 {
                guard let parent = try catalog.details(ids)[0].parentID else {
                    throw CatalogError.invalidArgument(
                        "image \(ids[0]) has no parent in this library: give 2 to 4 ids, as /compare?ids=1,2")
                }
                ids.insert(parent, at: 0)
            }
            let comparisons = try ids.dropFirst().map { try catalog.compare(ids[0], $0) }
            return (render(comparisons, token: gallery.token), .ok)
        }
    }

    /// The ids of `?ids=`: 1 to 4 image keys (numbers or hash prefixes), separated by commas.
    static func parse(_ text: String) throws(Invalid) -> [String] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: true).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        guard (1...maxImages).contains(parts.count) else {
            throw Invalid(
                message: "compare wants 2 to 4 image ids (or one, to compare with its parent): /compare?ids=1,2")
        }
        var keys: [String] = []
        for part in parts {
            do {
                keys.append(try ImageKey.parse(part))
            } catch {
                throw Invalid(message: error.description)
            }
        }
        return keys
    }

    /// The image page's link to the comparison of an image with its parent.
    static func parentLink(parent: Int64, child: Int64) -> HTML {
        "<p class=\"compare-link\"><a href=\"/compare?ids=\(parent),\(child)\">Compare with parent</a></p>"
    }

    static func render(_ comparisons: [ImageComparison], token: EditToken) -> HTML {
        guard let first = comparisons.first else { return .empty }
        let items = [first.a] + comparisons.map(\.b)
        let figures: [HTML] = items.enumerated().map { index, item in
            let image = item.image
            let prompt = item.generation.prompt.isEmpty ? "(no prompt)" : item.generation.prompt
            let letter = String(UnicodeScalar(UInt8(65 + index)))
            return """
                <figure class="compare-item" data-width="\(image.width)" data-height="\(image.height)"><a \
                href="/image/\(image.id)"><img src="/img/\(image.sha256).png" width="\(image.width)" \
                height="\(image.height)" alt="\(Pages.truncated(prompt, 300))"></a><figcaption><strong>\(letter)\
                </strong> · <a href="/image/\(image.id)">#\(image.id)</a> · \(image.width)×\(image.height)\
                \(image.rating > 0 ? " · " + String(repeating: "★", count: image.rating) : "")\
                \(image.favorite ? " · ♥" : "")\(image.pickState == .none ? "" : " · " + image.pickState.name)\
                </figcaption></figure>
                """
        }
        var prompts: [HTML] = [
            """
            <div class="diff-row"><span class="diff-label">A · #\(first.a.image.id)</span><p class="word-diff">\
            \(first.a.generation.prompt)</p></div>
            """
        ]
        for (index, comparison) in comparisons.enumerated() {
            let letter = String(UnicodeScalar(UInt8(66 + index)))
            let same: HTML = comparison.samePrompt ? " <span class=\"same-note\">(the same words)</span>" : .empty
            prompts.append(
                """
                <div class="diff-row"><span class="diff-label">A → \(letter) · #\(comparison.b.image.id)\(same)\
                </span>\(wordDiff(comparison.prompt))</div>
                """)
            if let negative = comparison.negativePrompt {
                prompts.append(
                    """
                    <div class="diff-row"><span class="diff-label">negative prompt A → \(letter)</span>\
                    \(wordDiff(negative))</div>
                    """)
            }
        }
        let body: HTML = """
            <h1 class="page-title">Compare \(items.count) images</h1>
            <div class="compare-row" id="compare" data-count="\(items.count)">\(figures)</div>
            <section class="compare-details">
            <h2>Prompt</h2>
            <div class="diffs" id="prompt-diff">\(prompts)</div>
            <h2>Settings that differ</h2>
            \(settings(comparisons, items: items))
            </section>
            """
        return Pages.layout(title: "Compare", token: token, body: body)
    }

    /// A word difference: shared runs as text, removed ones in `<del>`, added ones in `<ins>`.
    static func wordDiff(_ pieces: [WordDiff.Piece]) -> HTML {
        let parts: [HTML] = pieces.enumerated().map { index, piece in
            let space: HTML = index == 0 ? .empty : " "
            switch piece.kind {
            case .same: return "\(space)<span>\(piece.text)</span>"
            case .removed: return "\(space)<del title=\"only in A\">\(piece.text)</del>"
            case .added: return "\(space)<ins title=\"added\">\(piece.text)</ins>"
            }
        }
        return "<p class=\"word-diff\">\(parts)</p>"
    }

    /// One row per setting that differs between A and any other, one column per image; a value
    /// that differs from A's is marked. A setting missing from a pair's differences is the same
    /// as A's in that pair.
    static func settings(_ comparisons: [ImageComparison], items: [ImageDetails]) -> HTML {
        var fields: [String] = []
        var valueOfA: [String: String] = [:]
        for comparison in comparisons {
            for difference in comparison.differences where valueOfA[difference.field] == nil {
                fields.append(difference.field)
                valueOfA[difference.field] = difference.a
            }
        }
        guard !fields.isEmpty else { return "<p class=\"empty\">No other setting differs.</p>" }
        func shown(_ value: String) -> String { value.isEmpty ? "—" : value }
        let header: [HTML] = items.enumerated().map { index, item in
            "<th scope=\"col\">\(String(UnicodeScalar(UInt8(65 + index)))) · #\(item.image.id)</th>"
        }
        let rows: [HTML] = fields.map { field in
            let a = valueOfA[field] ?? ""
            let others: [HTML] = comparisons.map { comparison in
                let value = comparison.differences.first { $0.field == field }?.b ?? a
                return value == a ? "<td>\(shown(value))</td>" : "<td class=\"differs\">\(shown(value))</td>"
            }
            return "<tr><th scope=\"row\">\(field)</th><td>\(shown(a))</td>\(others)</tr>"
        }
        return """
            <table class="facts compare-settings" id="settings"><thead><tr><th></th>\(header)</tr></thead>\
            <tbody>\(rows)</tbody></table>
            """
    }
}
