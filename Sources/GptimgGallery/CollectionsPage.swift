import Foundation
import GptimgCatalog
import HTTPTypes

/// The collections' management controls (create, rename, delete, arrange, download) and the
/// arrange page, `/collection/NAME/arrange`: a collection's images in their order, moved with
/// up/down buttons (keyboard) or by dragging. `select.js` drives them through `CollectionsAPI`;
/// the download is a plain form that works without the script.
enum CollectionsPage {
    /// Above the collections' cards: a form making a new collection (a smart one with a query).
    static let createForm: HTML = """
        <form class="collection-create" id="collection-create"><input name="name" placeholder="new collection" \
        maxlength="100" autocomplete="off" aria-label="New collection's name" required><input name="query" \
        placeholder="query for a smart collection (optional)" maxlength="2000" autocomplete="off" \
        spellcheck="false" aria-label="Query of a smart collection (optional)"><button type="submit">Create</button>\
        <span class="collection-status" role="status" aria-live="polite"></span></form>
        """

    /// A collection's controls: rename (an inline form the script shows), delete, arrange (a
    /// regular one) and download.
    static func controls(_ name: String, smart: Bool, token: EditToken, place: String, arranging: Bool = false)
        -> HTML
    {
        let arrange: HTML =
            smart || arranging
            ? .empty : "<a class=\"button\" href=\"\(Pages.collectionPath(name))/arrange\">Arrange</a>"
        return """
            <div class="collection-manage \(place)" data-name="\(name)"><button type="button" class="rename" \
            aria-expanded="false">Rename</button><button type="button" class="delete">Delete</button>\(arrange)\
            \(downloadForm(field: "collection", value: name, token: token, label: "Download zip"))\
            <form class="rename-form" hidden><input name="to" value="\(name)" maxlength="100" autocomplete="off" \
            aria-label="New name of \(name)" required><button type="submit">Save</button><button type="button" \
            class="cancel">Cancel</button></form><span class="collection-status" role="status" \
            aria-live="polite"></span></div>
            """
    }

    /// A form that POSTs `/download` with the token: the browser saves the zip it answers.
    static func downloadForm(field: String, value: String, token: EditToken, label: String) -> HTML {
        """
        <form class="download" method="post" action="/download"><input type="hidden" name="token" \
        value="\(token.value)"><input type="hidden" name="\(field)" value="\(value)"><button \
        type="submit">\(label)</button></form>
        """
    }

    /// The arrange page: the images in their order, each with its place, up/down buttons and a
    /// drag handle. A smart collection's order is its query's: shown, with nothing to move.
    static func arrange(
        _ name: String, items: [ImageDetails], total: Int, smart: Bool, token: EditToken, thumbs: ThumbnailStore
    ) -> HTML {
        let rows: [HTML] = items.enumerated().map { place, item in
            let image = item.image
            let size = thumbs.fittedSize(width: image.width, height: image.height)
            let prompt = Pages.truncated(item.generation.prompt.isEmpty ? "(no prompt)" : item.generation.prompt, 140)
            let draggable = smart ? HTML.empty : HTML(trusted: " draggable=\"true\"")
            let buttons: HTML =
                smart
                ? .empty
                : """
                <span class="move"><button type="button" class="up" aria-label="move image \(image.id) up">↑</button>\
                <button type="button" class="down" aria-label="move image \(image.id) down">↓</button></span>
                """
            return """
                <li class="arrange-item" data-id="\(image.id)"\(draggable)>\
                <span class="place">\(place + 1)</span><img src="/thumb/\(image.sha256).png" width="\(size.width)" \
                height="\(size.height)" loading="lazy" alt=""><a href="/image/\(image.id)">\(prompt)</a>\(buttons)</li>
                """
        }
        let note: HTML =
            smart
            ? "<p class=\"summary\">A smart collection: its order is its query's, nothing to arrange by hand.</p>"
            : """
            <p class="summary">Drag an image, or focus it and use ↑ ↓ (buttons or Alt+arrow keys), to change its \
            place.\(total > items.count ? " The first \(items.count) of \(total) are shown." as HTML : .empty)</p>
            """
        let body: HTML = """
            <h1 class="page-title">Arrange \(name) <a class="all-collections" \
            href="\(Pages.collectionPath(name))">back to the collection</a></h1>
            \(controls(name, smart: smart, token: token, place: "heading", arranging: true))
            \(note)
            <ol class="arrange" id="arrange" data-name="\(name)">\(rows)</ol>
            <p class="collection-status" id="arrange-status" role="status" aria-live="polite"></p>
            """
        return Pages.layout(title: "Arrange \(name)", token: token, body: body)
    }

    /// The most images the arrange page lists.
    static let arrangeLimit = 2000
}
