import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// One row of a report: a command (or a gallery request) on one input, what it cost, and
/// every bound, expectation or containment rule it broke.
public struct HostileRow: Sendable {
    public var command: String
    public var measurement: Measurement
    public var problems: [String]
}

public struct HostileReport: Sendable {
    public var name: String
    public var summary: String
    public var items: String
    public var inputBytes: Int
    public var payloadBytes: Int
    public var rows: [HostileRow]

    public var problems: [String] { rows.flatMap { row in row.problems.map { "\(row.command): \($0)" } } }

    /// The row of `command` (the first, for requests asked more than once).
    public func row(_ command: String) -> HostileRow? { rows.first { $0.command == command } }

    /// A plain-text table: one line per command, then its problems.
    public func rendered() -> String {
        var lines = [
            "## \(name) (issue 14 item \(items)): \(summary)",
            "input \(HostileBounds.megabytes(inputBytes)) MB, payload \(HostileBounds.megabytes(payloadBytes)) MB",
        ]
        let header = ["command", "status", "wall s", "cpu s", "rss MB", "disk MB", "out MB", "verdict"]
        var table = [header]
        for row in rows {
            let m = row.measurement
            table.append([
                row.command, m.statusText, HostileBounds.seconds(m.wallSeconds), HostileBounds.seconds(m.cpuSeconds),
                HostileBounds.megabytes(m.peakRSSBytes), HostileBounds.megabytes(m.diskBytes),
                HostileBounds.megabytes(m.outputBytes), row.problems.isEmpty ? "ok" : "BROKEN",
            ])
        }
        let widths = (0..<header.count).map { column in table.map { $0[column].count }.max() ?? 0 }
        for (index, cells) in table.enumerated() {
            let cells = cells.enumerated().map { column, cell in
                column == 0
                    ? cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[column] - cell.count) + cell
            }
            lines.append(cells.joined(separator: "  "))
            if index > 0 {
                for problem in rows[index - 1].problems { lines.append("    ! " + problem) }
            }
        }
        return lines.joined(separator: "\n")
    }
}

/// Builds each case's files and libraries in a folder of its own and runs the built gptimg on
/// them, every command in a fresh copy of the case's world, measured by `MeasuredProcess`.
///
/// A world: `work/` (the working folder, which must stay empty), `outside/` and `victim.txt`
/// (files outside the library, which must not change), `inputs/`, and `Library/`.
public struct HostileRunner: Sendable {
    public var gptimg: String
    public var directory: String
    public var bounds = HostileBounds()
    /// A command still running after this long is killed (and breaks the wall bound).
    public var timeoutSeconds: Double
    /// When set, a command is killed after this much CPU time (tests: the bound plus one).
    public var cpuLimitSeconds: Int?
    /// Keep each case's folder after it ran (for a look at what was written).
    public var keepFiles = false
    /// Ask the gallery for each image's page too (besides the grid and the thumbnails).
    public var requestImagePages = true

    /// `gptimg` and `directory` may be relative to the current folder (commands run elsewhere).
    public init(gptimg: String, directory: String, timeoutSeconds: Double = 60, cpuLimitSeconds: Int? = nil) {
        self.gptimg = URL(fileURLWithPath: gptimg).standardizedFileURL.path
        self.directory = URL(fileURLWithPath: directory).standardizedFileURL.path
        self.timeoutSeconds = timeoutSeconds
        self.cpuLimitSeconds = cpuLimitSeconds
    }

    /// Every command that applies to a family, in the order they run.
    public static func commands(for family: HostileCase.Family) -> [HostileCommand] {
        switch family {
        case .file:
            [
                .metaRead, .metaReadJSON, .metaStrip, .importInput, .list, .show, .doctor, .doctorFix, .rebuild,
                .exportContactSheet, .serve,
            ]
        case .zip: [.importInput, .list, .show, .doctor, .doctorFix, .rebuild, .exportContactSheet, .serve]
        case .catalog: [.list, .show, .doctor, .doctorFix, .delete, .rebuild, .exportContactSheet, .serve]
        case .request: [.serve]
        }
    }

