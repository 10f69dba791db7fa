import Foundation
import GptimgCatalog
import GptimgGallery
import TestSupport
import Testing

/// Issue 18's lightbox and compare view in a real headless Chromium, driven over the DevTools
/// protocol (`DevTools`: real mouse clicks and key presses): culling
/// with the keyboard across pages of the grid, the dialog's focus and keys, a failing keystroke's
/// message, the ids-and-sizes toggle, and the compare view. The ratings are read back from the
/// catalog file, not from the page. Screenshots go to `$TMPDIR/gptimg-gallery-screenshots/`.
@Suite(
    "gallery: lightbox and compare in a browser", .serialized, .highPriority,
    .enabled(if: ProcessInfo.processInfo.environment["GPTIMG_SKIP_BROWSER"] != "1")
)
struct LightboxBrowserTests {
    static let pageSize = 5

    /// 30 images, a minute apart, newest last; the first two are a parent and its variant.
    static func library() async throws -> GalleryLibrary {
        var specs: [GalleryLibrary.Spec] = [
            .init(
                prompt: "a lighthouse on a cliff at dawn, watercolor", task: "gpt-image-2-PARENTPARENTPARENTPARE",
                width: 640, height: 360, created: "2026-11-01T10:00:00Z"),
            .init(
                prompt: "the lighthouse in a storm, watercolor", task: "gpt-image-2-CHILDCHILDCHILDCHILDC",
                width: 320, height: 180, created: "2026-11-01T10:01:00Z",
                parent: .init(taskID: "gpt-image-2-PARENTPARENTPARENTPARE", index: 0)),
        ]
        for index in 2..<30 {
            specs.append(
                .init(
                    prompt: "study number \(index) of a quiet harbour",
                    task: "gpt-image-2-CULL\(index + 100)CULLCULLCULLCUL",
                    created: String(format: "2026-11-01T10:%02d:00Z", index)))
        }
        return try await GalleryLibrary(specs)
    }

    @Test("cull 20 images with the keyboard: every rating and reject reaches the catalog; the dialog's keys")
    func cull() async throws {
        let library = try await Self.library()
        let order = try library.catalog.list("", sort: .newest, limit: 100).map(\.image.id)
        let parent = try library.id(task: "gpt-image-2-PARENTPARENTPARENTPARE")
        let child = try library.id(task: "gpt-image-2-CHILDCHILDCHILDCHILDC")
        let gallery = Gallery(
            catalog: library.catalog, configuration: GalleryConfiguration(port: 0, pageSize: Self.pageSize))
        try FileManager.default.createDirectory(at: BrowserTests.screenshots, withIntermediateDirectories: true)
        let result = try await gallery.withRunning { running in
            try await DevTools.run(
                Self.script, arguments: [running.url, BrowserTests.screenshots.path, "\(parent),\(child)"])
        }
        #expect(result["dialog"] as? [String] == ["dialog", "true", "Image viewer"])
        #expect(result["focusInside"] as? Bool == true)
        #expect(result["tabStayedInside"] as? Bool == true)
        #expect(result["tilesAtOpen"] as? Int ?? 0 < 21)
        #expect(result["counterAfterCull"] as? String == "21 of 30")
        #expect(result["helpShown"] as? Bool == true)
        #expect(result["helpClosedByEsc"] as? Bool == true)
        #expect(result["stillOpenAfterHelp"] as? Bool == true)
        #expect((result["failure"] as? String ?? "").contains("#999999 not saved"), "\(result["failure"] ?? "")")
        #expect(result["failureIsError"] as? Bool == true)
        #expect(result["zoomed"] as? Bool == true)
        #expect(result["closed"] as? Bool == true)
        #expect(result["focusBackOnTile"] as? Bool == true)
        #expect(result["badges"] as? String == "★★")
        #expect(result["infoShown"] as? Bool == true)
        #expect(result["infoRemembered"] as? Bool == true)
        #expect(result["openedByEnter"] as? Bool == true)
        #expect(result["compareURL"] as? String == "/compare?ids=\(order[0]),\(order[1])")
        let noParent = "image \(order[0]) has no parent in this library: give 2 to 4 ids, as /compare?ids=1,2"
        #expect(result["noParent"] as? String == "Cannot compare: " + noParent)
        #expect(result["variantDiff"] as? [String] == ["a", "the", "on", "in", "cliff at dawn", "storm"])
        #expect(result["phoneFolded"] as? Bool == true)
        #expect(result["phoneUnfolded"] as? Bool == true)
        #expect(result["phonePadding"] as? String == "12px")
        #expect(result["swiped"] as? Bool == true)
        #expect(result["closedByBack"] as? Bool == true)
        let reopened = result["reopenedByForward"] as? String ?? ""
        #expect(reopened.hasPrefix("1 of"), "\(reopened)")

        // The catalog file, opened anew: the 20 keystrokes' ratings and rejects, in grid order.
        let catalog = try Catalog.open(library.location, access: .readOnly)
        let culled = try catalog.details(Array(order.prefix(20)))
        for (index, item) in culled.enumerated() {
            if index % 6 == 5 {
                #expect(item.image.pickState == .rejected, "image \(index)")
                #expect(item.image.rating == 0, "image \(index)")
            } else {
                #expect(item.image.rating == index % 6 + 1, "image \(index)")
                #expect(item.image.pickState != .rejected, "image \(index)")
            }
        }
        // After the cull: T added a tag, F made a favourite and P picked the 21st image.
        let last = try catalog.details([order[20]])[0]
        #expect(last.tags == ["keeper"])
        #expect(last.image.favorite)
        #expect(last.image.pickState == .picked)
        #expect(try catalog.details(Array(order.suffix(from: 21))).allSatisfy { $0.image.rating == 0 })
        for name in ["lightbox.png", "lightbox-keys.png", "lightbox-phone.png", "compare.png", "grid-ids.png"] {
            let path = BrowserTests.screenshots.appendingPathComponent(name).path
            #expect(((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0) > 10_000, "\(name)")
        }
    }

