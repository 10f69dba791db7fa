import Dispatch
import Foundation
import GptimgCatalog
import GptimgSimulator
import GptimgSupport
import PNGRaster
import TestSupport
import Testing

/// `gptimg mcp`, driven by a real MCP client — the Python SDK from PyPI (`mcp`, installed by
/// scripts/install-deps.sh) — over stdio, against a temporary library and the simulator on
/// loopback. The client script (mcp_client.py) checks every answer; this side checks what the
/// server did to the catalog, the files and the API's ledger.
@Suite("gptimg mcp", .serialized)
struct MCPServerTests {
    let gptimg = BuiltProduct.path("gptimg")
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "mcp_client.py"
    ).path

    /// A workspace: the library, the allowed export folder (with a link that leads out of it),
    /// a folder outside, and the simulator's address.
    struct Workspace {
        let root: String
        var library: String { root + "/Library" }
        var exports: String { root + "/exports" }
        var outside: String { root + "/outside" }
        let baseURL: String
        let key: String

        var environment: [String: String] {
            ["GPTIMG_BASE_URL": baseURL, "GPTIMG_API_KEY": key, "GPTIMG_POLL_LATENCY": "0.2", "HOME": root]
        }
    }

    /// Runs a program (off the cooperative pool, which the simulator's handlers need).
    func run(_ arguments: [String], environment: [String: String]? = nil, input: Data? = nil) async throws
        -> ProcessResult
    {
        try await ProcessRunner.run(arguments, environment: environment, input: input)
    }

    /// A library of three images from the simulator (two tagged night), then `body`.
    func withWorkspace(credits: Int = 100, _ body: (Workspace, RunningSimulator) async throws -> Void) async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("gptimg-mcp-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let key = "mcp-\(UUID().uuidString)"
        let simulator = Simulator(configuration: SimulatorConfiguration(keys: [key], credits: credits, latency: 0.2))
        try await simulator.withRunning { sim in
            let workspace = Workspace(root: root, baseURL: sim.baseURL, key: key)
            for folder in [workspace.exports, workspace.outside] {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            }
            try FileManager.default.createSymbolicLink(
                atPath: workspace.exports + "/escape", withDestinationPath: workspace.outside)
            var environment = ProcessInfo.processInfo.environment.merging(workspace.environment) { $1 }
            environment["GPTIMG_LIBRARY"] = nil
            for (prompt, n, tag) in [("a lighthouse at night", 2, "night"), ("a meadow at noon", 1, "day")] {
                let made = try await run(
                    [gptimg, "generate", prompt, "-n", String(n), "--tag", tag, "--library", workspace.library],
                    environment: environment)
                try #require(made.status == 0, "seeding: \(made.stderr)")
            }
            try await body(workspace, sim)
        }
    }

    /// Runs the client script's scenario against `gptimg mcp ARGUMENTS`; returns what it printed.
    func client(
        _ scenario: String, _ workspace: Workspace, server arguments: [String],
        environment extra: [String: String] = [:],
        _ values: [String: Any] = [:]
    ) async throws -> [String: Any] {
        let probe = try await run(["python3", "-c", "import mcp"])
        try #require(
            probe.status == 0, "python3 cannot import the mcp package: run scripts/install-deps.sh (\(probe.stderr))")
        var config: [String: Any] = [
            "scenario": scenario, "command": [gptimg, "mcp", "--library", workspace.library] + arguments,
            "env": workspace.environment.merging(extra) { $1 }, "workspace": workspace.root,
            "library": workspace.library, "outside": workspace.outside,
        ]
        config.merge(values) { $1 }
        let text = String(decoding: try JSONSerialization.data(withJSONObject: config), as: UTF8.self)
        let result = try await run(["python3", Self.script, text])
        let serverLog = (try? String(contentsOfFile: workspace.root + "/server-stderr.log", encoding: .utf8)) ?? ""
        #expect(result.status == 0, "client checks failed:\n\(result.stderr)\nserver stderr:\n\(serverLog)")
        let output = result.stdout.split(separator: "\n").last.map(String.init) ?? "{}"
        return (try? JSONSerialization.jsonObject(with: Data(output.utf8))) as? [String: Any] ?? [:]
    }

    /// The catalog's generations and ledger entries, and the simulator's submissions: what must
    /// not change when nothing may be sent.
    func money(_ workspace: Workspace, _ sim: RunningSimulator) async throws -> [Int] {
        let catalog = try Catalog.open(
            LibraryLocation(root: URL(fileURLWithPath: workspace.library)), access: .readOnly)
        let summary = try catalog.creditSummary()
        return [
            try catalog.recentGenerations(limit: 1000).count, summary.total.charged, summary.total.refunded,
            await sim.ledger(of: workspace.key).entries.count,
        ]
    }

    @Test func searchLookCurateExportAndRefuseHostileCalls() async throws {
        try await withWorkspace { workspace, sim in
            let catalog = try Catalog.open(
                LibraryLocation(root: URL(fileURLWithPath: workspace.library)), access: .readOnly)
            let night = try catalog.list("tag:night").map { Int($0.image.id) }
            let all = try catalog.list("").map { Int($0.image.id) }
            try #require(night.count == 2 && all.count == 3)
            let before = try await money(workspace, sim)

            let out = try await client(
                "library", workspace, server: ["--export-dir", workspace.exports],
                [
                    "night_ids": night, "all_ids": all,
                    "expect_tools": [
                        "collection_add", "collection_remove", "collections", "credits", "export", "favorite", "rate",
                        "search",
                        "show", "tag", "tasks",
                    ],
                ])

            // The catalog changed as the tools said.
            let first = try #require(out["first"] as? Int)
            let item = try catalog.details([Int64(first)])[0]
            #expect(item.tags.contains("picked by mcp"))
            #expect(item.image.rating == 4 && item.image.favorite)
            #expect(try catalog.collectionImages("MCP picks").map { Int($0.image.id) } == [night[0]])
            // The thumbnail is a real PNG that decodes, 512 px on its longer side.
            let thumbnail = try RGBAImage(
                pngData: Data(contentsOf: URL(fileURLWithPath: try #require(out["thumbnail_path"] as? String))))
            #expect(max(thumbnail.width, thumbnail.height) == 512)
            // The one export is where it was allowed; nothing went anywhere else.
            #expect(out["export_path"] as? String == RealPath.resolved(workspace.exports)! + "/picks.zip")
            #expect(
                try FileManager.default.contentsOfDirectory(atPath: workspace.exports).sorted() == [
                    "escape", "picks.zip",
                ])
            #expect(try FileManager.default.contentsOfDirectory(atPath: workspace.outside).isEmpty)
            #expect(!FileManager.default.fileExists(atPath: workspace.root + "/outside.zip"))
            #expect(!FileManager.default.fileExists(atPath: workspace.library + "/in-library.zip"))
            // generate and variant were refused without --allow-generate: nothing recorded, nothing sent.
            #expect(try await money(workspace, sim) == before)
        }
    }

    @Test func generatingStatesTheCostNeedsConfirmAndKeepsToTheLimits() async throws {
        try await withWorkspace { workspace, sim in
            let catalog = try Catalog.open(
                LibraryLocation(root: URL(fileURLWithPath: workspace.library)), access: .readOnly)
            let source = try #require(try catalog.list("tag:day").first)
            let spent = try catalog.creditSummary().total.net
            let balance = try #require(await sim.balance(of: workspace.key))
            let submissions = await sim.ledger(of: workspace.key).entries.count

            // Room for exactly three one-image calls this month; at most 4 credits a call.
            let out = try await client(
                "generate", workspace, server: ["--allow-generate", "--max-credits", "4"],
                environment: ["GPTIMG_MONTHLY_BUDGET": String(spent + 6)], ["source_id": Int(source.image.id)])

            // Three calls were sent (generate, variant, rerun); every refusal sent nothing.
            #expect(await sim.ledger(of: workspace.key).entries.count == submissions + 3)
            #expect(await sim.balance(of: workspace.key) == balance - 6)
            #expect(try catalog.creditSummary().total.net == spent + 6)
            let generated = try #require(out["generated_ids"] as? [Int])
            #expect(generated.count == 1, "the generate call landed its one image")
            #expect(try catalog.details(generated.map(Int64.init)).allSatisfy { $0.tags == ["kite"] })
            let variants = try #require(out["variant_ids"] as? [Int])
            #expect(variants.count == 1, "the variant call landed its one image")
            #expect(try catalog.details(variants.map(Int64.init)).allSatisfy { $0.parentID == source.image.id })
            let limits = try #require(out["limits"] as? [String: Any])
            #expect(limits["remaining_this_month"] as? Int == 0 && limits["max_credits_per_call"] as? Int == 4)
        }
    }

    /// Piped requests, garbage among them, with --verbose: standard output holds JSON-RPC
    /// messages only (the logs are on standard error), and every request is answered once, even
    /// though input ends right after the last one.
    @Test func standardOutputCarriesOnlyProtocolMessagesAndEveryRequestIsAnswered() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("gptimg-mcp-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let library = root.appendingPathComponent("Library")
        _ = try Catalog.open(LibraryLocation(root: library), access: .readWrite)
        let requests = [
            "this is not json {",
            #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","#
                + #""capabilities":{},"clientInfo":{"name":"pipe","version":"1"}}}"#,
            #"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
            #"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#,
            #"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"search","arguments":{"limit":"all"}}}"#,
            #"{"jsonrpc":"2.0","id":"four","method":"tools/call","params":{"name":"search","arguments":{}}}"#,
            #"{"jsonrpc":"2.0","id":5,"method":"resources/read","params":{"uri":"gptimg://image/1"}}"#,
            #"{"jsonrpc":"2.0","id":6,"method":"ping"}"#,
        ]
        let result = try await run(
            [gptimg, "mcp", "--library", library.path, "--verbose"],
            input: Data((requests.joined(separator: "\n") + "\n").utf8))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("gptimg: "), "the logs go to standard error")
        var answered: [String] = []
        for line in result.stdout.split(separator: "\n") {
            let message = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(message?["jsonrpc"] as? String == "2.0", "not a JSON-RPC message on stdout: \(line)")
            if let id = message?["id"] { answered.append("\(id)") }
        }
        for id in ["1", "2", "3", "four", "5", "6"] {
            #expect(answered.filter { $0 == id }.count == 1, "request \(id) answered \(answered)")
        }
        #expect(answered.count == 7, "six answers and the parse error: \(answered)")
    }
}
