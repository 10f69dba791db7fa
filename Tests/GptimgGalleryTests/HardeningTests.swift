import Dispatch
import Foundation
import GptimgCatalog
import HTTPTypes
import PNGMetadata
import PNGRaster
import TestSupport
import Testing

@testable import GptimgGallery

/// issue 14: what a hostile file, catalog or client does to the gallery.
@Suite("gallery hardening")
struct HardeningTests {
    // MARK: - Thumbnails of decompression bombs

    /// 1x`height` 1-bit grey pixels declared, 40 bytes of zeros (stored) behind them.
    static func bomb(height: Int = 100_000_000) -> [UInt8] {
        func be32(_ value: UInt32) -> [UInt8] {
            [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
        }
        func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
            be32(UInt32(data.count)) + Array(type.utf8) + data + be32(independentCRC32(Array(type.utf8) + data))
        }
        let zeros = [UInt8](repeating: 0, count: 40)
        let adler: UInt32 = (UInt32(40) << 16) | 1 // a = 1 (zeros add nothing), b = 40 × 1
        // One stored deflate block: final, 40 bytes, their one's complement.
        let stream: [UInt8] = [0x78, 0x01, 1, 40, 0, ~40, 0xFF] + zeros + be32(adler)
        let ihdr = be32(1) + be32(UInt32(height)) + [1, 0, 0, 0, 0]
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", ihdr) + chunk("IDAT", stream)
            + chunk("IEND", [])
    }

    /// Imports `files` (name, bytes) into the library; returns their records by name.
    static func add(_ files: [(String, [UInt8])], to library: GalleryLibrary) async throws -> [String: ImageRecord] {
        let folder = library.folder.appendingPathComponent("extra-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var records: [String: ImageRecord] = [:]
        for (name, bytes) in files { try Data(bytes).write(to: folder.appendingPathComponent(name)) }
        _ = try await library.catalog.importFiles([folder.path]) { event in
            if case .imported(let source, let image) = event { records[(source as NSString).lastPathComponent] = image }
        }
        guard records.count == files.count else { throw FixtureError("imported \(records.count) of \(files.count)") }
        return records
    }

    @Test("a decompression bomb's thumbnail: a placeholder at once, with the reason, and never decoded again")
    func bombThumbnail() async throws {
        let library = try await GalleryLibrary.standard()
        let bomb = try #require(try await Self.add([("bomb.png", Self.bomb())], to: library)["bomb.png"])
        // Its cost in memory and time is measured on the built binary (HostileOutputTests): here
        // other tests share the process and the clock.
        try await library.withRouter { client in
            let first = try await client.get("/thumb/\(bomb.sha256).png")
            #expect(first.status == .ok)
            #expect(first.headers[.contentType] == "image/png")
            #expect(first.headers[.cacheControl] == "no-store")
            #expect(first.bytes == ThumbnailStore.placeholder)
            let reason = first.headers[HTTPField.Name("X-Gptimg-Thumbnail-Error")!] ?? ""
            #expect(reason.contains("1x100000000") && reason.contains("decompression bomb"), "\(reason)")
            #expect(try RGBAImage(pngData: first.bytes).width == 64)

            // Its file replaced by a good PNG: still the placeholder, so it was not decoded again.
            let file = try library.location.file(of: bomb).path
            try FileManager.default.removeItem(atPath: file)
            try Data(try GalleryLibrary.png(seed: 1, width: 40, height: 40)).write(to: URL(fileURLWithPath: file))
            for uri in ["/thumb/\(bomb.sha256).png", "/thumb/\(bomb.id).png"] {
                let again = try await client.get(uri)
                #expect(again.status == .ok)
                #expect(again.bytes == ThumbnailStore.placeholder, "\(uri)")
                #expect(again.headers[HTTPField.Name("X-Gptimg-Thumbnail-Error")!] == reason)
            }
            #expect(
                !FileManager.default.fileExists(
                    atPath: ThumbnailStore(library: library.location).path(sha256: bomb.sha256)))

            // Real thumbnails beside it are untouched.
            let parent = try library.details(task: "gpt-image-2-PARENTPARENTPARENTPARE")
            let good = try await client.get("/thumb/\(parent.image.sha256).png")
            #expect(good.status == .ok && good.headers[HTTPField.Name("X-Gptimg-Thumbnail-Error")!] == nil)
            #expect(try RGBAImage(pngData: good.bytes).width == 320)
        }
    }

