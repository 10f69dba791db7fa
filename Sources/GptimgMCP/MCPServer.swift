import Foundation
import GptimgCatalog
import GptimgClient
import GptimgGeneration
import GptimgSupport
import Logging
import MCP

/// What `gptimg mcp` was started with.
public struct MCPConfiguration: Sendable {
    /// The library served; it must exist (a mistyped `--library` is an error, not an empty one).
    public var location: LibraryLocation
    /// Whether `generate`, `rerun` and `variant` exist at all (`--allow-generate`).
    public var allowGenerate: Bool
    /// The most credits one tool call may spend (`--max-credits`).
    public var maxCreditsPerCall: Int
    /// The folder exports may go to (`--export-dir`); without it `export` is refused.
    public var exportFolder: String?
    /// The environment the API key, base URL and monthly budget are read from.
    public var environment: [String: String]
    /// `~` when `HOME` is not in the environment.
    public var homeDirectory: String
    /// How requests reach the API (AsyncHTTPClient unless a test says otherwise).
    public var transport: any HTTPTransport
    /// The pipeline's clock (polling, this month for the budget).
    public var clock: any GenerationClock
    /// Where the server's own log goes: standard error, never standard output.
    public var logger: Logger

    /// One call of four images (`-n 4`).
    public static let defaultMaxCredits = 8

    public init(
        location: LibraryLocation, allowGenerate: Bool = false, maxCreditsPerCall: Int = defaultMaxCredits,
        exportFolder: String? = nil, environment: [String: String] = [:], homeDirectory: String = NSHomeDirectory(),
        transport: any HTTPTransport = LiveHTTPTransport(), clock: any GenerationClock = LiveClock(),
        logger: Logger = Logger(label: "gptimg.mcp", factory: { _ in SwiftLogNoOpLogHandler() })
    ) {
        self.location = location
        self.allowGenerate = allowGenerate
        self.maxCreditsPerCall = maxCreditsPerCall
        self.exportFolder = exportFolder
        self.environment = environment
        self.homeDirectory = homeDirectory
        self.transport = transport
        self.clock = clock
        self.logger = logger
    }
}

/// The MCP server over a library: tools (search, show, curate, export, credits, tasks and,
/// when allowed, generate), resources (an image's thumbnail with its metadata, a collection)
/// and prompts. Every tool calls the same core API as its CLI command; a failure is a tool
/// result with `isError` and the CLI's one-line message, never a crash.
public final class GptimgMCPServer: Sendable {
    public let configuration: MCPConfiguration
    let catalog: Catalog
    /// Blocking work (SQLite, PNG decoding, exports) runs here, off Swift's cooperative pool.
    let offload = Offload(label: "gptimg.mcp", width: 4)
    /// Generations in flight: the server waits for them before it exits.
    let inFlight = InFlight()
    /// Spending calls, one at a time (`spend`).
    let spending = SerialGate()

    /// Opens the library (read-write, or read-only when it cannot be written: the tools that
    /// write then answer with the reason).
    public init(configuration: MCPConfiguration) throws {
        self.configuration = configuration
        let location = configuration.location
        guard FileManager.default.fileExists(atPath: location.catalogURL.path) else {
            throw CatalogError.noLibrary(path: location.root.path)
        }
        do {
            catalog = try Catalog.open(location, access: .readWrite)
        } catch CatalogError.readOnly {
            catalog = try Catalog.open(location, access: .readOnly)
            configuration.logger.warning("the library is read-only: tools that change it are refused")
        }
        if let folder = configuration.exportFolder {
            _ = try ExportFolder(folder, libraryRoot: location.root.path)
        }
    }

    /// What an assistant is told about the server when it connects.
    var instructions: String {
        var text = """
            gptimg: a local library of images made with the gpt-image-2 API. Use `search` (gptimg's query \
            language: words, "phrases", -word, word*, OR, and filters such as tag:NAME in:COLLECTION \
            rating:>=4 fav:yes aspect:16:9 after:2026-11-01) and `show`; read gptimg://image/{id} to see an \
            image. Curate with tag, rate, favorite and collections.
            """
        if configuration.allowGenerate {
            text +=
                " generate, rerun and variant spend the user's credits (2 an image): call them first without "
                + "confirm to learn the cost, tell the user, and call again with confirm: true only when they agree."
        } else {
            text += " Generating is off (the user did not start the server with --allow-generate)."
        }
        return text
    }

