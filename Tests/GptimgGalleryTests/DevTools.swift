import Dispatch
import Foundation
import TestSupport

/// Headless Chromium for the gallery's browser tests: where it is installed, and how it failed.
/// CI installs it (scripts/install-deps.sh); `GPTIMG_SKIP_BROWSER=1` skips the tests that need it.
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
}

/// The one driver of the browser tests: a python3 script speaks Chromium's DevTools protocol
/// over `--remote-debugging-pipe` (fd 3 in, fd 4 out, NUL-separated JSON; no WebSocket library
/// needed), one browser for a whole test. A test either writes its steps in python after
/// `prelude` (`run(_:arguments:)`), or lists them (`run(_:_:)`). The helpers:
///
/// - `go(address, ready)`: navigate and wait until the new page has loaded and `ready` holds;
/// - `evaluate(expression)`, `dom()`: a value from the page (None while it navigates);
/// - `wait(expression, seconds)`: the page checks every 20 ms until the expression is truthy (its value),
///   failing with the page's state at the deadline; `poll` is the same without failing;
/// - `click(selector, modifiers)`, `key(name, modifiers)`, `type_text(text)`: real input events
///   (`CTRL`, `SHIFT`, `ALT`); a click lands on the element's centre and fails if something covers it;
/// - `swipe(dx)`: a finger drawn `dx` pixels sideways across the middle of the viewport (touch events);
/// - `size(width, height, mobile, scale)`: the viewport (`mobile`: a phone's, with touch);
///   `screenshot(path, width, height, mobile)`: a picture, at another viewport if given;
/// - `wait_file(folder, suffix)`: a finished download; `finish(result)`: the JSON the test gets.
enum DevTools {
    /// Runs `steps` (python, after `prelude`) with `arguments` as its `sys.argv[1:]`, and returns
    /// what it passed to `finish`. A step that fails (a deadline, a covered click) throws with its
    /// reason and the page's state.
    static func run(_ steps: String, arguments: [String] = [], seconds: Int = 600) async throws -> [String: Any] {
        let chromium = try Chromium.binary()
        await gate.enter()
        do {
            let answer = try await session(chromium, steps, arguments, seconds)
            await gate.leave()
            return answer
        } catch {
            await gate.leave()
            throw error
        }
    }

    /// One Chromium at a time in this process: on two cores, browsers started side by side (suites run
    /// in parallel) only slow each other, until their waits pass their deadlines.
    static let gate = Gate()