    @Test("ThumbnailStore remembers a failure by SHA-256, a bounded number of them")
    func failureMemory() async throws {
        let library = try await GalleryLibrary.standard()
        let records = try await Self.add(
            [("a.png", Self.bomb()), ("b.png", Self.bomb(height: 99_999_999))], to: library)
        let store = ThumbnailStore(library: library.location, budget: DecodeBudget(capacity: 64 << 20))
        for record in records.values {
            #expect(store.failure(sha256: record.sha256) == nil)
            #expect(throws: ThumbnailStore.Unavailable.self) { try store.thumbnail(of: record) }
            #expect(store.failure(sha256: record.sha256)?.contains("decompression bomb") == true)
        }
        #expect(store.budget.peak == 0)

        // The oldest are forgotten past the capacity.
        let memory = FailureMemory(capacity: 3)
        for index in 0..<5 { memory.remember("sha\(index)", reason: "reason \(index)") }
        #expect((0..<5).map { memory.reason("sha\($0)") } == [nil, nil, "reason 2", "reason 3", "reason 4"])
        memory.remember("sha4", reason: "again")
        memory.remember("sha5", reason: "reason 5")
        #expect((2..<6).map { memory.reason("sha\($0)") } == [nil, "reason 3", "again", "reason 5"])
    }

    // MARK: - Queries

    @Test("a NUL in the search is the query language's error (400), not the database's (500)")
    func nulInQuery() async throws {
        let library = try await GalleryLibrary.standard()
        let message = "the query contains a NUL character"
        try await library.withRouter { client in
            for uri in [
                "/?q=a%00b", "/?q=%00", "/?q=tag%3Aa%00b", "/?q=%22a%00b%22", "/?tag=a%00b", "/?in=x%00",
                "/collection/Summer%20trip?q=lake%00",
            ] {
                let response = try await client.get(uri)
                #expect(response.status == .badRequest, "\(uri)")
                #expect(response.text.contains(message), "\(uri)")
                #expect(!response.text.lowercased().contains("sqlite"), "\(uri)")
            }
        }
        // The same error on every surface: the catalog (list, search, export) parses the same way.
        #expect(throws: CatalogError.self) { try library.catalog.list("a\u{0}b") }
        do {
            _ = try ImageQuery(parsing: "lake\u{0}")
            Issue.record("a NUL parsed")
        } catch {
            #expect(String(describing: error).contains(message))
        }
    }

    // MARK: - Prompts of megabytes

    @Test("grid tiles get an excerpt of the prompt from SQLite, not the whole prompt")
    func hugePromptTiles() async throws {
        let library = try await GalleryLibrary.standard()
        // 16 MB prompts for every image, written into the catalog as anything with the file
        // could (the search index's trigger set aside while they are written: indexing them
        // would only slow the test down; the grid does not read the index).
        let trigger = try await ProcessRunner.run([
            "sqlite3", library.location.catalogURL.path,
            "SELECT sql FROM sqlite_master WHERE name = 'image_search_prompt'",
        ]).stdout
        try #require(trigger.contains("CREATE TRIGGER"))
        try await library.sql(
            "DROP TRIGGER image_search_prompt; "
                + "UPDATE generations SET prompt = 'a huge prompt ' || replace(hex(zeroblob(8000000)), '00', 'ab'); "
                + trigger.trimmingCharacters(in: .whitespacesAndNewlines) + ";")
        let lake = try library.details(task: "gpt-image-2-LAKELAKELAKELAKELAKE")
        #expect(lake.generation.prompt.utf8.count > 16_000_000)

        // What the grid reads: at most the excerpt.
        let rows = try library.catalog.list(ImageQuery(), sort: .newest, limit: 10, promptExcerpt: 321)
        #expect(rows.count == 6)
        #expect(
            rows.allSatisfy {
                $0.generation.prompt.unicodeScalars.count == 321 && $0.generation.prompt.hasPrefix("a huge prompt abab")
            })

