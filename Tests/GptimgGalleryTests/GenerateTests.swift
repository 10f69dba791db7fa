import Foundation
import GptimgAPI
import GptimgCatalog
import GptimgClient
import GptimgGeneration
import GptimgSimulator
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

@testable import GptimgGallery

/// issue 18 item 1: generating from the gallery, through the same scheduler as `gptimg
/// generate`, against the built-in simulator: the prompt bar in a real browser (cost, confirm,
/// a placeholder that becomes the image), the Tasks page (a failed task's reason, Resume), and
/// the guards on every spending route (token, Origin, Host, the cap, the budget, a repeated key).
/// Not serialized: each test has its own library and simulator, and the browser tests take
/// DevTools' one-Chromium gate; run one after another, the seven were the last chain of the run.
@Suite("generating from the gallery", .highPriority)
struct GenerateTests {
    static let key = SimulatorConfiguration.defaultKey

    /// The environment a gallery generating through `simulator` gets (as `serve --simulator`).
    static func environment(_ simulator: RunningSimulator, budget: Int? = nil) -> [String: String] {
        var environment = [
            "GPTIMG_BASE_URL": simulator.baseURL, "GPTIMG_API_KEY": key, "GPTIMG_POLL_LATENCY": "1",
        ]
        if let budget { environment["GPTIMG_MONTHLY_BUDGET"] = String(budget) }
        return environment
    }

    static func generating(_ simulator: RunningSimulator, maxCredits: Int = 8, budget: Int? = nil)
        -> GalleryGenerating
    {
        GalleryGenerating(
            environment: environment(simulator, budget: budget),
            homeDirectory: FileManager.default.temporaryDirectory.path, maxCreditsPerRequest: maxCredits,
            source: .simulator)
    }

    /// Submissions the simulator has received for the test key: what proves nothing was sent.
    static func sent(_ simulator: RunningSimulator) async -> Int {
        await simulator.ledger(of: key).entries.count
    }

    // MARK: - Security and limits (HTTP, no browser)

