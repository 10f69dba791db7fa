import Dispatch
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
    "gallery selection in a browser", .serialized,
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
            try await DevTools.run(
                Self.script, arguments: [running.url, downloads.path, shots.path])
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

    /// The steps, after `DevTools.prelude`: `tile(i)` is the i-th tile of the grid, `click(selector
    /// or element, modifiers)` a real mouse click at its centre, `wait(expression)` polls.
    static let script = #"""
        url, downloads, shots = sys.argv[2], sys.argv[3], sys.argv[4]
        out = {}
        call("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": downloads})
        def fresh(path, ready="!!document.getElementById('select-bar')"):
            goto(url.rstrip("/") + path, ready)
            evaluate("window.__confirms = []; window.confirm = (m) => { window.__confirms.push(m); return true; }; 1")
        viewport(1400, 1000)
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
        click("#select-undo")
        time.sleep(0.3)
        wait("document.readyState === 'complete' && document.querySelectorAll('#grid > li.tile').length === 25 || null")
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

        viewport(390, 844, True)
        fresh("/")
        for n in (1, 2, 4):
            click("#grid > li.tile:nth-child(%d) > .select-box" % n)
        out["phoneCount"] = evaluate("document.getElementById('select-count').textContent")
        screenshot(shots + "/phone-selection.png")
        print(json.dumps(out))
        """#
}

/// Chromium's DevTools protocol over a pipe, from python3 (no WebSocket library needed): a
/// prelude of helpers, then a test's steps.
enum DevTools {
    static func run(_ steps: String, arguments: [String]) async throws -> [String: Any] {
        let chromium = try Chromium.binary()
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("gptimg-cdp-\(UUID().uuidString).py")
        try Data((prelude + steps + epilogue).utf8).write(to: script)
        defer { try? FileManager.default.removeItem(at: script) }
        let command = ["timeout", "600", "python3", script.path, chromium] + arguments
        let result = try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try ProcessRunner.run(command) }) }
        }
        let lastLine = result.stdout.split(separator: "\n").last.map(String.init) ?? ""
        guard result.status == 0,
            let object = try? JSONSerialization.jsonObject(with: Data(lastLine.utf8)) as? [String: Any]
        else {
            throw Chromium.Failure(
                description: "the DevTools script exited \(result.status): \(result.stdout.suffix(600)) "
                    + "\(result.stderr.suffix(1500))")
        }
        return object
    }

    /// python3 SCRIPT CHROMIUM ARGS…: starts Chromium with `--remote-debugging-pipe` (fd 3 in,
    /// fd 4 out, NUL-separated messages) and defines the helpers the steps use.
    static let prelude = #"""
        import base64, json, os, subprocess, sys, time, tempfile, shutil
        r3, w3 = os.pipe()
        r4, w4 = os.pipe()
        profile = tempfile.mkdtemp()
        command = "exec %s --headless --no-sandbox --disable-gpu --hide-scrollbars --remote-debugging-pipe \
        --user-data-dir=%s about:blank 3<&%d 4>&%d" % (sys.argv[1], profile, r3, w4)
        proc = subprocess.Popen(["bash", "-c", command], pass_fds=(r3, w4),
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(r3); os.close(w4)
        out_pipe = os.fdopen(w3, "wb"); in_pipe = os.fdopen(r4, "rb")
        buf = b""; next_id = [0]
        CTRL, SHIFT, ALT = 2, 8, 1
        def send(method, params=None, session=None):
            next_id[0] += 1
            msg = {"id": next_id[0], "method": method, "params": params or {}}
            if session: msg["sessionId"] = session
            out_pipe.write(json.dumps(msg).encode() + b"\0"); out_pipe.flush()
            return next_id[0]
        def recv_until(id_):
            global buf
            while True:
                while b"\0" not in buf:
                    chunk = os.read(in_pipe.fileno(), 1 << 20)
                    if not chunk: raise SystemExit("chromium closed the pipe")
                    buf += chunk
                raw, buf = buf.split(b"\0", 1)
                msg = json.loads(raw)
                if msg.get("id") == id_: return msg
        def call(method, params=None, session=None):
            return recv_until(send(method, params, session))
        target = call("Target.createTarget", {"url": "about:blank"})["result"]["targetId"]
        session = call("Target.attachToTarget", {"targetId": target, "flatten": True})["result"]["sessionId"]
        call("Runtime.enable", {}, session)
        call("Page.enable", {}, session)
        def page(method, params=None):
            return call(method, params, session)
        def evaluate(expr):
            r = page("Runtime.evaluate", {"expression": expr, "awaitPromise": True, "returnByValue": True})
            return r.get("result", {}).get("result", {}).get("value")
        def wait(expr, seconds=90):  # generous: the whole suite shares two cores with several browsers
            deadline = time.time() + seconds
            while time.time() < deadline:
                value = evaluate(expr)
                if value is not None and value is not False: return value
                time.sleep(0.05)
            raise SystemExit("timed out waiting for: " + expr + " page: " + str(evaluate("location.href")) \
                + " status: " + str(evaluate("(document.getElementById('select-status') || {}).textContent")))
        def goto(address, ready):
            page("Page.navigate", {"url": address})
            time.sleep(0.1)
            wait("document.readyState === 'complete' && location.href === " + json.dumps(address) + " && " + ready)
        def viewport(width, height, mobile=False):
            page("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1,
                                                        "mobile": mobile})
        def click(selector, modifiers=0):
            box = wait("(e => { if (!e) return null; e.scrollIntoView({block: 'center'}); const r = \
        e.getBoundingClientRect(); return r.width ? [r.x + r.width / 2, r.y + r.height / 2] : null; })" \
                + "(document.querySelector(" \
                + json.dumps(selector) + "))")
            for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
                page("Input.dispatchMouseEvent", {"type": kind, "x": box[0], "y": box[1], "button": "left",
                                                  "clickCount": 1, "modifiers": modifiers})
            time.sleep(0.05)
        def key(name, modifiers=0):
            codes = {"Escape": 27, "ArrowDown": 40, "ArrowUp": 38}
            for kind in ("rawKeyDown", "keyUp"):
                page("Input.dispatchKeyEvent", {"type": kind, "key": name, "code": name, "modifiers": modifiers,
                                                "windowsVirtualKeyCode": codes[name]})
            time.sleep(0.05)
        def screenshot(path):
            time.sleep(0.2)
            data = page("Page.captureScreenshot", {"format": "png"})["result"]["data"]
            with open(path, "wb") as f: f.write(base64.b64decode(data))
        def wait_file(folder, seconds=90):
            deadline = time.time() + seconds
            while time.time() < deadline:
                names = [n for n in os.listdir(folder) if n.endswith(".zip")]
                partial = [n for n in os.listdir(folder) if n.endswith(".crdownload")]
                if names and not partial: return names[0]
                time.sleep(0.05)
            raise SystemExit("no download in " + folder + ": " + str(os.listdir(folder)) + " page: " \
                + str(evaluate("location.href + ' ' + document.title + ' ' + document.body.innerText.slice(0, 300)")))

        """#

    static let epilogue = #"""

        call("Browser.close")
        proc.wait(timeout=10)
        shutil.rmtree(profile, ignore_errors=True)
        """#
}