        // What it costs the server is measured in CPU time on the built binary
        // (HostileOutputTests.hugePromptsCPU): wall-clock time here is the other tests' too.
        try await library.withRouter { client in
            let page = try await client.get("/")
            #expect(page.status == .ok)
            #expect(occurrences(of: "<li class=\"tile\" data-id=", in: page.text) == 6)
            #expect(page.text.utf8.count < 100_000)
            #expect(occurrences(of: "a huge prompt abababab", in: page.text) == 12) // caption and alternative text
            #expect(occurrences(of: "…</span>", in: page.text) == 6)
        }
    }

    // MARK: - Connections

    @Test("an idle connection is closed: one that sends nothing, one whose head never ends, one kept alive")
    func idleConnectionsClose() async throws {
        let library = try await GalleryLibrary.standard()
        let gallery = Gallery(
            catalog: library.catalog, configuration: GalleryConfiguration(port: 0, idleTimeout: .seconds(1)),
            token: testToken)
        try await gallery.withRunning { running in
            let port = running.port
            let cases = [
                ("nothing sent", ""),
                ("a head that never ends", "GET / HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUser-Agent: slow"),
                ("kept alive after a response", "GET /static/app.css HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n\r\n"),
            ]
            // The three at once, each waited for with a deadline far past the timeout.
            let answers = try await withThrowingTaskGroup(of: (String, [UInt8], Bool).self) { group in
                for (name, request) in cases {
                    group.addTask {
                        try await offThread {
                            let socket = try LoopbackSocket(port: port)
                            if !request.isEmpty { try socket.send(request) }
                            let answer = try socket.readUntilClosed(within: 10)
                            return (name, answer.bytes, answer.closed)
                        }
                    }
                }
                return try await group.reduce(into: [String: ([UInt8], Bool)]()) { $0[$1.0] = ($1.1, $1.2) }
            }
            for (name, _) in cases { #expect(answers[name]?.1 == true, "\(name): not closed") }
            #expect(answers["nothing sent"]?.0.isEmpty == true)
            #expect(answers["a head that never ends"]?.0.isEmpty == true)
            let response = String(decoding: answers["kept alive after a response"]?.0 ?? [], as: UTF8.self)
            #expect(response.hasPrefix("HTTP/1.1 200"))
        }
        #expect(GalleryConfiguration().idleTimeout == .seconds(15))
    }

    @Test("HTTP/1.0 without keep-alive, and Connection: close in any spelling, end after the response")
    func closingRequests() async throws {
        let library = try await GalleryLibrary.standard()
        // An idle timeout far past the deadline: only the request can close these connections.
        let gallery = Gallery(
            catalog: library.catalog, configuration: GalleryConfiguration(port: 0, idleTimeout: .seconds(300)),
            token: testToken)
        try await gallery.withRunning { running in
            let port = running.port
            for request in [
                "GET /static/app.css HTTP/1.0\r\nHost: 127.0.0.1:\(port)\r\n\r\n",
                "GET /static/app.css HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: Close\r\n\r\n",
            ] {
                let answer = try await offThread {
                    let socket = try LoopbackSocket(port: port)
                    try socket.send(request)
                    return try socket.readUntilClosed(within: 10)
                }
                #expect(answer.closed, "\(request.prefix(40))")
                let text = String(decoding: answer.bytes, as: UTF8.self)
                #expect(text.hasPrefix("HTTP/1.1 200") || text.hasPrefix("HTTP/1.0 200"), "\(text.prefix(60))")
                #expect(text.contains("body"), "the whole stylesheet arrived")
            }
            // HTTP/1.0 asking for keep-alive, and HTTP/1.1: two requests answered on one connection.
            for version in ["HTTP/1.0\r\nConnection: keep-alive", "HTTP/1.1"] {
                let request = "GET /static/app.css \(version)\r\nHost: 127.0.0.1:\(port)\r\n\r\n"
                let answer = try await offThread {
                    let socket = try LoopbackSocket(port: port)
                    try socket.send(request + request)
                    return try socket.read(within: 10) {
                        occurrences(of: " 200 OK", in: String(decoding: $0, as: UTF8.self)) == 2
                    }
                }
                #expect(
                    occurrences(of: " 200 OK", in: String(decoding: answer.bytes, as: UTF8.self)) == 2, "\(version)")
            }
        }
    }
}