    /// Serves MCP on `input` and `output` (standard input and output) until the client closes
    /// its end; then waits for generations in flight to reach a recorded state.
    public func run(input: Int32 = STDIN_FILENO, output: Int32 = STDOUT_FILENO) async throws {
        // A client that goes away mid-answer must end the server with an error, not SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        let server = Server(
            name: "gptimg", version: GptimgBuild.version, title: "gptimg image library", instructions: instructions,
            capabilities: .init(
                prompts: .init(listChanged: false), resources: .init(subscribe: false, listChanged: false),
                tools: .init(listChanged: false)))
        let tools = self.tools()
        let byName = Dictionary(tools.map { ($0.tool.name, $0) }, uniquingKeysWith: { first, _ in first })
        await server.withMethodHandler(ListTools.self) { _ in .init(tools: tools.map(\.tool)) }
        await server.withMethodHandler(CallTool.self) { [self] parameters in
            await call(parameters.name, parameters.arguments, tools: byName)
        }
        await server.withMethodHandler(ListResources.self) { [self] _ in try await listResources() }
        await server.withMethodHandler(ListResourceTemplates.self) { _ in .init(templates: Self.resourceTemplates) }
        await server.withMethodHandler(ReadResource.self) { [self] parameters in try await readResource(parameters.uri)
        }
        await server.withMethodHandler(ListPrompts.self) { _ in .init(prompts: Self.prompts) }
        await server.withMethodHandler(GetPrompt.self) { [self] parameters in try prompt(parameters) }
        let transport = LineTransport(input: input, output: output, logger: configuration.logger)
        try await server.start(transport: transport)
        configuration.logger.info("serving \(catalog.location.root.path) on stdio")
        await server.waitUntilCompleted()
        await inFlight.drain()
        await server.stop()
    }

    /// Runs tool `name`: its result, or a tool error (`isError`) with one line.
    func call(_ name: String, _ arguments: [String: Value]?, tools: [String: ToolSpec]) async -> CallTool.Result {
        guard let spec = tools[name] else {
            let refused =
                Self.generatingTools.contains(name)
                ? "\(name) is off: the user did not start `gptimg mcp` with --allow-generate, so nothing is sent"
                : "no tool named '\(ToolArguments.clip(name))' (tools: \(tools.keys.sorted().joined(separator: ", ")))"
            return Self.failure(refused)
        }
        do {
            let arguments = try ToolArguments(
                arguments, tool: name, allowed: ToolSchema.properties(of: spec.tool.inputSchema))
            let answer = try await spec.run(arguments)
            return .init(
                content: [.text(text: answer.text, annotations: nil, _meta: nil)],
                structuredContent: answer.structured?.mcpValue, isError: false)
        } catch {
            configuration.logger.debug("\(name) failed: \(describeError(error))")
            return Self.failure(describeError(error))
        }
    }

    /// A tool error: one line, whatever characters the argument it quotes carried.
    static func failure(_ message: String) -> CallTool.Result {
        let line = message.unicodeScalars.map { scalar -> String in
            switch scalar {
            case "\n": "\\n"
            case "\r": "\\r"
            case "\t": "\\t"
            default:
                scalar.properties.generalCategory == .control || scalar.properties.generalCategory == .lineSeparator
                    || scalar.properties.generalCategory == .paragraphSeparator
                    ? "\\u{\(String(scalar.value, radix: 16))}" : String(scalar)
            }
        }.joined()
        return .init(content: [.text(text: line, annotations: nil, _meta: nil)], isError: true)
    }

    static let generatingTools: Set<String> = ["generate", "rerun", "variant"]

    /// `work` on the server's Dispatch threads.
    func blocking<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await offload.run(work)
    }
}

/// What a tool answers: a short text for the assistant to read, and the same as JSON.
struct ToolAnswer: Sendable {
    var text: String
    var structured: JSONOut?
}

/// A tool: its description and schema as listed, and what calling it does.
struct ToolSpec: Sendable {
    let tool: Tool
    let run: @Sendable (ToolArguments) async throws -> ToolAnswer
}

/// Counts work that must not be cut short by the server's exit (a generation between its POST
/// and the record of its task id), and lets the exit wait for it.
actor InFlight {
    private var count = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []

    /// Runs `work` as an unstructured task, so cancelling the tool call (the client's
    /// `notifications/cancelled`) never cancels it: a cancelled POST may have reached the API.
    nonisolated func protect<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) async throws -> T {
        await begin()
        let task = Task { () async throws -> T in
            do {
                let value = try await work()
                await end()
                return value
            } catch {
                await end()
                throw error
            }
        }
        return try await task.value
    }

    private func begin() { count += 1 }

    private func end() {
        count -= 1
        if count == 0 {
            for waiter in waiters { waiter.resume() }
            waiters = []
        }
    }

    func drain() async {
        guard count > 0 else { return }
        await withCheckedContinuation { waiters.append($0) }
    }
}