    /// The whole session, after `DevTools.prelude`; its arguments: URL SCREENSHOTS "PARENT,CHILD".
    static let script = #"""
        url, shots, variants = sys.argv[1], sys.argv[2], sys.argv[3]
        result = {}
        size(1400, 1000)
        go(url)
        wait("document.querySelectorAll('#grid > li.tile').length >= 5")
        result["tilesAtOpen"] = evaluate("document.querySelectorAll('#grid > li.tile').length")
        click("#grid > li.tile:first-child > a")
        wait("!document.getElementById('lightbox').hidden")
        result["dialog"] = evaluate("(() => { const b = document.getElementById('lightbox'); \#
        return [b.getAttribute('role'), b.getAttribute('aria-modal'), b.getAttribute('aria-label')]; })()")
        result["focusInside"] = evaluate("document.getElementById('lightbox').contains(document.activeElement)")
        # The cull: 1-5 stars, every sixth rejected, then the next image; 20 images.
        for i in range(20):
            key("x" if i % 6 == 5 else str(i % 6 + 1))
            key("ArrowRight")
        wait("document.querySelector('.lb-counter').textContent.startsWith('21 of')")
        wait("document.getElementById('lightbox').dataset.pending === '0'")
        result["counterAfterCull"] = evaluate("document.querySelector('.lb-counter').textContent")
        key("?")
        result["helpShown"] = evaluate("!document.getElementById('lb-help').hidden")
        screenshot(shots + "/lightbox-keys.png")
        key("Escape")
        result["helpClosedByEsc"] = evaluate("document.getElementById('lb-help').hidden")
        result["stillOpenAfterHelp"] = evaluate("!document.getElementById('lightbox').hidden")
        inside = True
        for _ in range(14):
            key("Tab")
            inside = inside and evaluate("document.getElementById('lightbox').contains(document.activeElement)")
        result["tabStayedInside"] = inside
        evaluate("document.getElementById('lightbox').focus()")
        key("t")
        wait("document.activeElement && document.activeElement.matches('.lb-input input')")
        type_text("keeper")
        key("Enter")
        key("f")
        key("p")
        wait("document.getElementById('lightbox').dataset.pending === '0'")
        # A keystroke that fails says why: an image that is not there.
        evaluate("(() => { const t = [...document.querySelectorAll('#grid > li.tile')][20]; t.dataset.realId = \#
        t.dataset.id; t.dataset.id = '999999'; })()")
        key("3")
        wait("document.querySelector('.lb-toast').textContent.includes('999999')")
        result["failure"] = evaluate("document.querySelector('.lb-toast').textContent")
        result["failureIsError"] = evaluate("document.querySelector('.lb-toast').classList.contains('error')")
        evaluate("(() => { const t = [...document.querySelectorAll('#grid > li.tile')][20]; \#
        t.dataset.id = t.dataset.realId; })()")
        key("ArrowLeft")
        wait("document.querySelector('.lb-image').complete")
        screenshot(shots + "/lightbox.png")
        key("z")
        result["zoomed"] = evaluate("document.getElementById('lightbox').classList.contains('actual')")
        key("z")
        key("Escape")
        result["closed"] = evaluate("document.getElementById('lightbox').hidden")
        result["focusBackOnTile"] = evaluate("document.activeElement.closest('li.tile') === \#
        [...document.querySelectorAll('#grid > li.tile')][19]")
        result["badges"] = evaluate("[...document.querySelectorAll('#grid > li.tile')][1]\#
        .querySelector('.badges .stars').textContent")
        # Ids and sizes: the toggle, remembered over a reload.
        evaluate("window.scrollTo(0, 0)")
        click("#show-info")
        result["infoShown"] = evaluate("document.documentElement.classList.contains('show-info')")
        go(url)
        wait("document.querySelectorAll('#grid > li.tile').length >= 5")
        result["infoRemembered"] = evaluate("document.documentElement.classList.contains('show-info') && \#
        document.getElementById('show-info').checked")
        screenshot(shots + "/grid-ids.png")
        # D: the image viewed before, compared with this one. Opened from the keyboard alone.
        evaluate("window.scrollTo(0, 0); document.querySelector('#grid > li.tile:first-child > a').focus()")
        key("Enter")
        wait("!document.getElementById('lightbox').hidden")
        result["openedByEnter"] = evaluate("document.getElementById('lightbox').contains(document.activeElement)")
        # The first image viewed has no parent: D says so, and the viewer stays.
        key("d")
        wait("document.querySelector('.lb-toast').textContent.startsWith('Cannot compare')")
        result["noParent"] = evaluate("document.querySelector('.lb-toast').textContent")
        key("ArrowRight")
        key("d")
        wait("location.pathname === '/compare' && !!document.getElementById('compare')")
        result["compareURL"] = evaluate("location.pathname + location.search")
        # Two variants: the prompt's difference is on the page.
        go(url + "compare?ids=" + variants)
        wait("!!document.getElementById('compare') && document.getElementById('compare').dataset.scale")
        result["variantDiff"] = evaluate("[...document.querySelectorAll('#prompt-diff del, #prompt-diff ins')]\#
        .map(e => e.textContent)")
        wait("[...document.querySelectorAll('.compare-item img')].every(i => i.complete)")
        screenshot(shots + "/compare.png")
        # A phone: 390 px wide. The filters fold behind their toggle and the grid starts on the first screen.
        size(390, 844, True)
        go(url)
        wait("document.querySelectorAll('#grid > li.tile').length >= 5")
        folded = "getComputedStyle(document.querySelector('.filters')).display === 'none'"
        result["phoneFolded"] = evaluate(folded + " && document.getElementById('grid').getBoundingClientRect()\#
        .top < innerHeight / 2")
        # The phone's rules come after the wide ones they override (the last of two equal rules wins).
        result["phonePadding"] = evaluate("getComputedStyle(document.querySelector('main')).paddingLeft")
        click(".filters-label")
        result["phoneUnfolded"] = evaluate("!(" + folded + ") && document.querySelector('.filters select')\#
        .getBoundingClientRect().height > 0")
        click("#grid > li.tile:first-child > a")
        wait("!document.getElementById('lightbox').hidden && document.querySelector('.lb-image').complete")
        screenshot(shots + "/lightbox-phone.png")
        # A swipe left is the next image, right the one before; Back closes the viewer, Forward opens it again.
        swipe(-200)
        wait("document.querySelector('.lb-counter').textContent.startsWith('2 of')")
        swipe(200)
        wait("document.querySelector('.lb-counter').textContent.startsWith('1 of')")
        result["swiped"] = True
        evaluate("history.back()")
        wait("document.getElementById('lightbox').hidden")
        result["closedByBack"] = evaluate("location.pathname === '/' && !document.documentElement.classList\#
        .contains('lightbox-open')")
        evaluate("history.forward()")
        wait("!document.getElementById('lightbox').hidden")
        result["reopenedByForward"] = evaluate("document.querySelector('.lb-counter').textContent")
        finish(result)
        """#
}
