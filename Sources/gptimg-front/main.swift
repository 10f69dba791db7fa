// The `gptimg` that `make install` puts on the PATH: a small binary that answers the two
// commands people run most and want at once, `list` and `search`, and hands every other command
// line to the full binary (libexec/gptimg/gptimg) unchanged.
//
// The full binary links Foundation, SwiftNIO, Hummingbird, AsyncHTTPClient, GRDB and
// swift-crypto: 186 MB that take 6-7 ms to start (relocations and page faults) before argument
// parsing takes 1.5 ms more. This one links the Swift standard library, GptimgBrowse and SQLite
// (15 MB): `list --limit 20` of 100,000 images takes 3.7 ms in all (bench/list.sh).
//
// It answers a command line only when it is sure to print what the full binary would print:
// the same query language and SQL (GptimgBrowse), the same rendering, the same library lookup.
// Anything else — another command, an option it does not know, help, a query error, a missing
// or older catalog, a `parent:` filter, a busy or damaged database — goes to the full binary,
// which says what is wrong exactly as it always does. Reading twice is harmless: it writes
// nothing before it has every row.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import GptimgBrowse
import GptimgSupport
import PNGMetadata

/// Why the front passes a command line on.
struct HandOver: Error {}

/// `list`/`search` as the front understands them: exactly what `ListCommand` and
/// `SearchCommand` accept, or nil.
struct ListArguments {
    var words: [String] = []
    var limit = 50
    var offset = 0
    var sort: ImageSort
    var json = false
    var library: String?

    init?(_ arguments: [String]) {
        guard arguments.count >= 2, arguments[1] == "list" || arguments[1] == "search" else { return nil }
        let isSearch = arguments[1] == "search"
        sort = isSearch ? .relevance : .newest
        var seen: Set<String> = []
        var index = 2
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            guard argument.hasPrefix("-") else {
                words.append(argument)
                continue
            }
            // `--name value` or `--name=value`; anything else ("-x", "--", a repeat) is the full
            // binary's to accept or refuse.
            var name = argument
            var value: String?
            if let equals = argument.firstIndex(of: "=") {
                name = String(argument[..<equals])
                value = String(argument[argument.index(after: equals)...])
            }
            guard seen.insert(name).inserted else { return nil }
            if name == "--json" {
                guard value == nil else { return nil }
                json = true
                continue
            }
            guard ["--limit", "--offset", "--sort", "--library"].contains(name) else { return nil }
            if value == nil, index < arguments.count {
                value = arguments[index]
                index += 1
            }
            guard let value, !value.isEmpty, !value.hasPrefix("-") else { return nil }
            switch name {
            case "--limit":
                guard let number = Int(value) else { return nil }
                limit = number
            case "--offset":
                guard let number = Int(value) else { return nil }
                offset = number
            case "--sort":
                guard let order = ImageSort(rawValue: value) else { return nil }
                sort = order
            default:
                library = value
            }
        }
        if isSearch, words.isEmpty { return nil }
    }

    /// The catalog's path, found as `LibraryLocation.resolve` finds it (`LibraryRoot`); nil
    /// when the path needs Foundation's reading of it (`~`, or a `.` or `..` that it removes as
    /// text where the kernel would follow a symbolic link first).
    var catalogPath: String? {
        let root = LibraryRoot.path(option: library, variable: getenv("GPTIMG_LIBRARY").map { String(cString: $0) })
        if root.hasPrefix("~") || root.split(separator: "/").contains(where: { $0 == "." || $0 == ".." }) { return nil }
        return root + "/catalog.sqlite"
    }
}

/// The page of results, rendered as the full binary renders it; throws `HandOver` whenever the
/// full binary should answer instead.
func answer(_ arguments: ListArguments) throws -> [UInt8] {
    let query = try ImageQuery(parsing: arguments.words.joined(separator: " "))
    guard let path = arguments.catalogPath else { throw HandOver() }
    // Readers wait for nobody in WAL mode; a lock that is held anyway (a checkpoint, a
    // recovery) is the full binary's to wait for, with its own timeout, not twice as long.
    let reader = try SQLiteReader.open(readOnly: path, busyTimeout: 0.1)
    defer { reader.close() }
    try reader.execute("BEGIN")  // one snapshot for every statement, as GRDB's reads have
    guard try Schema.applied(reader) == Schema.identifiers else { throw HandOver() }  // older: the full binary migrates it
    let items = try Browse.list(
        query, sort: arguments.sort, limit: arguments.limit, offset: arguments.offset, after: nil, reader: reader,
        resolve: { _ in throw HandOver() })
    var output: [UInt8] = []
    for item in items {
        // Escaped as the full binary's `Output` escapes every line.
        if arguments.json {
            var line: [UInt8] = []
            item.json.render(into: &line)
            output += TerminalText.escapeJSON(line)
        } else {
            output += TerminalText.escape(item.listLine).utf8
        }
        output.append(0x0A)
    }
    return output
}

/// This binary's own path: /proc/self/exe on Linux, else argv[0] as typed or found on PATH.
func ownPath() -> String? {
    #if os(Linux)
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    if count > 0 { return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self) }
    #endif
    let name = CommandLine.arguments[0]
    if name.contains("/") { return name }
    let path = getenv("PATH").map { String(cString: $0) } ?? ""
    return path.split(separator: ":").map { "\($0)/\(name)" }.first { access($0, X_OK) == 0 }
}

func realPath(_ path: String) -> String? {
    guard let resolved = realpath(path, nil) else { return nil }
    defer { free(resolved) }
    return String(cString: resolved)
}

/// Replaces this process with the full binary, given the same arguments.
func handOver() -> Never {
    guard let own = ownPath().flatMap(realPath) else { fail("cannot find where this gptimg is installed: run it by its full path") }
    let folder = String(own[..<own.lastIndex(of: "/")!])
    let candidates = [folder + "/../libexec/gptimg/gptimg", folder + "/gptimg"]
    var problem = "the full gptimg binary is missing (looked for \(candidates.joined(separator: " and ")))"
    for candidate in candidates where access(candidate, X_OK) == 0 && realPath(candidate) != own {
        var argv: [UnsafeMutablePointer<CChar>?] = [strdup(candidate)] + CommandLine.arguments.dropFirst().map { strdup($0) } + [nil]
        execv(candidate, &argv)
        problem = "cannot start \(candidate) (\(String(cString: strerror(errno))))"
    }
    fail(problem + ": reinstall gptimg with `make install`")
}

func fail(_ message: String) -> Never {
    writeAll(STDERR_FILENO, Array("gptimg: \(message)\n".utf8))
    exit(1)
}

guard let arguments = ListArguments(CommandLine.arguments), let output = try? answer(arguments) else { handOver() }
writeAll(STDOUT_FILENO, output)