    actor Gate {
        private var busy = false
        private var waiting: [CheckedContinuation<Void, Never>] = []

        func enter() async {
            guard busy else {
                busy = true
                return
            }
            await withCheckedContinuation { waiting.append($0) }
        }

        func leave() {
            if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() }
        }
    }

    private static func session(_ chromium: String, _ steps: String, _ arguments: [String], _ seconds: Int)
        async throws -> [String: Any]
    {
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("gptimg-cdp-\(UUID().uuidString).py")
        try Data((prelude + steps).utf8).write(to: script)
        defer { try? FileManager.default.removeItem(at: script) }
        let python3 = ProcessRunner.locate("python3") ?? "python3"
        let command = ["timeout", String(seconds), python3, script.path, chromium] + arguments
        // Off the cooperative pool: it waits for seconds, and the server it talks to runs in this process.
        let result = try await ProcessRunner.run(command)
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

    /// One step of a listed session (`run(_:_:)`). Expressions run as a function's body: one
    /// expression is returned; several statements (with `;`) are run as they are.
    enum Step {
        case eval(String)
        /// Polls until the page has loaded and the expression is true (a deadline, never a fixed sleep).
        case wait(String, timeout: Double = 60)
        case record(String, String)
        /// A screenshot at this viewport (`mobile`: a phone's, with touch and twice the pixels).
        case screenshot(String, width: Int, height: Int, mobile: Bool)

        var json: [String: Any] {
            switch self {
            case .eval(let expression): ["eval": expression]
            case .wait(let expression, let timeout): ["wait": expression, "timeout": timeout]
            case .record(let name, let expression): ["record": name, "eval": expression]
            case .screenshot(let path, let width, let height, let mobile):
                ["shot": path, "width": width, "height": height, "mobile": mobile]
            }
        }
    }

    /// Opens `url` at 1280×900 and runs `steps` in that page: what the `record` steps read.
    static func run(_ url: String, _ steps: [Step]) async throws -> [String: Any] {
        let plan = String(decoding: try JSONSerialization.data(withJSONObject: steps.map(\.json)), as: UTF8.self)
        return try await run(
            """
            size(1280, 900)
            go(sys.argv[1])
            finish(run_plan(json.loads(sys.argv[2])))

            """, arguments: [url, plan])
    }

    /// python3 SCRIPT CHROMIUM ARGS…: starts Chromium and defines the helpers; `sys.argv[1:]` are
    /// then the steps' own arguments.
    static let prelude = #"""
        import atexit, base64, json, os, shutil, subprocess, sys, tempfile, time
        chromium = sys.argv.pop(1)
        r3, w3 = os.pipe()
        r4, w4 = os.pipe()
        profile = tempfile.mkdtemp(prefix="gptimg-chromium-")
        command = "exec %s --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --hide-scrollbars \
        --no-first-run --disable-extensions --disable-background-networking --disable-component-update \
        --disable-sync --mute-audio --remote-debugging-pipe --user-data-dir=%s about:blank 3<&%d 4>&%d" \
            % (chromium, profile, r3, w4)
        proc = subprocess.Popen(["bash", "-c", command], pass_fds=(r3, w4),
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(r3); os.close(w4)
        out_pipe = os.fdopen(w3, "wb"); in_pipe = os.fdopen(r4, "rb")
        def cleanup():
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
            shutil.rmtree(profile, ignore_errors=True)
        atexit.register(cleanup)
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
            answer = recv_until(send(method, params, session))
            if "error" in answer: raise SystemExit("%s: %s" % (method, answer["error"]))
            return answer
        target = call("Target.createTarget", {"url": "about:blank"})["result"]["targetId"]
        session = call("Target.attachToTarget", {"targetId": target, "flatten": True})["result"]["sessionId"]
        call("Runtime.enable", {}, session)
        call("Page.enable", {}, session)
        def evaluate(expr):
            r = recv_until(send("Runtime.evaluate", {"expression": expr, "awaitPromise": True,
                                                     "returnByValue": True}, session))
            # No execution context while a page navigates: None, and callers wait.
            return r.get("result", {}).get("result", {}).get("value")
        def truthy(value):
            return value not in (None, False, "")  # as JavaScript: 0 == False
        def poll(expr, seconds=60):
            # The page checks itself every 20 ms until the deadline and answers once: far less work than a
            # round trip per check. A navigation ends that promise (None): then the new page is asked.
            deadline = time.time() + seconds
            while True:
                left = max(0, int((deadline - time.time()) * 1000))
                value = evaluate("new Promise(done => { const end = Date.now() + " + str(left) + "; "
                                 "(function check() { let v = null; try { v = (" + expr + "); } catch (e) {} "
                                 "if (v || Date.now() >= end) done(v); else setTimeout(check, 20); })(); })")
                if truthy(value) or time.time() >= deadline: return value
                time.sleep(0.02)
        STATE = "JSON.stringify({url: location.href, title: document.title, tiles: \
        document.querySelectorAll('#grid > li.tile').length, status: ['status', 'gen-status', 'select-status', \
        'arrange-status'].map(id => (document.getElementById(id) || {}).textContent).filter(Boolean), \
        counter: (document.querySelector('.lb-counter') || {}).textContent, toast: \
        (document.querySelector('.lb-toast') || {}).textContent, more: !!document.getElementById('next')})"
        def wait(expr, seconds=60):
            value = poll(expr, seconds)
            if truthy(value): return value
            raise SystemExit("timed out waiting for: %s; the page: %s" % (expr, evaluate(STATE)))
        def go(address, ready="true"):
            # The old page is marked, so its last moments never pass for the new one.
            evaluate("window.gptimgOldPage = true")
            call("Page.navigate", {"url": address}, session)
            wait("document.readyState === 'complete' && !window.gptimgOldPage && location.href === %s && (%s)"
                 % (json.dumps(address), ready))
        def dom():
            return wait("document.documentElement.outerHTML")
        viewport = [1280, 900, False, 1]
        def size(width, height, mobile=False, scale=1):
            viewport[:] = [width, height, mobile, scale]
            call("Emulation.setDeviceMetricsOverride", {"width": width, "height": height,
                 "deviceScaleFactor": scale, "mobile": mobile}, session)
        def click(selector, modifiers=0):
            # The element's centre, scrolled into the middle of the window; the point must be the element's own.
            box = wait("(e => { if (!e) return null; e.scrollIntoView({block: 'center'}); \
        const r = e.getBoundingClientRect(); const x = r.x + r.width / 2, y = r.y + r.height / 2; \
        return r.width && e.contains(document.elementFromPoint(x, y)) ? [x, y] : null; })(document.querySelector(%s))"
                       % json.dumps(selector), 20)
            for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
                call("Input.dispatchMouseEvent", {"type": kind, "x": box[0], "y": box[1], "button": "left",
                     "clickCount": 1, "modifiers": modifiers}, session)
        codes = {"ArrowRight": 39, "ArrowLeft": 37, "ArrowDown": 40, "ArrowUp": 38, "Escape": 27, "Tab": 9,
                 "Enter": 13, "?": 191}
        def key(name, modifiers=0):
            text = name if len(name) == 1 else ("\r" if name == "Enter" else "")
            vk = codes.get(name) or ord(name.upper())
            if name == "?": modifiers |= SHIFT
            code = {"?": "Slash"}.get(name, ("Digit" + name) if name.isdigit() else
                                      ("Key" + name.upper()) if len(name) == 1 else name)
            down = {"type": "keyDown" if text else "rawKeyDown", "key": name, "code": code,
                    "windowsVirtualKeyCode": vk, "modifiers": modifiers}
            if text: down["text"] = text
            call("Input.dispatchKeyEvent", down, session)
            call("Input.dispatchKeyEvent", {"type": "keyUp", "key": name, "code": code,
                 "windowsVirtualKeyCode": vk, "modifiers": modifiers}, session)
        def swipe(dx):
            call("Emulation.setTouchEmulationEnabled", {"enabled": True, "maxTouchPoints": 1}, session)
            x, y = viewport[0] / 2 - dx / 2, viewport[1] / 2
            call("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]}, session)
            for step in range(1, 6):
                call("Input.dispatchTouchEvent", {"type": "touchMove",
                     "touchPoints": [{"x": x + dx * step / 5, "y": y}]}, session)
            call("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []}, session)
        def type_text(text):
            call("Input.insertText", {"text": text}, session)
        SETTLED = "new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))"
        def screenshot(path, width=None, height=None, mobile=False, scale=1):
            before = list(viewport)
            if width: size(width, height, mobile, scale)
            # The images in view have arrived (or 10 s passed), and the page has laid itself out.
            poll("[...document.images].every(i => i.complete || i.getBoundingClientRect().top > innerHeight)", 10)
            evaluate(SETTLED)
            data = call("Page.captureScreenshot", {"format": "png"}, session)["result"]["data"]
            with open(path, "wb") as f: f.write(base64.b64decode(data))
            if width: size(*before)
        def wait_file(folder, suffix=".zip", seconds=60):
            deadline = time.time() + seconds
            while time.time() < deadline:
                names = [n for n in os.listdir(folder) if n.endswith(suffix)]
                partial = [n for n in os.listdir(folder) if n.endswith(".crdownload")]
                if names and not partial: return names[0]
                time.sleep(0.03)
            raise SystemExit("no download in %s: %s; the page: %s" % (folder, os.listdir(folder), evaluate(STATE)))
        def run_plan(plan):
            # The steps of `DevTools.run(url, steps)`: each expression as a function's body.
            def body(expr):
                return "(() => { " + (expr if ";" in expr else "return (" + expr + ");") + " })()"
            results = {}
            for step in plan:
                if "shot" in step:
                    screenshot(step["shot"], step["width"], step["height"], step["mobile"], 2 if step["mobile"] else 1)
                elif "record" in step:
                    results[step["record"]] = evaluate(body(step["eval"]))
                elif "wait" in step:
                    wait("document.readyState === 'complete' && " + body(step["wait"]), step["timeout"])
                else:
                    evaluate(body(step["eval"]))
            return results
        def finish(result):
            print(json.dumps(result))
            call("Browser.close")
            proc.wait(timeout=10)

        """#
}