    /// Runs `commands` (default: every one that applies) on the case.
    public func run(_ testCase: HostileCase, commands: [HostileCommand]? = nil, log: (String) -> Void = { _ in }) throws
        -> HostileReport
    {
        let caseDirectory = directory + "/" + testCase.name
        try? FileManager.default.removeItem(atPath: caseDirectory)
        try FileManager.default.createDirectory(atPath: caseDirectory, withIntermediateDirectories: true)
        defer { if !keepFiles { try? FileManager.default.removeItem(atPath: caseDirectory) } }
        let entries = testCase.entries()
        let inputBytes = entries.reduce(0) { total, entry in
            if case .bytes(let bytes) = entry.1 { return total + bytes.count }
            return total
        }
        let wanted = Self.commands(for: testCase.family).filter { commands?.contains($0) ?? true }
        var report = HostileReport(
            name: testCase.name, summary: testCase.summary, items: testCase.items, inputBytes: inputBytes,
            payloadBytes: testCase.payloadBytes, rows: [])
        var template: String?
        for command in wanted {
            log("\(testCase.name): \(command.rawValue)")
            let world = try World(path: caseDirectory + "/" + command.rawValue.replacingOccurrences(of: " ", with: "_"))
            try world.materialize(testCase, entries: entries)
            if command != .importInput, ![.metaRead, .metaReadJSON, .metaStrip].contains(command) {
                switch testCase.family {
                case .file, .zip:
                    if template == nil { template = try makeTemplate(testCase, entries: entries, in: caseDirectory) }
                    try world.copyLibrary(from: template!)
                case .catalog, .request:
                    try prepareScenario(testCase.scenario, in: world)
                }
            }
            let before = try world.snapshot()
            world.markOutsideUnread()
            if command == .serve {
                report.rows += try serve(testCase, in: world, log: log)
            } else if let measurement = try runCommand(command, testCase, in: world) {
                var problems = bounds.violations(measurement, payload: testCase.payloadBytes)
                problems += try check(testCase.expectations[command] ?? [], measurement: measurement, in: world)
                problems += commandLineProblems(in: measurement.stdout, world: world)
                let index = world.path + "/export/sheet/index.html"
                if command == .exportContactSheet, let page = try? String(contentsOfFile: index, encoding: .utf8) {
                    problems += commandLineProblems(inPage: page, world: world)
                }
                report.rows.append(HostileRow(command: command.rawValue, measurement: measurement, problems: problems))
                if command == .importInput, testCase.family != .catalog {
                    template = caseDirectory + "/template-Library"
                    // Linked: nothing writes to the import's world again (a killed import may leave GBs).
                    try World.copyTree(world.library, to: template!, linking: true)
                }
            }
            // Read before the snapshot, which reads them too.
            let read = world.outsideFilesRead().map { "\($0) outside the library was read" }
            let containment = try read + world.containmentProblems(since: before)
            if !containment.isEmpty, !report.rows.isEmpty {
                report.rows[report.rows.count - 1].problems += containment
            }
        }
        return report
    }

    // MARK: - Commands

    func runCommand(_ command: HostileCommand, _ testCase: HostileCase, in world: World) throws -> Measurement? {
        let library = ["--library", world.library]
        let input = world.inputPath(testCase)
        let arguments: [String]
        switch command {
        case .metaRead: arguments = ["meta", "read", input]
        case .metaReadJSON: arguments = ["meta", "read", "--json", input]
        case .metaStrip: arguments = ["meta", "strip", input]
        case .importInput: arguments = ["import", input] + library
        case .list: arguments = ["list"] + library
        case .show, .delete:
            guard let id = world.firstImageID() else { return nil }
            arguments = [command == .show ? "show" : "delete", id] + library
        case .doctor: arguments = ["doctor"] + library
        case .doctorFix: arguments = ["doctor", "--fix"] + library
        case .rebuild: arguments = ["rebuild"] + library
        case .exportContactSheet:
            // In a folder of its own: the export's temporary sibling is not "outside the library".
            arguments = ["export", "--query", "", "--to", world.path + "/export/sheet", "--contact-sheet"] + library
        case .serve: return nil
        }
        return try MeasuredProcess.run(
            command.rawValue, [gptimg] + arguments, in: world.work, timeoutSeconds: timeoutSeconds,
            cpuLimitSeconds: cpuLimitSeconds)
    }

