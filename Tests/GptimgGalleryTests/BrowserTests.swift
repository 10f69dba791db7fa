import Dispatch
import Foundation
import GptimgCatalog
import GptimgGallery
import Testing
import TestSupport

/// The gallery in a real browser: headless Chromium loads the pages from the server running in
/// this process, with our CSP and script, and the DOM it ends with is checked. Screenshots go to
/// `$TMPDIR/gptimg-gallery-screenshots/` for a person to look at. CI installs Chromium
/// (scripts/install-deps.sh); `GPTIMG_SKIP_BROWSER=1` skips these tests where there is none.
@Suite("gallery in a browser", .serialized, .enabled(if: ProcessInfo.processInfo.environment["GPTIMG_SKIP_BROWSER"] != "1"))
struct BrowserTests {
    static let screenshots = FileManager.default.temporaryDirectory.appendingPathComponent("gptimg-gallery-screenshots")

    @Test("the grid loads with every thumbnail, a search narrows it, the image page shows the prompt")
    func gallery() async throws {
        let library = try await GalleryLibrary.standard()
        let parent = try library.details(task: "gpt-image-2-PARENTPARENTPARENTPARE")
        let hostile = try library.details(task: "gpt-image-2-HOSTILEHOSTILEHOSTILE")
        let gallery = Gallery(catalog: library.catalog, configuration: GalleryConfiguration(port: 0))
        try FileManager.default.createDirectory(at: Self.screenshots, withIntermediateDirectories: true)
        try await gallery.withRunning { running in
            let grid = try await Chromium.dumpDOM(running.url)
            #expect(Self.tiles(grid) == 6)
            #expect(grid.contains("a lighthouse on a cliff at dawn, watercolor"))

            let search = try await Chromium.dumpDOM(running.url + "?q=lighthouse")
            #expect(Self.tiles(search) == 2)
            #expect(!search.contains("a portrait of a fox"))

            let page = try await Chromium.dumpDOM(running.url + "image/\(parent.image.id)")
            #expect(page.contains("<h1 class=\"prompt\" id=\"prompt\">a lighthouse on a cliff at dawn, watercolor</h1>"))

            // The hostile prompt stayed text: no element was made from it.
            let hostilePage = try await Chromium.dumpDOM(running.url + "image/\(hostile.image.id)")
            #expect(hostilePage.contains("&lt;script&gt;alert(\"pwned\")&lt;/script&gt;"))
            #expect(!hostilePage.contains("<img src=\"x\""))

            try await Chromium.screenshot(running.url, to: Self.screenshots.appendingPathComponent("grid.png"))
            try await Chromium.screenshot(running.url + "?q=lighthouse", to: Self.screenshots.appendingPathComponent("search.png"))
            try await Chromium.screenshot(running.url + "image/\(parent.image.id)", to: Self.screenshots.appendingPathComponent("image.png"))
            for name in ["grid.png", "search.png", "image.png"] {
                let path = Self.screenshots.appendingPathComponent(name).path
                #expect(((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0) > 10_000, "\(name)")
            }
        }
    }

    @Test("the script runs under the CSP: infinite scroll appends every later page")
    func infiniteScroll() async throws {
        let library = try await GalleryLibrary.standard()
        let gallery = Gallery(catalog: library.catalog, configuration: GalleryConfiguration(port: 0, pageSize: 2))
        try await gallery.withRunning { running in
            let dom = try await Chromium.dumpDOM(running.url, virtualTime: 10_000)
            // Server pages hold 2 tiles; app.js fetched and appended the other pages.
            #expect(Self.tiles(dom) == 6)
            #expect(!dom.contains("id=\"next\""))
        }
    }

    static func tiles(_ dom: String) -> Int { occurrences(of: "<li class=\"tile\">", in: dom) }
}

/// Headless Chromium as a subprocess (on a Dispatch thread: it blocks for seconds, and the
/// server it talks to runs in this process).
enum Chromium {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func binary() throws -> String {
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            if let path = ProcessRunner.locate(name) { return path }
        }
        throw Failure(description: "Chromium is not installed: run scripts/install-deps.sh (apt-get install chromium), or set GPTIMG_SKIP_BROWSER=1")
    }

    static func dumpDOM(_ url: String, virtualTime: Int = 3000) async throws -> String {
        let result = try await run(["--dump-dom", "--virtual-time-budget=\(virtualTime)", url])
        guard result.status == 0, result.stdout.contains("</html>") else {
            throw Failure(description: "chromium --dump-dom \(url) exited \(result.status): \(result.stderr.suffix(600))")
        }
        return result.stdout
    }

    static func screenshot(_ url: String, to file: URL, width: Int = 1400, height: Int = 1000) async throws {
        let result = try await run(["--screenshot=\(file.path)", "--window-size=\(width),\(height)", "--hide-scrollbars", "--virtual-time-budget=3000", url])
        guard result.status == 0 else {
            throw Failure(description: "chromium --screenshot \(url) exited \(result.status): \(result.stderr.suffix(600))")
        }
    }

    private static func run(_ arguments: [String]) async throws -> ProcessResult {
        let chromium = try binary()
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("gptimg-chromium-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: profile) }
        let command = [
            "timeout", "120", chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--user-data-dir=\(profile.path)",
        ] + arguments
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try ProcessRunner.run(command) })
            }
        }
    }
}