    @Test("every generating route refuses a missing token, a foreign Origin and a foreign Host; nothing is sent")
    func guards() async throws {
        let library = try await GalleryLibrary.standard()
        let image = try library.id(task: "gpt-image-2-HILLSHILLSHILLSHILLS")
        try await Simulator(configuration: SimulatorConfiguration(latency: 0.5)).withRunning { simulator in
            let gallery = Gallery(
                catalog: library.catalog, configuration: GalleryConfiguration(port: 80), token: testToken,
                generating: Self.generating(simulator))
            try await gallery.application().test(.router) { client in
                let routes: [(String, String)] = [
                    ("/api/generate", #"{"prompt":"a heron","n":1,"key":"0123456789abcdef0123"}"#),
                    ("/api/rerun/\(image)", #"{"key":"0123456789abcdef0124"}"#),
                    ("/api/variant/\(image)", #"{"prompt":"a heron","key":"0123456789abcdef0125"}"#),
                    ("/api/tasks/g1/resume", "{}"),
                ]
                for (uri, body) in routes {
                    let noToken = try await client.edit(uri, body, token: nil)
                    #expect(noToken.status == .forbidden, "\(uri)")
                    #expect(noToken.text.contains("X-Gptimg-Token"), "\(uri): \(noToken.text)")
                    let wrongToken = try await client.edit(uri, body, token: String(repeating: "cd", count: 32))
                    #expect(wrongToken.status == .forbidden, "\(uri)")
                    let foreign = try await client.edit(uri, body, origin: "http://evil.example")
                    #expect(foreign.status == .forbidden, "\(uri)")
                    #expect(foreign.text.contains("same origin"), "\(uri): \(foreign.text)")
                    let crossSite = try await client.edit(
                        uri, body, origin: nil, extra: [HTTPField.Name("Sec-Fetch-Site")!: "cross-site"])
                    #expect(crossSite.status == .forbidden, "\(uri)")
                    let noOrigin = try await client.edit(uri, body, origin: nil)
                    #expect(noOrigin.status == .forbidden, "\(uri)")
                    let host = try await client.edit(uri, body, extra: [HTTPField.Name("Host")!: "evil.example"])
                    #expect(host.status == .misdirectedRequest, "\(uri)")
                }
                // A GET is not a way in either.
                let get = try await client.get("/api/generate")
                #expect(get.status == .notFound || get.status == .methodNotAllowed)
            }
            #expect(await Self.sent(simulator) == 0)
            #expect(try library.catalog.recentGenerations().allSatisfy { $0.source != .simulator })
        }
    }

    @Test("over --max-credits or the monthly budget: refused with the reason, nothing sent; a repeated key spends once")
    func limitsAndRepeats() async throws {
        let library = try await GalleryLibrary.standard()
        let before = try library.catalog.recentGenerations().count
        try await Simulator(configuration: SimulatorConfiguration(latency: 0.5)).withRunning { simulator in
            let gallery = Gallery(
                catalog: library.catalog, configuration: GalleryConfiguration(port: 80), token: testToken,
                generating: Self.generating(simulator, maxCredits: 6, budget: 5))
            try await gallery.application().test(.router) { client in
                func generate(n: Int, key: String) async throws -> TestResponse {
                    try await client.edit("/api/generate", #"{"prompt":"a heron at dusk","n":\#(n),"key":"\#(key)"}"#)
                }
                let overCap = try await generate(n: 4, key: "cap-0123456789abcdef")
                #expect(overCap.status == .forbidden)
                #expect(overCap.text.contains("8 credits, more than the 6 one call may spend"), "\(overCap.text)")
                let overBudget = try await generate(n: 3, key: "budget-0123456789abcdef")
                #expect(overBudget.status == .forbidden)
                #expect(overBudget.text.contains("budget of 5"), "\(overBudget.text)")
                #expect(overBudget.text.contains("nothing was sent"), "\(overBudget.text)")
                #expect(await Self.sent(simulator) == 0)

                // Fits (4 of 5): sent once, however often the page retries the same key.
                let first = try await generate(n: 2, key: "fits-0123456789abcdef")
                #expect(first.status == .accepted, "\(first.text)")
                let again = try await generate(n: 2, key: "fits-0123456789abcdef")
                #expect(again.status == .accepted)
                #expect(again.headers[HTTPField.Name("X-Gptimg-Repeated")!] == "1")
                #expect(first.text.contains(#""ref":"g"#) && again.text.contains(Self.ref(first.text)))
                #expect(await Self.sent(simulator) == 1)

                // The 4 credits now count against the budget: 2 more would make 6.
                let afterSpending = try await generate(n: 1, key: "more-0123456789abcdef")
                #expect(afterSpending.status == .forbidden)
                #expect(afterSpending.text.contains("4 of this month's budget of 5 are spent"), "\(afterSpending.text)")
                // No key (or a malformed one): refused before anything else.
                let noKey = try await client.edit("/api/generate", #"{"prompt":"a heron","n":1}"#)
                #expect(noKey.status == .badRequest)
                let badKey = try await generate(n: 1, key: "short")
                #expect(badKey.status == .badRequest && badKey.text.contains("one per click"))
            }
            #expect(await Self.sent(simulator) == 1)
        }
        #expect(try library.catalog.recentGenerations().count == before + 1)
    }

    @Test("Run it again and Make a variant from an image page: the same requests as `gptimg rerun` and `variant`")
    func rerunAndVariant() async throws {
        let library = try await GalleryLibrary.standard()
        let hills = try library.details(task: "gpt-image-2-HILLSHILLSHILLSHILLS")
        try await Simulator(configuration: SimulatorConfiguration(latency: 0.3)).withRunning { simulator in
            let gallery = Gallery(
                catalog: library.catalog, configuration: GalleryConfiguration(port: 80), token: testToken,
                generating: Self.generating(simulator))
            try await gallery.application().test(.router) { client in
                let page = try await client.get("/image/\(hills.image.id)")
                #expect(page.text.contains("id=\"gen-rerun\" data-n=\"1\">Run it again (2 credits)</button>"))
                #expect(page.text.contains("<button type=\"submit\">Make a variant</button>"))
                let rerun = try await client.edit("/api/rerun/\(hills.image.id)", #"{"key":"rerun-0123456789abcdef"}"#)
                #expect(rerun.status == .accepted, "\(rerun.text)")
                let variant = try await client.edit(
                    "/api/variant/\(hills.image.id)",
                    #"{"prompt":"rolling hills under snow","n":2,"key":"variant-0123456789abcdef"}"#)
                #expect(variant.status == .accepted, "\(variant.text)")
                let missing = try await client.edit("/api/variant/999999", #"{"key":"missing-0123456789abcdef"}"#)
                #expect(missing.status == .notFound, "\(missing.text)")
                // Both land: the page polls /api/tasks until the server has their tiles.
                let deadline = Date().addingTimeInterval(60)
                var answer = ""
                while Date() < deadline {
                    answer = try await client.get("/api/tasks").text
                    if occurrences(of: #""status":"completed""#, in: answer) == 2 { break }
                    try await Task.sleep(for: .milliseconds(100))
                }
                #expect(occurrences(of: #""status":"completed""#, in: answer) == 2, "\(answer)")
                #expect(occurrences(of: " data-sha=", in: answer) == 3, "\(answer)")
            }
            #expect(await Self.sent(simulator) == 2)
        }
        let made = try library.catalog.recentGenerations(limit: 2)
        let variant = try #require(made.first)
        #expect(variant.prompt == "rolling hills under snow" && variant.n == 2)
        #expect(variant.referenceImages == [try #require(hills.image.remoteURL)])
        #expect(variant.parentImageID == hills.image.id)
        #expect(try await library.catalog.images(ofGeneration: variant.id).count == 2)
        let rerun = try #require(made.last)
        #expect(rerun.prompt == hills.generation.prompt && rerun.aspectRatio == hills.generation.aspectRatio)
        #expect(rerun.referenceImages.isEmpty)
    }

    @Test("a task the API refuses (402) answers with the API's reason and the balance it reported")
    func refusedByTheAPI() async throws {
        let library = try await GalleryLibrary.standard()
        try await Simulator(configuration: SimulatorConfiguration(credits: 2, latency: 0.3)).withRunning { simulator in
            let gallery = Gallery(
                catalog: library.catalog, configuration: GalleryConfiguration(port: 80), token: testToken,
                generating: Self.generating(simulator))
            try await gallery.application().test(.router) { client in
                let answer = try await client.edit(
                    "/api/generate", #"{"prompt":"a heron","n":2,"key":"poor-0123456789abcdef"}"#)
                #expect(answer.status == .accepted, "\(answer.text)")
                #expect(answer.text.contains(#""status":"failed""#), "\(answer.text)")
                #expect(answer.text.contains(#""error_code":"INSUFFICIENT_CREDITS""#), "\(answer.text)")
                #expect(answer.text.contains(#""last_balance":{"credits":2"#), "\(answer.text)")
                let tasks = try await client.get("/tasks")
                #expect(tasks.text.contains("INSUFFICIENT_CREDITS: "), "\(tasks.text)")
            }
        }
    }

    /// `"ref":"g17"` in an answer.
    static func ref(_ json: String) -> String {
        guard let range = json.range(of: #""ref":"g[0-9]+""#, options: .regularExpression) else { return "none" }
        return String(json[range])
    }

    // MARK: - In a browser

    static let screenshots = BrowserTests.screenshots

    @Test(
        "type a prompt, see the cost, confirm: a placeholder with its stage becomes the image without a reload",
        .enabled(if: ProcessInfo.processInfo.environment["GPTIMG_SKIP_BROWSER"] != "1"))
    func promptBarInABrowser() async throws {
        let library = try await GalleryLibrary.standard()
        try FileManager.default.createDirectory(at: Self.screenshots, withIntermediateDirectories: true)
        let grid = Self.screenshots.appendingPathComponent("grid-generating.png").path
        let phone = Self.screenshots.appendingPathComponent("grid-phone.png").path
        let prompt = "a grey heron in the reeds at dusk"
        let simulator = Simulator(configuration: SimulatorConfiguration(latency: 3))
        let result = try await simulator.withRunning { simulator in
            let gallery = Gallery(
                catalog: library.catalog, configuration: GalleryConfiguration(port: 0),
                generating: Self.generating(simulator, maxCredits: 6))
            let result = try await gallery.withRunning { running in
                try await DevTools.run(
                    running.url,
                    [
                        .wait("!!document.getElementById('prompt-bar')"),
                        .eval("window.notReloaded = 42"),
                        .wait("document.getElementById('gen-cost').textContent.includes('a request')"),
                        // Over the cap (4 images, 8 credits > 6): the page says so, the server refuses.
                        .eval(
                            "const f = document.getElementById('prompt-bar'); f.elements.prompt.value = 'too many';"
                                + "f.elements.n.value = '4'; f.dispatchEvent(new Event('change')); f.requestSubmit()"),
                        .record("capCost", "document.getElementById('gen-cost').textContent"),
                        .eval("document.getElementById('gen-confirm-yes').click()"),
                        .wait("document.getElementById('gen-status').textContent.includes('credits')"),
                        .record("capRefusal", "document.getElementById('gen-status').textContent"),
                        .eval("document.getElementById('gen-confirm-no').click()"),
                        .eval(
                            "const f = document.getElementById('prompt-bar'); f.elements.prompt.value = '\(prompt)';"
                                + "f.elements.n.value = '2'; f.elements.tags.value = 'from-the-page, birds';"
                                + "f.elements.collection.value = 'Herons'; f.dispatchEvent(new Event('input'));"
                                + "f.requestSubmit()"),
                        .record("cost", "document.getElementById('gen-cost').textContent"),
                        .record("confirm", "document.getElementById('gen-confirm-text').textContent"),
                        // A double click: the second finds the button disabled.
                        .eval("const b = document.getElementById('gen-confirm-yes'); b.click(); b.click()"),
                        .wait("document.querySelectorAll('#grid > li.placeholder').length === 2"),
                        .wait("document.querySelector('#grid > li.placeholder .ph-stage').textContent !== ''"),
                        .record("stage", "document.querySelector('#grid > li.placeholder .ph-stage').textContent"),
                        .screenshot(grid, width: 1280, height: 900, mobile: false),
                        .wait(
                            "document.querySelectorAll('#grid > li.placeholder').length === 0"
                                + " && document.querySelectorAll('#grid > li.tile[data-id]').length === 8"
                                + " && document.getElementById('gen-status').textContent.includes('completed')",
                            timeout: 90),
                        .wait(
                            "[...document.querySelectorAll('#grid > li.tile img')].slice(0, 2)"
                                + ".every(i => i.complete && i.naturalWidth > 0)"),
                        .record("reloaded", "window.notReloaded !== 42"),
                        .record(
                            "first",
                            "[...document.querySelectorAll('#grid > li.tile')].slice(0, 2)"
                                + ".map(t => t.querySelector('.caption').textContent)"),
                        .record(
                            "images",
                            "[...document.querySelectorAll('#grid > li.tile img')].slice(0, 2)"
                                + ".map(i => i.complete && i.naturalWidth > 0)"),
                        .record("status", "document.getElementById('gen-status').textContent"),
                        .record("total", "document.getElementById('total').textContent"),
                        // The summary's download button counts the landed images too.
                        .record(
                            "downloadAll",
                            "(document.querySelector('#download-all button') || {}).textContent || ''"),
                        .screenshot(phone, width: 390, height: 844, mobile: true),
                    ])
            }
            // The refusal over the cap sent nothing; the double click sent once.
            #expect(await Self.sent(simulator) == 1)
            return result
        }
        #expect((result["capCost"] as? String)?.contains("Costs 8 credits — over the limit of 6") == true, "\(result)")
        #expect((result["capRefusal"] as? String)?.contains("more than the 6 one call may spend") == true, "\(result)")
        #expect((result["cost"] as? String)?.hasPrefix("Costs 4 credits") == true, "\(result)")
        #expect(result["confirm"] as? String == "Spend 4 credits on 2 images?")
        #expect(["submitted", "waiting", "downloading"].contains(result["stage"] as? String ?? ""), "\(result)")
        #expect(result["reloaded"] as? Bool == false)
        #expect(result["total"] as? String == "8")
        #expect(result["downloadAll"] as? String == "Download all 8 as zip")
        #expect(result["first"] as? [String] == [prompt, prompt])
        #expect(result["images"] as? [Bool] == [true, true])
        #expect((result["status"] as? String)?.contains("completed") == true, "\(result)")

        // The catalog has the generation, its images, tags and collection; the ledger its charge.
        let generation = try #require(try library.catalog.recentGenerations().first)
        #expect(generation.prompt == prompt && generation.status == .completed && generation.n == 2)
        #expect(generation.source == .simulator)
        #expect(generation.creditsCharged == 4)
        let images = try await library.catalog.images(ofGeneration: generation.id)
        #expect(images.count == 2)
        let details = try library.catalog.details(images.map(\.id))
        #expect(details.allSatisfy { $0.tags == ["birds", "from-the-page"] && $0.collections == ["Herons"] })
        let charges = try library.catalog.creditSummary().total
        #expect(charges.charged == 4 && charges.net == 4)
        for file in [grid, phone] {
            #expect(((try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0) > 10_000, "\(file)")
        }
    }

    @Test(
        "the Tasks page shows a failed task's reason, and Resume lands a running task without sending it again",
        .enabled(if: ProcessInfo.processInfo.environment["GPTIMG_SKIP_BROWSER"] != "1"))
    func tasksPageInABrowser() async throws {
        let library = try await GalleryLibrary.standard()
        try FileManager.default.createDirectory(at: Self.screenshots, withIntermediateDirectories: true)
        let shot = Self.screenshots.appendingPathComponent("tasks.png").path
        // A task the API fails (every task of this simulator fails), through the scheduler.
        let failing = Simulator(configuration: SimulatorConfiguration(latency: 0.2, failRate: 1))
        let failed = try await failing.withRunning { simulator in
            try await Self.runOnce("a kingfisher diving", simulator, library.catalog, detach: false)
        }
        #expect(failed.status == .failed)
        let reason = try #require(failed.errorMessage)
        // A task left running at the API (`generate --detach`), for Resume to land.
        let result = try await Simulator(configuration: SimulatorConfiguration(latency: 1)).withRunning { simulator in
            let running = try await Self.runOnce("an egret over the marsh", simulator, library.catalog, detach: true)
            #expect(running.status == .processing)
            let gallery = Gallery(
                catalog: library.catalog, configuration: GalleryConfiguration(port: 0),
                generating: Self.generating(simulator))
            let result = try await gallery.withRunning { gallery in
                try await DevTools.run(
                    gallery.url + "tasks",
                    [
                        .wait("!!document.getElementById('tasks')"),
                        .record("rows", "[...document.querySelectorAll('#tasks tbody tr')].map(r => r.dataset.status)"),
                        .record(
                            "reason",
                            "document.querySelector('tr[data-generation=\"\(failed.id)\"] .reason').textContent"),
                        .record("resumable", "[...document.querySelectorAll('button.resume')].map(b => b.dataset.ref)"),
                        .screenshot(shot, width: 1280, height: 700, mobile: false),
                        .eval("document.querySelector('button.resume[data-ref=\"g\(running.id)\"]').click()"),
                        .wait(
                            "document.querySelector('tr[data-generation=\"\(running.id)\"]').dataset.status"
                                + " === 'completed'", timeout: 60),
                        .record("status", "document.getElementById('gen-status').textContent"),
                    ])
            }
            #expect(await Self.sent(simulator) == 1)
            return (result, running)
        }
        let (page, running) = result
        #expect(page["rows"] as? [String] == ["processing", "failed"], "\(page)")
        #expect((page["reason"] as? String)?.contains(reason) == true, "\(page) \(reason)")
        #expect((page["reason"] as? String)?.contains("GENERATION_FAILED") == true, "\(page)")
        #expect(page["resumable"] as? [String] == ["g\(running.id)"])
        #expect(page["status"] as? String == "g\(running.id) completed: 1 image landed", "\(page)")
        let landed = try await #require(try await library.catalog.generation(id: running.id))
        #expect(landed.status == .completed)
        #expect(try await library.catalog.images(ofGeneration: running.id).count == 1)
        #expect(((try? FileManager.default.attributesOfItem(atPath: shot)[.size] as? Int) ?? 0) > 10_000)
    }

    @Test(
        "Run it again and Make a variant (an edited prompt) from an image page in a browser",
        .enabled(if: ProcessInfo.processInfo.environment["GPTIMG_SKIP_BROWSER"] != "1"))
    func imagePageInABrowser() async throws {
        let library = try await GalleryLibrary.standard()
        let hills = try library.details(task: "gpt-image-2-HILLSHILLSHILLSHILLS")
        try FileManager.default.createDirectory(at: Self.screenshots, withIntermediateDirectories: true)
        let shot = Self.screenshots.appendingPathComponent("image-generate.png").path
        let result = try await Simulator(configuration: SimulatorConfiguration(latency: 0.5)).withRunning { simulator in
            let gallery = Gallery(
                catalog: library.catalog, configuration: GalleryConfiguration(port: 0),
                generating: Self.generating(simulator))
            let result = try await gallery.withRunning { running in
                try await DevTools.run(
                    running.url + "image/\(hills.image.id)",
                    [
                        .wait("!!document.getElementById('gen-rerun')"),
                        .eval("document.getElementById('gen-rerun').click()"),
                        .record("rerunConfirm", "document.getElementById('gen-confirm-text').textContent"),
                        .eval("document.getElementById('gen-confirm-yes').click()"),
                        .wait("/completed — #[0-9]+$/.test(document.getElementById('gen-status').textContent)"),
                        .record("rerun", "document.getElementById('gen-status').textContent"),
                        .eval(
                            "const f = document.getElementById('gen-variant');"
                                + "f.elements.prompt.value = 'rolling hills under snow, oil painting';"
                                + "f.elements.n.value = '2'; f.requestSubmit()"),
                        .record("variantConfirm", "document.getElementById('gen-confirm-text').textContent"),
                        .eval("document.getElementById('gen-confirm-yes').click()"),
                        .wait(
                            "/completed — #[0-9]+, #[0-9]+$/.test(document.getElementById('gen-status').textContent)"),
                        .record("variant", "document.getElementById('gen-status').textContent"),
                        .screenshot(shot, width: 1280, height: 1000, mobile: false),
                    ])
            }
            #expect(await Self.sent(simulator) == 2)
            return result
        }
        #expect(result["rerunConfirm"] as? String == "Spend 2 credits on running it again?")
        #expect(result["variantConfirm"] as? String == "Spend 4 credits on a variant?")
        let made = try library.catalog.recentGenerations(limit: 2)
        let variant = try #require(made.first)
        let rerun = try #require(made.last)
        #expect(variant.prompt == "rolling hills under snow, oil painting" && variant.parentImageID == hills.image.id)
        #expect(rerun.prompt == hills.generation.prompt)
        let rerunImages = try await library.catalog.images(ofGeneration: rerun.id).map { "#\($0.id)" }
        let variantImages = try await library.catalog.images(ofGeneration: variant.id).map { "#\($0.id)" }
        #expect(result["rerun"] as? String == "g\(rerun.id): completed — " + rerunImages.joined(separator: ", "))
        #expect(result["variant"] as? String == "g\(variant.id): completed — " + variantImages.joined(separator: ", "))
    }

    /// One prompt through the one scheduler, as `gptimg generate [--detach]` runs it.
    static func runOnce(_ prompt: String, _ simulator: RunningSimulator, _ catalog: Catalog, detach: Bool)
        async throws -> GenerationRecord
    {
        let client = try APIClient(baseURL: simulator.baseURL, key: APIKey(key)!)
        let run = try GenerationRun(catalog: catalog, client: client, pollLatency: "0.2", detach: detach)
        let job = GenerationJob(work: .submit(GenerateRequest(prompt: prompt), GenerationOptions(source: .simulator)))
        let outcome = try await GalleryGenerator.runOne(job, run, detach: detach)
        return outcome.generation
    }
}
