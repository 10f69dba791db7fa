import Foundation
import GptimgCatalog
import GptimgGallery
import TestSupport
import Testing

/// issue 18 items 3 and 5 in a real browser: headless Chromium driven over the DevTools protocol
/// (real mouse and key events) selects, tags, downloads, deletes and undoes, and manages
/// collections; the catalog and the downloaded zip are checked afterwards. Screenshots go to
/// `$TMPDIR/gptimg-gallery-screenshots/` (grid-selection.png, collections-manage.png,
/// arrange.png, phone-selection.png).
@Suite(
    "gallery selection in a browser", .serialized, .highPriority,
    .enabled(if: ProcessInfo.processInfo.environment["GPTIMG_SKIP_BROWSER"] != "1"))
struct SelectionBrowserTests {
    @Test("select 10 (box, Ctrl-click, Shift-click), tag, download the zip; all 25; delete and Undo; collections")
    func selectTagDownloadDeleteUndo() async throws {
        let library = try await SelectionRouteTests.batch(25, prompt: "a small study")
        let newest = try library.catalog.list("", limit: 100).map(\.image.id)
        try await library.catalog.addToCollection("Summer", Array(newest.suffix(4)))
        try library.catalog.createCollection("Studies", query: "study rating:>=4")
        let downloads = library.folder.appendingPathComponent("downloads")
        let shots = BrowserTests.screenshots
        try FileManager.default.createDirectory(at: downloads, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: shots, withIntermediateDirectories: true)
        let gallery = Gallery(catalog: library.catalog, configuration: GalleryConfiguration(port: 0))
        let result = try await gallery.withRunning { running in
            try await DevTools.run(Self.script, arguments: [running.url, downloads.path, shots.path])
        }
        func value(_ key: String) -> Any? { result[key] }

        // Ten tiles selected by the box, a Ctrl-click and a Shift-click, without leaving the grid.
        #expect(value("afterClicks") as? String == "10 images selected")
        #expect(value("stayed") as? String == "/")
        #expect(value("tagStatus") as? String == "Tagged 10 images “picked-ten”.")
        let ten = Array(newest.prefix(10))
        #expect(Set(try library.catalog.list("tag:picked-ten", limit: 100).map(\.image.id)) == Set(ten))

        // The zip holds exactly those ten and the manifest.
        let zip = try #require(value("zip") as? String)
        let files = try ZipContents.read(downloads.appendingPathComponent(zip).path)
        #expect(files.count == 11)
        let manifest = try #require(
            try JSONSerialization.jsonObject(with: Data(files["manifest.json"] ?? [])) as? [String: Any])
        let records = try #require(manifest["images"] as? [[String: Any]])
        #expect(Set(records.compactMap { ($0["id"] as? Int).map(Int64.init) }) == Set(ten))
        for record in records {
            let image = try library.catalog.details([Int64(record["id"] as? Int ?? 0)])[0].image
            let name = record["file"] as? String ?? ""
            #expect(files[name] == Array(try Data(contentsOf: library.catalog.location.file(of: image))), "\(name)")
        }

        // Esc cleared it; "select all 25 matching" asked once (more than 20) and tagged every page's images.
        #expect(value("afterEscape") as? String == "hidden")
        #expect(value("allText") as? String == "All 25 images matching")
        #expect(value("confirms") as? [String] == ["Tag 25 images?"])
        #expect(try library.catalog.count(try ImageQuery(parsing: "tag:everything")) == 25)

        // Deleted three (rated 4 first), then Undo: the same ids, tags and ratings.
        #expect(value("afterDelete") as? Int == 22)
        #expect(value("deleteStatus") as? String == "Moved 3 images to the trash. Undo")
        #expect(value("afterUndo") as? Int == 25)
        let three = Array(newest[10..<13])
        for item in try library.catalog.details(three) {
            #expect(item.image.rating == 4)
            #expect(item.tags == ["batch", "everything"])
        }
        #expect(Catalog.trashItems(library.catalog.location).isEmpty)

