import Foundation
import GptimgCatalog
import GptimgGallery
import TestSupport
import Testing

/// The gallery in a real browser: headless Chromium loads the pages from the server running in
/// this process, with our CSP and script, and the DOM it ends with is checked. Screenshots go to
/// `$TMPDIR/gptimg-gallery-screenshots/` for a person to look at. CI installs Chromium
/// (scripts/install-deps.sh); `GPTIMG_SKIP_BROWSER=1` skips these tests where there is none.
@Suite(
    "gallery in a browser", .serialized, .highPriority,
    .enabled(if: ProcessInfo.processInfo.environment["GPTIMG_SKIP_BROWSER"] != "1"))
struct BrowserTests {
    static let screenshots = FileManager.default.temporaryDirectory.appendingPathComponent("gptimg-gallery-screenshots")

    @Test("the grid loads with every thumbnail, a search narrows it, the image page shows the prompt")
    func gallery() async throws {
        let library = try await GalleryLibrary.standard()
        let parent = try library.details(task: "gpt-image-2-PARENTPARENTPARENTPARE")
        let hostile = try library.details(task: "gpt-image-2-HOSTILEHOSTILEHOSTILE")
        let gallery = Gallery(catalog: library.catalog, configuration: GalleryConfiguration(port: 0))
        try FileManager.default.createDirectory(at: Self.screenshots, withIntermediateDirectories: true)
        for name in ["grid.png", "search.png", "image.png"] { // the check below sees this run's files
            try? FileManager.default.removeItem(at: Self.screenshots.appendingPathComponent(name))
        }
        let pages = try await gallery.withRunning { running in
            // One Chromium start for the four pages: each page's DOM, and a picture of the same load.
            try await DevTools.run(
                """
                url, shots, parent, hostile = sys.argv[1:5]
                pages = {}
                size(1400, 1000)
                for name, address in (("grid", url), ("search", url + "?q=lighthouse"),
                                      ("image", url + "image/" + parent), ("hostile", url + "image/" + hostile)):
                    go(address)
                    if name != "hostile": screenshot(shots + "/" + name + ".png")
                    pages[name] = dom()
                finish(pages)

                """, arguments: [running.url, Self.screenshots.path, "\(parent.image.id)", "\(hostile.image.id)"])
        }
        let grid = pages["grid"] as? String ?? ""
        #expect(Self.tiles(grid) == 6)
        #expect(grid.contains("a lighthouse on a cliff at dawn, watercolor"))

        let search = pages["search"] as? String ?? ""
        #expect(Self.tiles(search) == 2)
        #expect(!search.contains("a portrait of a fox"))

        let page = pages["image"] as? String ?? ""
        #expect(page.contains("<h1 class=\"prompt\" id=\"prompt\">a lighthouse on a cliff at dawn, watercolor</h1>"))

        // The hostile prompt stayed text: no element was made from it.
        let hostilePage = pages["hostile"] as? String ?? ""
        #expect(hostilePage.contains("&lt;script&gt;alert(\"pwned\")&lt;/script&gt;"))
        #expect(!hostilePage.contains("<img src=\"x\""))

        for name in ["grid.png", "search.png", "image.png"] {
            let path = Self.screenshots.appendingPathComponent(name).path
            #expect(
                ((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0) > 10_000, "\(name)")
        }
    }

    @Test("the script runs under the CSP: infinite scroll appends every later page")
    func infiniteScroll() async throws {
        let library = try await GalleryLibrary.standard()
        let gallery = Gallery(catalog: library.catalog, configuration: GalleryConfiguration(port: 0, pageSize: 2))
        try await gallery.withRunning { running in
            // Until every page is in (a deadline, not a fixed time); then the DOM as it is.
            let page = try await DevTools.run(
                """
                go(sys.argv[1])
                poll("document.querySelectorAll('#grid > li.tile').length === 6 && !document.getElementById('next')")
                finish({"dom": dom()})

                """, arguments: [running.url])
            let dom = page["dom"] as? String ?? ""
            // Server pages hold 2 tiles; app.js fetched and appended the other pages.
            #expect(Self.tiles(dom) == 6)
            #expect(!dom.contains("id=\"next\""))
        }
    }

    @Test("edits from the image page: a real browser's POSTs carry the token and pass the same-origin check")
    func editsFromThePage() async throws {
        let library = try await GalleryLibrary.standard()
        let id = try library.id(task: "gpt-image-2-HILLSHILLSHILLSHILLS")
        let gallery = Gallery(catalog: library.catalog, configuration: GalleryConfiguration(port: 0))
        try await gallery.withRunning { running in
            // The fourth star, the favourite button, then the tag "from-the-browser"; each waits until
            // the page says how its POST went.
            let result = try await DevTools.run(
                running.url + "image/\(id)",
                [
                    .wait("!!document.getElementById('rating')"),
                    .eval("document.getElementById('status').textContent = ''"),
                    .eval("document.querySelector('.star[data-rating=\"4\"]').click()"),
                    .wait(Self.saved),
                    .eval("document.getElementById('status').textContent = ''"),
                    .eval("document.getElementById('fav').click()"),
                    .wait(Self.saved),
                    .eval("document.getElementById('status').textContent = ''"),
                    .eval(
                        "const f = document.querySelector('#tags form'); f.elements.value.value = 'from-the-browser';"
                            + " f.requestSubmit()"),
                    .wait(Self.saved),
                    .record("status", "document.getElementById('status').textContent"),
                    .record("rating", "document.getElementById('rating').dataset.rating"),
                    .record("fav", "document.getElementById('fav').className"),
                    .record("tags", "[...document.querySelectorAll('#tags .chip a')].map(a => a.textContent)"),
                    // The helper every script POSTs with (app.js): a refusal is an answer, not a throw.
                    .record("refused", "window.gptimg.postJSON('/api/image/999999/rating', {rating: 1})"),
                ])
            #expect(result["status"] as? String == "Saved.")
            #expect(result["rating"] as? String == "4")
            #expect(result["fav"] as? String == "fav-toggle on")
            #expect(result["tags"] as? [String] == ["from-the-browser"])
            let refused = result["refused"] as? [String: Any] ?? [:]
            #expect(refused["ok"] as? Bool == false && refused["status"] as? Int == 404, "\(refused)")
            let error = (refused["json"] as? [String: Any])?["error"] as? String
            #expect(error?.contains("999999") == true && refused["message"] as? String == error, "\(refused)")
        }
        let image = try library.catalog.details([id])[0]
        #expect(image.image.rating == 4)
        #expect(image.image.favorite)
        #expect(image.tags == ["from-the-browser"])
    }

    /// The image page's status line once a POST has answered.
    static let saved = "!['', 'Saving…'].includes(document.getElementById('status').textContent)"

    static func tiles(_ dom: String) -> Int { occurrences(of: "<li class=\"tile\" data-id=", in: dom) }
}
