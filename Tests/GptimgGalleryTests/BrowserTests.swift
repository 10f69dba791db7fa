import Dispatch
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
    "gallery in a browser", .serialized, .enabled(if: ProcessInfo.processInfo.environment["GPTIMG_SKIP_BROWSER"] != "1")
)
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
            // One Chromium start per page: the DOM and the screenshot of the same load.
            let grid = try await Chromium.dumpDOM(
                running.url, screenshot: Self.screenshots.appendingPathComponent("grid.png"))
            #expect(Self.tiles(grid) == 6)
            #expect(grid.contains("a lighthouse on a cliff at dawn, watercolor"))

            let search = try await Chromium.dumpDOM(
                running.url + "?q=lighthouse", screenshot: Self.screenshots.appendingPathComponent("search.png"))
            #expect(Self.tiles(search) == 2)
            #expect(!search.contains("a portrait of a fox"))

            let page = try await Chromium.dumpDOM(
                running.url + "image/\(parent.image.id)",
                screenshot: Self.screenshots.appendingPathComponent("image.png"))
            #expect(
                page.contains("<h1 class=\"prompt\" id=\"prompt\">a lighthouse on a cliff at dawn, watercolor</h1>"))

            // The hostile prompt stayed text: no element was made from it.
            let hostilePage = try await Chromium.dumpDOM(running.url + "image/\(hostile.image.id)")
            #expect(hostilePage.contains("&lt;script&gt;alert(\"pwned\")&lt;/script&gt;"))
            #expect(!hostilePage.contains("<img src=\"x\""))

            for name in ["grid.png", "search.png", "image.png"] {
                let path = Self.screenshots.appendingPathComponent(name).path
                #expect(
                    ((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0) > 10_000, "\(name)")
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

    @Test("edits from the image page: a real browser's POSTs carry the token and pass the same-origin check")
    func editsFromThePage() async throws {
        let library = try await GalleryLibrary.standard()
        let id = try library.id(task: "gpt-image-2-HILLSHILLSHILLSHILLS")
        let gallery = Gallery(catalog: library.catalog, configuration: GalleryConfiguration(port: 0))
        try await gallery.withRunning { running in
            let result = try await Chromium.clickThrough(running.url + "image/\(id)")
            #expect(result["status"] as? String == "Saved.")
            #expect(result["rating"] as? String == "4")
            #expect(result["fav"] as? String == "fav-toggle on")
            #expect(result["tags"] as? [String] == ["from-the-browser"])
        }
        let image = try library.catalog.details([id])[0]
        #expect(image.image.rating == 4)
        #expect(image.image.favorite)
        #expect(image.tags == ["from-the-browser"])
    }

    static func tiles(_ dom: String) -> Int { occurrences(of: "<li class=\"tile\" data-id=", in: dom) }
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
        throw Failure(
            description:
                """
                Chromium is not installed: run scripts/install-deps.sh (apt-get install chromium), or set \
                GPTIMG_SKIP_BROWSER=1
                """
        )
    }

    /// The DOM of `url` once its scripts have run (`virtualTime` ms of page time), and, with
    /// `screenshot`, a picture of that same load (`width` x `height`): one Chromium start for both.
    static func dumpDOM(
        _ url: String, virtualTime: Int = 3000, screenshot: URL? = nil, width: Int = 1400, height: Int = 1000
    ) async throws -> String {
        var arguments = ["--dump-dom", "--virtual-time-budget=\(virtualTime)"]
        if let screenshot {
            try? FileManager.default.removeItem(at: screenshot) // the check below sees this run's file
            arguments += ["--screenshot=\(screenshot.path)", "--window-size=\(width),\(height)", "--hide-scrollbars"]
        }
        let result = try await run(arguments + [url])
        guard result.status == 0, result.stdout.contains("</html>") else {
            throw Failure(
                description: "chromium --dump-dom \(url) exited \(result.status): \(result.stderr.suffix(600))")
        }
        return result.stdout
    }

    /// A screenshot alone (a page whose DOM is not checked; `dumpDOM(_:screenshot:)` takes both in
    /// one start).
    static func screenshot(_ url: String, to file: URL, width: Int = 1400, height: Int = 1000) async throws {
        let result = try await run([
            "--screenshot=\(file.path)", "--window-size=\(width),\(height)", "--hide-scrollbars",
            "--virtual-time-budget=3000", url,
        ])
        guard result.status == 0 else {
            throw Failure(
                description: "chromium --screenshot \(url) exited \(result.status): \(result.stderr.suffix(600))")
        }
    }

    /// Drives the image page at `url` through Chromium's DevTools protocol (over
    /// `--remote-debugging-pipe`, with python3): clicks the fourth star and the favourite button,
    /// adds the tag "from-the-browser", and returns what the page then shows.
    static func clickThrough(_ url: String) async throws -> [String: Any] {
        let chromium = try binary()
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("gptimg-cdp-\(UUID().uuidString).py")
        try Data(devToolsScript.utf8).write(to: script)
        defer { try? FileManager.default.removeItem(at: script) }
        let result = try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(
                    with: Result { try ProcessRunner.run(["timeout", "120", "python3", script.path, url, chromium]) })
            }
        }
        guard result.status == 0,
            let object = try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        else {
            throw Failure(
                description:
                    """
                    the DevTools script exited \(result.status): \(result.stdout.suffix(300)) \
                    \(result.stderr.suffix(600))
                    """
            )
        }
        return object
    }

    /// python3 SCRIPT URL CHROMIUM: Chromium's DevTools protocol over a pipe (fd 3 in, fd 4 out,
    /// messages separated by NUL), so no WebSocket library is needed.
    static let devToolsScript = #"""
        import json, os, subprocess, sys, time, tempfile
        url = sys.argv[1]
        r3, w3 = os.pipe()   # chromium reads commands on fd 3
        r4, w4 = os.pipe()   # chromium writes answers on fd 4
        profile = tempfile.mkdtemp()
        command = "exec %s --headless --no-sandbox --disable-gpu --remote-debugging-pipe --user-data-dir=%s \#
        about:blank 3<&%d 4>&%d" % (sys.argv[2], profile, r3, w4)
        proc = subprocess.Popen(["bash", "-c", command], pass_fds=(r3, w4),
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(r3); os.close(w4)
        out = os.fdopen(w3, "wb"); inp = os.fdopen(r4, "rb")
        buf = b""; next_id = [0]
        def send(method, params=None, session=None):
            next_id[0] += 1
            msg = {"id": next_id[0], "method": method, "params": params or {}}
            if session: msg["sessionId"] = session
            out.write(json.dumps(msg).encode() + b"\0"); out.flush()
            return next_id[0]
        def recv_until(id_):
            global buf
            while True:
                while b"\0" not in buf:
                    chunk = os.read(inp.fileno(), 65536)
                    if not chunk: raise SystemExit("chromium closed the pipe")
                    buf += chunk
                raw, buf = buf.split(b"\0", 1)
                msg = json.loads(raw)
                if msg.get("id") == id_: return msg
        def call(method, params=None, session=None):
            return recv_until(send(method, params, session))
        target = call("Target.createTarget", {"url": url})["result"]["targetId"]
        session = call("Target.attachToTarget", {"targetId": target, "flatten": True})["result"]["sessionId"]
        call("Runtime.enable", {}, session)
        def evaluate(expr):
            r = call("Runtime.evaluate", {"expression": expr, "awaitPromise": True, "returnByValue": True}, session)
            # An error (no execution context while the page navigates) reads as None: callers poll.
            return r.get("result", {}).get("result", {}).get("value")
        for _ in range(600):  # until the image page (not the first about:blank) has loaded
            if evaluate("document.readyState === 'complete' && !!document.getElementById('rating')"): break
            time.sleep(0.05)
        steps = [
            "document.querySelector('.star[data-rating=\"4\"]').click()",
            "document.getElementById('fav').click()",
            "(() => { const f = document.querySelector('#tags form'); f.elements.value.value = 'from-the-browser'; \#
        f.requestSubmit(); })()",
        ]
        for step in steps:
            evaluate("document.getElementById('status').textContent = ''")
            evaluate(step)
            for _ in range(200):  # until the page says how the POST went
                if evaluate("document.getElementById('status').textContent") not in ("", "Saving…"): break
                time.sleep(0.05)
        print(json.dumps({
            "status": evaluate("document.getElementById('status').textContent"),
            "rating": evaluate("document.getElementById('rating').dataset.rating"),
            "fav": evaluate("document.getElementById('fav').className"),
            "tags": evaluate("[...document.querySelectorAll('#tags .chip a')].map(a => a.textContent)"),
        }))
        call("Browser.close")
        proc.wait(timeout=10)
        import shutil; shutil.rmtree(profile, ignore_errors=True)
        """#

    private static func run(_ arguments: [String]) async throws -> ProcessResult {
        let chromium = try binary()
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent(
            "gptimg-chromium-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: profile) }
        let command =
            [
                "timeout", "120", chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run",
                "--user-data-dir=\(profile.path)",
            ] + arguments
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try ProcessRunner.run(command) })
            }
        }
    }
}