        // Collections: made and renamed from the page; moved with the keyboard and a button.
        #expect(value("renamed") as? String == "Renamed here")
        #expect(try library.catalog.collectionNames() == ["Renamed here", "Studies", "Summer"])
        let summer = Array(newest.suffix(4))
        #expect(
            value("arrangeOrder") as? [Int] == [summer[1], summer[2], summer[0], summer[3]].map { Int($0) },
            "\(value("arrangeStatus") ?? "")")
        // Then the newest was removed from the collection on its own page: its tile left the grid.
        #expect(value("summerTiles") as? Int == 3)
        #expect(try library.catalog.collectionOrder("Summer") == [summer[1], summer[2], summer[3]])
        #expect(value("phoneCount") as? String == "3 images selected")
        for name in ["grid-selection.png", "collections-manage.png", "arrange.png", "phone-selection.png"] {
            let size = try FileManager.default.attributesOfItem(atPath: shots.appendingPathComponent(name).path)[.size]
            #expect((size as? Int ?? 0) > 10_000, "\(name)")
        }
    }

    /// The steps, after `DevTools.prelude` (its helpers: `click(selector, modifiers)` a real mouse
    /// click at the element's centre, `wait(expression)` polls); arguments: URL DOWNLOADS SCREENSHOTS.
    static let script = #"""
        url, downloads, shots = sys.argv[1:4]
        out = {}
        call("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": downloads})
        def fresh(path, ready="!!document.getElementById('select-bar')"):
            go(url.rstrip("/") + path, ready)
            evaluate("window.__confirms = []; window.confirm = (m) => { window.__confirms.push(m); return true; }; 1")
        size(1400, 1000)
        fresh("/")
        click("#grid > li.tile:nth-child(1) > .select-box")
        click("#grid > li.tile:nth-child(2) img", CTRL)
        click("#grid > li.tile:nth-child(10) img", SHIFT)
        out["afterClicks"] = evaluate("document.getElementById('select-count').textContent")
        out["stayed"] = evaluate("location.pathname")
        evaluate("document.querySelector('#bulk-tag input').value = 'picked-ten'; 1")
        click("#bulk-tag button[type=submit]")
        STATUS = "document.getElementById('select-status').textContent"
        out["tagStatus"] = wait("(t => t.startsWith('Tagged') ? t : null)(" + STATUS + ")")
        screenshot(shots + "/grid-selection.png")
        click("#bulk-download button")
        out["zip"] = wait_file(downloads)
        key("Escape")
        out["afterEscape"] = evaluate("document.getElementById('select-bar').hidden ? 'hidden' : 'shown'")

        click("#grid > li.tile:nth-child(5) > .select-box")
        click("#select-all")
        out["allText"] = evaluate("document.getElementById('select-count').textContent")
        evaluate("document.querySelector('#bulk-tag input').value = 'everything'; 1")
        click("#bulk-tag button[type=submit]")
        wait("document.getElementById('select-status').textContent.startsWith('Tagged') || null")
        out["confirms"] = evaluate("window.__confirms")
        click("#select-clear")

        for n in (11, 12, 13):
            click("#grid > li.tile:nth-child(%d) > .select-box" % n)
        evaluate("const r = document.getElementById('bulk-rate'); r.value = '4'; " \
            + "r.dispatchEvent(new Event('change')); 1")
        wait("document.getElementById('select-status').textContent.startsWith('Rated') || null")
        click("button[data-action=delete]")
        wait("document.getElementById('select-undo') || null")
        out["afterDelete"] = evaluate("document.querySelectorAll('#grid > li.tile').length")
        out["deleteStatus"] = evaluate("document.getElementById('select-status').textContent")
        evaluate("window.gptimgOldPage = true")
        click("#select-undo")
        # Undo reloads the page: the new one, with every tile back.
        wait("document.readyState === 'complete' && !window.gptimgOldPage" \
            + " && document.querySelectorAll('#grid > li.tile').length === 25")
        out["afterUndo"] = evaluate("document.querySelectorAll('#grid > li.tile').length")

        fresh("/collections", "!!document.getElementById('collection-create')")
        evaluate("const f = document.getElementById('collection-create'); f.elements.name.value = 'Made here'; 1")
        click("#collection-create button[type=submit]")
        wait("[...document.querySelectorAll('.collection-manage')].some(b => b.dataset.name === 'Made here') || null")
        click(".collection-manage[data-name='Made here'] button.rename")
        MADE = ".collection-manage[data-name='Made here']"
        evaluate("document.querySelector(\"" + MADE + " input[name=to]\").value = 'Renamed here'; 1")
        click(".collection-manage[data-name='Made here'] .rename-form button[type=submit]")
        out["renamed"] = wait("(b => b ? b.dataset.name : null)" \
            + "(document.querySelector(\".collection-manage[data-name='Renamed here']\"))")
        click(".collection-manage[data-name='Summer'] button.rename")
        screenshot(shots + "/collections-manage.png")

        fresh("/collection/Summer/arrange", "!!document.getElementById('arrange')")
        click("#arrange > li:nth-child(1) button.down")
        wait("document.getElementById('arrange-status').textContent.startsWith('Image') || null")
        evaluate("document.querySelector('#arrange > li:nth-child(2) button.down').focus(); 1")
        key("ArrowDown", ALT)
        wait("document.getElementById('arrange-status').textContent.includes('number 3') || null")
        out["arrangeStatus"] = evaluate("document.getElementById('arrange-status').textContent")
        out["arrangeOrder"] = evaluate("[...document.querySelectorAll('#arrange > li')].map(li => +li.dataset.id)")
        screenshot(shots + "/arrange.png")

        fresh("/collection/Summer")
        click("#grid > li.tile:nth-child(1) > .select-box")
        evaluate("document.querySelector('#bulk-collection input').value = 'summer'; 1")
        click("#bulk-collection button.uncollect")
        wait("document.getElementById('select-status').textContent.startsWith('Removed') || null")
        out["summerTiles"] = evaluate("document.querySelectorAll('#grid > li.tile').length")

        size(390, 844, True)
        fresh("/")
        for n in (1, 2, 4):
            click("#grid > li.tile:nth-child(%d) > .select-box" % n)
        out["phoneCount"] = evaluate("document.getElementById('select-count').textContent")
        screenshot(shots + "/phone-selection.png")
        finish(out)
        """#
}
