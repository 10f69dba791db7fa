import GptimgCatalog
import GptimgSupport
import PNGMetadata

/// The export's `index.html`: the set with its prompts, readable in any browser from the
/// unpacked folder. One self-contained file: inline CSS, no script, no external URL, and a
/// Content-Security-Policy that forbids scripts and remote loads, so a prompt that got past
/// the escaping still could not run anything. Images are linked by relative URL.
enum IndexPage {
    struct Item {
        var details: ImageDetails
        var file: String
        /// The anchor of its parent's card, when the parent is in this export.
        var parentFile: String?
    }

    static func render(title: String, subtitle: String, items: [Item], manifest: String, sheets: [String]) -> String {
        var html = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src 'self' file: data:; \
            style-src 'unsafe-inline'">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(MarkupText.escape(title))</title>
            <style>
            body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; background: #f6f6f4; \
            color: #1c1c1c; }
            header { padding: 20px 28px 8px; }
            h1 { margin: 0 0 4px; font-size: 22px; }
            header p { margin: 4px 0; color: #555; }
            a { color: #1a5fb4; }
            main { display: grid; grid-template-columns: repeat(auto-fill, minmax(280px, 1fr)); gap: 20px; padding: \
            16px 28px 40px; }
            figure { margin: 0; background: #fff; border: 1px solid #e0e0dc; border-radius: 6px; overflow: hidden; }
            figure:target { outline: 3px solid #1a5fb4; }
            figure img { display: block; width: 100%; height: auto; background: #e6e6e2; }
            figcaption { padding: 10px 12px 12px; }
            .prompt { margin: 0 0 8px; white-space: pre-wrap; overflow-wrap: anywhere; }
            .empty { color: #888; font-style: italic; }
            dl { display: grid; grid-template-columns: auto 1fr; gap: 2px 10px; margin: 0; font-size: 12.5px; color: \
            #555; }
            dt { color: #888; }
            dd { margin: 0; overflow-wrap: anywhere; }
            </style>
            </head>
            <body>
            <header>
            <h1>\(MarkupText.escape(title))</h1>
            <p>\(MarkupText.escape(subtitle))</p>
            <p>Every field of every image: <a href="\(url(manifest))">\(MarkupText.escape(manifest))</a>
            """
        if !sheets.isEmpty {
            html += " · contact sheet" + (sheets.count > 1 ? "s" : "") + ": "
            html += sheets.enumerated().map {
                "<a href=\"\(url($1))\">\(sheets.count > 1 ? String($0 + 1) : MarkupText.escape($1))</a>"
            }.joined(separator: " ")
        }
        html += "</p>\n</header>\n<main>\n"
        for item in items { html += card(item) }
        html += "</main>\n</body>\n</html>\n"
        return html
    }

    static func card(_ item: Item) -> String {
        let image = item.details.image
        let generation = item.details.generation
        var rows: [(String, String)] = [
            ("id", String(image.id)),
            ("file", MarkupText.escape(item.file)),
            ("made", MarkupText.escape(image.createdAt)),
            ("size", "\(image.width)×\(image.height), \(MarkupText.escape(generation.aspectRatio))"),
        ]
        if let task = generation.taskID { rows.append(("task", MarkupText.escape(task))) }
        if let parent = item.parentFile {
            rows.append(("variant of", "<a href=\"#\(anchor(parent))\">\(MarkupText.escape(parent))</a>"))
        } else if let parent = item.details.parentID {
            rows.append(("variant of", "image \(parent) (not in this export)"))
        } else if let task = generation.parentTaskID {
            rows.append(
                (
                    "variant of",
                    "image \((generation.parentIndex ?? 0) + 1) of task \(MarkupText.escape(task)) (not in the library)"
                ))
        }
        if !item.details.tags.isEmpty {
            rows.append(("tags", MarkupText.escape(item.details.tags.joined(separator: ", "))))
        }
        if !item.details.collections.isEmpty {
            rows.append(("collections", MarkupText.escape(item.details.collections.joined(separator: ", "))))
        }
        if image.rating > 0 { rows.append(("rating", String(repeating: "★", count: image.rating))) }
        if image.favorite { rows.append(("favourite", "yes")) }
        let prompt =
            generation.prompt.isEmpty
            ? "<p class=\"prompt empty\">(no prompt)</p>"
            : "<p class=\"prompt\">\(MarkupText.escape(generation.prompt))</p>"
        return """
            <figure id="\(anchor(item.file))">
            <a href="\(url(item.file))"><img src="\(url(item.file))" width="\(image.width)" height="\(image.height)" \
            loading="lazy" alt="image \(image.id)"></a>
            <figcaption>\(prompt)
            <dl>\(rows.map { "<dt>\($0.0)</dt><dd>\($0.1)</dd>" }.joined())</dl>
            </figcaption>
            </figure>

            """
    }

    /// A relative URL for a file name: every byte but the unreserved ones percent-encoded
    /// (names keep spaces, `#`, `%` and any script), so it is also safe inside an attribute.
    static func url(_ name: String) -> String {
        var output = ""
        for byte in name.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                output.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                output +=
                    "%" + String(byte >> 4, radix: 16, uppercase: true) + String(byte & 0xF, radix: 16, uppercase: true)
            }
        }
        return output
    }

    /// An element id for a file's card (the URL form: no spaces or quotes).
    static func anchor(_ file: String) -> String { "f-" + url(file) }
}