    /// The library after importing the case's input, when import itself was not asked for.
    func makeTemplate(_ testCase: HostileCase, entries: [(String, HostileCase.Entry)], in caseDirectory: String) throws
        -> String
    {
        let world = try World(path: caseDirectory + "/template")
        try world.materialize(testCase, entries: entries)
        _ = try MeasuredProcess.run(
            "import", [gptimg, "import", world.inputPath(testCase), "--library", world.library], in: world.work,
            timeoutSeconds: timeoutSeconds, cpuLimitSeconds: cpuLimitSeconds)
        return world.library
    }

    /// A library of one ordinary image, then tampered with as the scenario says.
    func prepareScenario(_ scenario: CatalogScenario?, in world: World) throws {
        let seed = world.path + "/inputs/seed.png"
        try World.write(
            PNGBuilder.image(
                seed: 60,
                textChunks: [
                    PNGBuilder.gptimgChunk(PNGBuilder.gptimgJSON(prompt: "a seed image in a tampered library"))
                ]), to: seed)
        let imported = try MeasuredProcess.run(
            "setup", [gptimg, "import", seed, "--library", world.library], in: world.work, timeoutSeconds: 60)
        guard imported.exitStatus == 0 else {
            throw SetupFailure(description: "the seed import failed: \(imported.stderr)")
        }
        let catalog = world.library + "/catalog.sqlite"
        func setPath(_ path: String) throws {
            try CatalogSQL.execute(
                catalog, "UPDATE images SET path = '\(path.replacingOccurrences(of: "'", with: "''"))'")
        }
        switch scenario {
        case nil: break
        case .zeroByteCatalog?:
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: catalog + suffix) }
            try World.write([], to: catalog)
        case .parentPath?: try setPath("../victim.txt")
        case .absolutePath?: try setPath(world.path + "/outside/victim.txt")
        case .symlinkedFolder?:
            try FileManager.default.createDirectory(
                atPath: world.path + "/outside/linked", withIntermediateDirectories: true)
            try World.write(PNGBuilder.image(seed: 61), to: world.path + "/outside/linked/victim.png")
            guard symlink(world.path + "/outside/linked", world.library + "/images/linked") == 0 else {
                throw SetupFailure(description: "symlink failed")
            }
            try setPath("images/linked/victim.png")
        case .devZero?:
            let depth = world.library.split(separator: "/").count
            try setPath(String(repeating: "../", count: depth) + "dev/zero")
        case .fifo?:
            guard mkfifo(world.library + "/images/fifo.png", 0o644) == 0 else {
                throw SetupFailure(description: "mkfifo failed")
            }
            try setPath("images/fifo.png")
        case .newerSchema?:
            let tagged = try MeasuredProcess.run(
                "setup", [gptimg, "tag", "1", "--add", "keepme", "--library", world.library], in: world.work,
                timeoutSeconds: 60)
            guard tagged.exitStatus == 0 else { throw SetupFailure(description: "tagging failed: \(tagged.stderr)") }
            try CatalogSQL.execute(
                catalog, "INSERT INTO grdb_migrations(identifier) VALUES ('v999-from-a-newer-gptimg')")
        }
        // Whatever the scenario moved out of place must be where the snapshot sees it.
        try world.refreshVictims()
    }

    struct SetupFailure: Error, CustomStringConvertible {
        var description: String
    }

    // MARK: - Expectations

    func check(_ expectations: [Expectation], measurement: Measurement, in world: World) throws -> [String] {
        var problems: [String] = []
        let catalog = world.library + "/catalog.sqlite"
        let output = measurement.stdout + measurement.stderr
        for expectation in expectations {
            switch expectation {
            case .succeeds:
                if measurement.exitStatus != 0 { problems.append("expected exit 0, got \(measurement.statusText)") }
            case .refused:
                let lines = measurement.stderr.split(separator: "\n", omittingEmptySubsequences: true)
                if measurement.exitStatus == nil || measurement.exitStatus == 0 {
                    problems.append("expected a refusal (non-zero exit), got \(measurement.statusText)")
                } else if lines.count != 1 {
                    problems.append("expected a one-line error, got \(lines.count) lines on stderr")
                }
            case .imports(let count):
                let found = (try? CatalogSQL.integer(catalog, "SELECT count(*) FROM images")) ?? -1
                if found != count { problems.append("expected \(count) image(s) in the catalog, found \(found)") }
            case .importsAtMost(let count):
                let found = (try? CatalogSQL.integer(catalog, "SELECT count(*) FROM images")) ?? -1
                if found > count {
                    problems.append("expected at most \(count) image(s) in the catalog, found \(found)")
                }
            case .mentions(let names):
                for name in names where !output.contains(name) { problems.append("the output does not name \(name)") }
            case .cleanTerminalOutput:
                let raw = Self.unsafeScalars(in: output)
                if !raw.isEmpty { problems.append("raw control or bidi characters in the output: \(raw)") }
            case .httpStatus: break // checked per request
            case .validAspectRatios:
                let values = (try? CatalogSQL.rows(catalog, "SELECT aspect_ratio FROM generations")) ?? []
                for case let value? in values.map({ $0.first ?? nil }) where !Self.isAspectRatio(value) {
                    problems.append("the catalog holds the aspect ratio \(JSONish.quote(value))")
                }
            case .catalogQuery(let sql, let expected):
                let found = (try? CatalogSQL.integer(catalog, sql)) ?? -1
                if found != expected { problems.append("\(sql) gives \(found), expected \(expected)") }
            case .catalogBytes(let expected):
                let size = (try? FileManager.default.attributesOfItem(atPath: catalog)[.size] as? Int) ?? -1
                if size != expected { problems.append("catalog.sqlite is \(size) bytes, expected \(expected)") }
            }
        }
        return problems
    }

    /// One of the API's ratios or W:H in digits.
    static func isAspectRatio(_ value: String) -> Bool {
        let parts = value.split(separator: ":", omittingEmptySubsequences: false)
        return parts.count == 2
            && parts.allSatisfy { !$0.isEmpty && $0.count <= 10 && $0.allSatisfy { ("0"..."9").contains($0) } }
    }

    /// Control characters (but newline and tab), DEL, C1 controls and bidirectional formatting
    /// characters, as U+ codes.
    public static func unsafeScalars(in text: String) -> [String] {
        var found: [String] = []
        for scalar in text.unicodeScalars {
            let value = scalar.value
            let control = (value < 0x20 && value != 0x0A && value != 0x09) || (0x7F...0x9F).contains(value)
            let bidi =
                value == 0x061C || value == 0x200E || value == 0x200F || (0x202A...0x202E).contains(value)
                || (0x2066...0x2069).contains(value)
            if control || bidi {
                let hex = String(value, radix: 16, uppercase: true)
                let code = "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
                if !found.contains(code) { found.append(code) }
            }
        }
        return found
    }

    // MARK: - Command lines

    /// Runs every `gptimg generate …` line of `text` through /bin/sh as a user pasting it would,
    /// with a stand-in `gptimg` that records its arguments: the line must not run anything
    /// else, and its `--aspect` must be an aspect ratio.
    func commandLineProblems(in text: String, world: World) -> [String] {
        var problems: [String] = []
        for line in text.split(separator: "\n") {
            guard let start = line.range(of: "gptimg generate ") else { continue }
            problems += pasteProblems(String(line[start.lowerBound...]), world: world)
        }
        return problems
    }

    func pasteProblems(_ commandLine: String, world: World) -> [String] {
        let shell = world.path + "/shell"
        let record = world.path + "/pasted-arguments"
        try? FileManager.default.createDirectory(atPath: shell, withIntermediateDirectories: true)
        try? FileManager.default.removeItem(atPath: record)
        // From a file, after a shell function standing in for gptimg: a command line may be
        // longer than one argument of an exec can be (an 8 MB prompt).
        let stand = "gptimg() { for a in \"$@\"; do printf '%s\\0' \"$a\"; done > \"$PASTED_ARGUMENTS\"; }\n"
        let pastedFile = world.path + "/pasted.sh"
        try? World.write(Array((stand + commandLine + "\n").utf8), to: pastedFile)
        guard
            let pasted = try? MeasuredProcess.run(
                "paste", ["/bin/sh", pastedFile], in: shell, timeoutSeconds: 10,
                environment: ["PASTED_ARGUMENTS": record])
        else { return ["could not run the command line"] }
        var problems: [String] = []
        let created = (try? FileManager.default.contentsOfDirectory(atPath: shell)) ?? []
        let shown = commandLine.prefix(120)
        if !created.isEmpty {
            problems.append("pasting `\(shown)` into a shell ran more than gptimg (created \(created))")
        } else if pasted.exitStatus != 0 || pasted.timedOut {
            problems.append(
                "pasting `\(shown)` into a shell failed (\(pasted.statusText): \(pasted.stderr.prefix(200)))")
        }
        if let data = FileManager.default.contents(atPath: record) {
            let arguments = data.split(separator: 0, omittingEmptySubsequences: false).dropLast().map {
                String(decoding: $0, as: UTF8.self)
            }
            if let index = arguments.firstIndex(of: "--aspect"), index + 1 < arguments.count,
                !Self.isAspectRatio(arguments[index + 1])
            {
                problems.append("the command line passes --aspect \(JSONish.quote(arguments[index + 1]))")
            }
        }
        return problems
    }

    // MARK: - The gallery

    func serve(_ testCase: HostileCase, in world: World, log: (String) -> Void) throws -> [HostileRow] {
        let catalog = world.library + "/catalog.sqlite"
        let images = (try? CatalogSQL.rows(catalog, "SELECT id, sha256 FROM images ORDER BY id LIMIT 8")) ?? []
        let printed = DispatchSemaphore(value: 0)
        let child = try MeasuredProcess.start(
            [gptimg, "serve", "--port", "0", "--library", world.library], in: world.work, cpuLimitSeconds: nil,
            onStdout: { _ in printed.signal() })
        let deadline = DispatchTime.now() + 30
        var port: Int?
        while port == nil, !child.hasExited, DispatchTime.now() < deadline {
            port = Self.port(in: child.stdoutSoFar)
            if port == nil { _ = printed.wait(timeout: min(deadline, .now() + 0.05)) }
        }
        guard let port else {
            child.send(SIGKILL)
            let measurement = child.finish(label: "serve", deadline: .now() + 10)
            return [
                HostileRow(
                    command: "serve", measurement: measurement,
                    problems: bounds.violations(measurement, payload: testCase.payloadBytes))
            ]
        }
        var rows: [HostileRow] = []
        var rssBroken = false
        func request(_ label: String, paths: [String], gridPage: Bool = false, expected: Int? = nil) {
            log("\(testCase.name): \(label)")
            let server = child.targetPID
            let before = ProcSample.of(server)
            let started = DispatchTime.now()
            let responses = UnsafeMutableBufferPointer<LoopbackHTTP.Response?>.allocate(capacity: paths.count)
            responses.initialize(repeating: nil)
            defer { responses.deallocate() }
            nonisolated(unsafe) let slots = responses
            let timeout = timeoutSeconds
            // A thread each, all at once (concurrentPerform would run only as many as cores).
            let group = DispatchGroup()
            for index in paths.indices {
                group.enter()
                let path = paths[index]
                Thread {
                    slots[index] = LoopbackHTTP.get(port: port, path: path, timeoutSeconds: timeout)
                    group.leave()
                }.start()
            }
            group.wait()
            let after = ProcSample.of(server)
            var measurement = Measurement(label: label)
            measurement.wallSeconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
            measurement.cpuSeconds = max(0, (after?.cpuSeconds ?? 0) - (before?.cpuSeconds ?? 0))
            measurement.peakRSSBytes = after?.peakRSSBytes ?? before?.peakRSSBytes ?? 0
            measurement.diskBytes = max(0, (after?.writeBytes ?? 0) - (before?.writeBytes ?? 0))
            let answers = Array(responses)
            measurement.outputBytes = answers.map { $0?.body.count ?? 0 }.max() ?? 0
            measurement.timedOut = answers.contains { $0?.timedOut ?? false }
            let statuses = answers.map { $0?.status }
            measurement.httpStatus = statuses.first ?? nil
            var problems = bounds.violations(
                measurement, payload: testCase.payloadBytes, gridPage: gridPage, checkRSS: !rssBroken)
            if measurement.peakRSSBytes > bounds.peakRSSBytes { rssBroken = true }
            if statuses.contains(where: { $0 == nil }), !measurement.timedOut {
                problems.append("no answer (the server is gone?)")
            }
            if let expected, statuses.contains(where: { $0 != expected }) {
                let got = statuses.map { $0.map(String.init) ?? "none" }.joined(separator: ", ")
                problems.append("expected HTTP \(expected), got \(got)")
            }
            if paths.count == 1, paths[0].hasPrefix("/image/"), let body = answers[0]?.body {
                problems += commandLineProblems(inPage: String(decoding: body, as: UTF8.self), world: world)
            }
            rows.append(HostileRow(command: label, measurement: measurement, problems: problems))
        }
        request("GET /", paths: ["/"], gridPage: true)
        let expected = testCase.expectations[.serve]?.compactMap {
            if case .httpStatus(let code) = $0 { code } else { nil }
        }.first
        for path in testCase.requests {
            request("GET \(path)", paths: [path], gridPage: path.hasPrefix("/?"), expected: expected)
        }
        for row in images {
            guard let id = row[0], let sha = row[1] else { continue }
            if requestImagePages { request("GET /image/\(id)", paths: ["/image/\(id)"]) }
            request("GET /thumb/\(sha.prefix(8))….png", paths: ["/thumb/\(sha).png"])
            request("GET /thumb/\(sha.prefix(8))….png again", paths: ["/thumb/\(sha).png"])
        }
        if let first = images.first, let sha = first[1] {
            let paths = Array(repeating: "/thumb/\(sha).png", count: 8)
            request("8 x GET /thumb/\(sha.prefix(8))… at once", paths: paths)
        }
        child.sendToProgram(SIGTERM)
        let whole = child.finish(label: "serve", deadline: .now() + 10)
        var problems: [String] = []
        if let signal = whole.signal, signal != SIGTERM, signal != SIGKILL {
            problems.append("ended by signal \(signal)")
        }
        if !rssBroken, whole.peakRSSBytes > bounds.peakRSSBytes {
            problems.append(
                "peak RSS \(HostileBounds.megabytes(whole.peakRSSBytes)) MB > \(bounds.peakRSSBytes >> 20) MiB")
        }
        rows.append(HostileRow(command: "serve (whole run)", measurement: whole, problems: problems))
        return rows
    }

    /// The "Run it again" command of an image page, unescaped, pasted into a shell.
    /// Every `gptimg generate …` of a page (the gallery's image page, the export's index.html),
    /// up to the tag that ends it, unescaped as a browser copies it, pasted into a shell.
    func commandLineProblems(inPage html: String, world: World) -> [String] {
        var problems: [String] = []
        var rest = html[...]
        while let start = rest.range(of: "gptimg generate ") {
            let end = rest[start.lowerBound...].firstIndex(of: "<") ?? rest.endIndex
            problems += pasteProblems(Self.unescapeHTML(String(rest[start.lowerBound..<end])), world: world)
            rest = rest[end...]
        }
        return problems
    }

    /// Named entities of HTML's escaping and numeric ones, as a browser copies the text.
    static func unescapeHTML(_ text: String) -> String {
        let named = ["lt": "<", "gt": ">", "quot": "\"", "apos": "'", "amp": "&"]
        var out = ""
        var rest = Substring(text)
        while let ampersand = rest.firstIndex(of: "&") {
            out += rest[..<ampersand]
            let after = rest[rest.index(after: ampersand)...]
            guard let semicolon = after.prefix(10).firstIndex(of: ";") else {
                out += "&"
                rest = after
                continue
            }
            let name = after[..<semicolon]
            var decoded: String?
            if let value = named[String(name)] {
                decoded = value
            } else if name.hasPrefix("#x") || name.hasPrefix("#X"), let code = UInt32(name.dropFirst(2), radix: 16) {
                decoded = Unicode.Scalar(code).map { String(Character($0)) }
            } else if name.hasPrefix("#"), let code = UInt32(name.dropFirst()) {
                decoded = Unicode.Scalar(code).map { String(Character($0)) }
            }
            if let decoded {
                out += decoded
                rest = after[after.index(after: semicolon)...]
            } else {
                out += "&"
                rest = after
            }
        }
        return out + rest
    }

    static func port(in output: String) -> Int? {
        guard let range = output.range(of: "http://127.0.0.1:") else { return nil }
        let digits = output[range.upperBound...].prefix { $0.isNumber }
        return digits.isEmpty ? nil : Int(digits)
    }
}
